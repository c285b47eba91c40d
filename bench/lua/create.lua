-- POST /v1/users (bcrypt-bound): admin tokens, a new unique user every request.
-- args: tokens=FILE tag=RUNTAG
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local tokens, tag, counter = {}, "x", 0

function init(args)
  local opts = parse_args(args)
  tokens = read_lines(opts.tokens)
  tag = opts.tag or tag
end

function request()
  counter = counter + 1
  local name = "c" .. tag .. "_" .. tid .. "_" .. counter
  local body = '{"username":"' .. name .. '","email":"' .. name .. '@bench.example.com",' ..
               '"password":"Bench!Pass1","first_name":"Created","last_name":"Bybench"}'
  local token = tokens[((counter + tid) % #tokens) + 1]
  return wrk.format("POST", "/v1/users", bearer(token, {["Content-Type"] = "application/json"}), body)
end
