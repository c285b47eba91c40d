-- POST /graphql: one JSON body per line of bodies=FILE (sliced per thread), staff tokens in turn.
-- args: tokens=FILE bodies=FILE threads=N
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local requests = {}

function init(args)
  local opts = parse_args(args)
  local tokens = read_lines(opts.tokens)
  local bodies = slice(read_lines(opts.bodies), tid, tonumber(opts.threads))
  for i, body in ipairs(bodies) do
    local token = tokens[((i + tid) % #tokens) + 1]
    requests[i] = wrk.format("POST", "/graphql", bearer(token, {["Content-Type"] = "application/json"}), body)
  end
  request = cycle(requests)
end
