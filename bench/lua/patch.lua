-- PATCH /v1/users/{id} through the bus. Each thread owns a disjoint slice of the targets
-- and walks it round-robin, so concurrent requests never lock the same row; every request
-- sets a new first_name, so none is a no-op.
-- args: tokens=FILE targets=FILE threads=N
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local tokens, targets, counter = {}, {}, 0

function init(args)
  local opts = parse_args(args)
  tokens = read_lines(opts.tokens)
  targets = slice(read_lines(opts.targets), tid, tonumber(opts.threads))
end

function request()
  counter = counter + 1
  local target = targets[(counter % #targets) + 1]
  local token = tokens[((counter + tid) % #tokens) + 1]
  local body = '{"first_name":"Patched' .. tid .. 'n' .. counter .. '"}'
  return wrk.format("PATCH", "/v1/users/" .. target,
                    bearer(token, {["Content-Type"] = "application/json"}), body)
end
