-- Cached GET /v1/users/{id}: many ids, many staff tokens (admins and moderators).
-- args: tokens=FILE ids=FILE threads=N
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local requests = {}

function init(args)
  local opts = parse_args(args)
  local tokens = read_lines(opts.tokens)
  local ids = slice(read_lines(opts.ids), tid, tonumber(opts.threads))
  for i, id in ipairs(ids) do
    local token = tokens[((i + tid) % #tokens) + 1]
    requests[i] = wrk.format("GET", "/v1/users/" .. id, bearer(token))
  end
  request = cycle(requests)
end

