-- Shared by every bench scenario: thread ids, data files, and a JSON summary for bench.py.
-- Scripts take `key=value` arguments after `--` (files hold one value per line).

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

function parse_args(args)
  local opts = {}
  for _, arg in ipairs(args or {}) do
    local key, value = arg:match("^([%w_]+)=(.*)$")
    if key then opts[key] = value end
  end
  return opts
end

function read_lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if #line > 0 then table.insert(lines, line) end
  end
  file:close()
  assert(#lines > 0, "empty data file " .. path)
  return lines
end

-- This thread's share of a list: items tid, tid + n, tid + 2n, ... (n = number of threads).
function slice(items, tid, n)
  local out = {}
  for i = tid, #items, n do table.insert(out, items[i]) end
  if #out == 0 then out = items end
  return out
end

function bearer(token, extra)
  local headers = {["Authorization"] = "Bearer " .. token}
  for k, v in pairs(extra or {}) do headers[k] = v end
  return headers
end

-- per_second=1: count completions per wall-clock second (a `response` callback, so only for
-- the runs that look for stalls). done() reports them from the second init ran in.
function track_seconds(opts)
  if opts.per_second ~= "1" then return end
  started_at = os.time()
  per_second = {}
  response = function()
    local now = os.time()
    per_second[now] = (per_second[now] or 0) + 1
  end
end

-- All threads' per-second counts from the first init's second to the run's last second,
-- zeros included, as a JSON array (empty without per_second=1).
local function seconds_series(duration_us)
  local counts, first, last = {}, nil, nil
  for _, thread in ipairs(threads) do
    local start, seconds = thread:get("started_at"), thread:get("per_second")
    if start then
      first = math.min(first or start, start)
      last = math.max(last or start, start)
      for second, n in pairs(seconds or {}) do
        counts[second] = (counts[second] or 0) + n
        last = math.max(last, second)
      end
    end
  end
  local series = {}
  if first then
    last = math.max(last, first + math.floor(duration_us / 1e6))
    for second = first, last do table.insert(series, counts[second] or 0) end
  end
  return "[" .. table.concat(series, ",") .. "]"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"per_second":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, seconds_series(summary.duration),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9)))
end


-- A request() that cycles through prebuilt requests.
function cycle(requests)
  local counter = 0
  return function()
    counter = counter % #requests + 1
    return requests[counter]
  end
end
