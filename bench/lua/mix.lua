-- 90/10 read/write: nine cached GETs, then one PATCH (same rules as get_user/patch).
-- args: tokens=FILE ids=FILE targets=FILE threads=N
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local reads, tokens, targets, counter, writes = {}, {}, {}, 0, 0
local run = string.format("%x", os.time())  -- as in patch.lua: no PATCH of a later run is a no-op

function init(args)
  local opts = parse_args(args)
  local n = tonumber(opts.threads)
  tokens = read_lines(opts.tokens)
  targets = slice(read_lines(opts.targets), tid, n)
  for i, id in ipairs(slice(read_lines(opts.ids), tid, n)) do
    reads[i] = wrk.format("GET", "/v1/users/" .. id, bearer(tokens[((i + tid) % #tokens) + 1]))
  end
end

function request()
  counter = counter + 1
  if counter % 10 ~= 0 then
    return reads[(counter % #reads) + 1]
  end
  writes = writes + 1
  local target = targets[(writes % #targets) + 1]
  local body = '{"last_name":"Mixed' .. run .. 't' .. tid .. 'n' .. writes .. '"}'
  return wrk.format("PATCH", "/v1/users/" .. target,
                    bearer(tokens[((writes + tid) % #tokens) + 1], {["Content-Type"] = "application/json"}), body)
end
