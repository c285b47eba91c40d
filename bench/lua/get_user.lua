-- Cached GET /v1/users/{id}: many ids, many staff tokens (admins and moderators).
-- args: tokens=FILE ids=FILE threads=N [prefix=/v1/users/] [per_second=1]
-- (prefix: the same load on another service's users endpoint, e.g. /api/v1/users/)
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local requests = {}

function init(args)
  local opts = parse_args(args)
  local prefix = opts.prefix or "/v1/users/"
  track_seconds(opts)
  local tokens = read_lines(opts.tokens)
  local ids = slice(read_lines(opts.ids), tid, tonumber(opts.threads))
  for i, id in ipairs(ids) do
    local token = tokens[((i + tid) % #tokens) + 1]
    requests[i] = wrk.format("GET", prefix .. id, bearer(token))
  end
  request = cycle(requests)
end

