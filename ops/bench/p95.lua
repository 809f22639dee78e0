-- wrk: print the latency percentiles the dashboard benchmark reads (wrk's own --latency
-- report has no p95), and how many answers were not 2xx.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("P50_MS %.1f\nP95_MS %.1f\nP99_MS %.1f\nREQUESTS %d\nERRORS %d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.status + e.connect + e.read + e.write + e.timeout))
end
