-- PATCH /v1/users/{id} through the bus. Each thread owns a disjoint slice of the targets
-- and walks it round-robin, so concurrent requests never lock the same row; every request
-- sets a new first_name, so none is a no-op: the value carries the run's start time, as
-- later runs (c256_patch, a second bench) walk the same targets with the same counter.
-- args: tokens=FILE targets=FILE threads=N [prefix=/v1/users/] [field=first_name] [per_second=1]
-- (prefix and field: the same load on another service, e.g. /api/v1/users/ and full_name)
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local tokens, targets, counter, prefix, field = {}, {}, 0, "/v1/users/", "first_name"
local run = string.format("%x", os.time())

function init(args)
  local opts = parse_args(args)
  prefix = opts.prefix or prefix
  field = opts.field or field
  track_seconds(opts)
  tokens = read_lines(opts.tokens)
  targets = slice(read_lines(opts.targets), tid, tonumber(opts.threads))
end

function request()
  counter = counter + 1
  local target = targets[(counter % #targets) + 1]
  local token = tokens[((counter + tid) % #tokens) + 1]
  local body = '{"' .. field .. '":"Patched' .. run .. 't' .. tid .. 'n' .. counter .. '"}'
  return wrk.format("PATCH", prefix .. target,
                    bearer(token, {["Content-Type"] = "application/json"}), body)
end
