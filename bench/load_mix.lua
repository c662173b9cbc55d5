-- wrk script for bench/load.py: the fixed mix, every kind of page a quarter of the requests
-- whatever its latency (docs/scaling.md "The web server's configuration"). Run with one
-- connection per wrk thread (-t N -c N): each connection asks list, search, detail, dashboard,
-- list, ... in turn, so a slow kind cannot lose its share to a fast one, and a thread knows
-- which kind its one request in flight is. REQUESTS (one "kind-index cookie-index path" a line,
-- kinds 0-3) and COOKIE0, COOKIE1, ... come from the environment; within a kind each connection
-- walks the paths round-robin from its own starting point. No pause: a closed loop. done()
-- prints wrk's latency percentiles in ms over all kinds (wrk keeps one histogram), and per kind
-- the answers and those that were not 2xx (redirects included: wrk itself only counts >= 400).
local KINDS = 4
local entries = {}
for k = 1, KINDS do
  entries[k] = {}
end
for line in string.gmatch(os.getenv("REQUESTS") or "0 0 /", "[^\n]+") do
  local kind, index, path = string.match(line, "^(%d+) (%d+) (.+)$")
  local list = entries[tonumber(kind) + 1]
  list[#list + 1] = { path = path, cookie = os.getenv("COOKIE" .. index) or "" }
end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local n = 0
local asked = 1
function init(args)
  n = (id or 0) -- each connection starts on its own kind, then walks all four in turn
  for k = 1, KINDS do
    _G["answers" .. k] = 0
    _G["non2xx" .. k] = 0
  end
end

function request()
  asked = (n % KINDS) + 1
  local list = entries[asked]
  local entry = list[((math.floor(n / KINDS) + (id or 0) * 7919) % #list) + 1]
  n = n + 1
  return wrk.format("GET", entry.path, { ["Cookie"] = entry.cookie })
end

function response(status, headers, body)
  _G["answers" .. asked] = _G["answers" .. asked] + 1
  if status < 200 or status > 299 then
    _G["non2xx" .. asked] = _G["non2xx" .. asked] + 1
  end
end

function done(summary, latency, requests)
  local answers, bad, total_bad = {}, {}, 0
  for k = 1, KINDS do
    answers[k], bad[k] = 0, 0
    for _, thread in ipairs(threads) do
      answers[k] = answers[k] + thread:get("answers" .. k)
      bad[k] = bad[k] + thread:get("non2xx" .. k)
    end
    total_bad = total_bad + bad[k]
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f non2xx=%d socket_errors=%d\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, total_bad,
    errors.connect + errors.read + errors.write + errors.timeout))
  io.write(string.format("KINDS answers=%s non2xx=%s\n", table.concat(answers, ","),
    table.concat(bad, ",")))
end
