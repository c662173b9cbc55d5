-- wrk script for bench/load.py: one kind of page per wrk process. REQUESTS (one "cookie-index
-- path" a line) and COOKIE0, COOKIE1, ... come from the environment; each connection walks the
-- paths round-robin from its own starting point. done() prints wrk's latency percentiles in ms
-- and the answers that were not 2xx (redirects included: wrk itself only counts >= 400).
-- THINK_MS > 0: each connection pauses 0.5-1.5 x THINK_MS after an answer (a user reading the
-- page) before its next request; 0 sends the next request at once (a closed loop).
local entries = {}
for line in string.gmatch(os.getenv("REQUESTS") or "0 /", "[^\n]+") do
  local index, path = string.match(line, "^(%d+) (.+)$")
  entries[#entries + 1] = { path = path, cookie = os.getenv("COOKIE" .. index) or "" }
end

local think = tonumber(os.getenv("THINK_MS") or "0")
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local i = 0
function init(args)
  non2xx = 0
  i = (id or 0) * 7919
  math.randomseed(os.time() + (id or 0))
end

if think > 0 then
  function delay()
    return math.floor(think * (0.5 + math.random()))
  end
end

function request()
  i = i + 1
  local entry = entries[(i % #entries) + 1]
  return wrk.format("GET", entry.path, { ["Cookie"] = entry.cookie })
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f non2xx=%d socket_errors=%d\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, bad,
    errors.connect + errors.read + errors.write + errors.timeout))
end
