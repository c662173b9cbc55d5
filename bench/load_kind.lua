-- wrk script: one kind of page per run. PATHS (comma-separated) and COOKIE come from the
-- environment; done() prints p50/p95/p99 in ms and the non-2xx count as one parseable line.
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "([^,]+)") do paths[#paths + 1] = p end
local cookie = os.getenv("COOKIE") or ""
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Cookie"] = cookie })
end
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT requests=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f non2xx=%d socket_errors=%d\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
