-- wrk script used for every system: the request comes from the environment
-- (BENCH_METHOD, default POST; BENCH_BODY, a JSON body sent with Content-Type
-- application/json) and done() prints one line "BENCH_JSON {...}" with the counts and
-- the latency percentiles in microseconds, p99.9 included (wrk --latency stops at p99).
-- wrk counts a response as a status error when its status is > 399.
local method = os.getenv("BENCH_METHOD") or "POST"
local body = os.getenv("BENCH_BODY")

wrk.method = method
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
