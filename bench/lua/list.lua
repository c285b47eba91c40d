-- One list page with a filter (path=...), staff tokens in turn.
-- args: tokens=FILE path=/v1/users?...
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local requests = {}

function init(args)
  local opts = parse_args(args)
  for i, token in ipairs(read_lines(opts.tokens)) do
    requests[i] = wrk.format("GET", opts.path, bearer(token))
  end
  request = cycle(requests)
end

