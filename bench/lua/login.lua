-- POST /v1/auth/login (bcrypt-bound): many distinct users, all with the seeded password.
-- args: users=FILE password=PW threads=N
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local requests = {}

function init(args)
  local opts = parse_args(args)
  local users = slice(read_lines(opts.users), tid, tonumber(opts.threads))
  for i, username in ipairs(users) do
    local body = '{"username":"' .. username .. '","password":"' .. opts.password .. '"}'
    requests[i] = wrk.format("POST", "/v1/auth/login", {["Content-Type"] = "application/json"}, body)
  end
  request = cycle(requests)
end

