-- wrk script for ops/bench/run.sh. Configured through the environment (wrk passes no
-- structured arguments to setup()):
--
--   BENCH_MODE         "healthz" (GET the URL given to wrk) or "reservations"
--   BENCH_THREADS      the -t given to wrk, so threads can interleave their counters
--   BENCH_BASE         first request number of this wrk run (run.sh carries it from run to run)
--   BENCH_CABINS       how many cabins exist, with ids BENCH_FIRST_ID .. +BENCH_CABINS-1
--   BENCH_FIRST_ID     id of the first bench cabin
--   BENCH_START_EPOCH  Unix time (UTC noon) of the earliest check-in date
--
-- Non-conflicting stays: request number n is unique across the whole benchmark (thread t of
-- T takes n = base + t + T*i), and n maps to one (cabin, dates) pair that no other n uses:
-- cabin = n % CABINS, check-in = start + (n / CABINS) * 3 days, 2 nights (so the stays of
-- one cabin are a night apart). The phone is +54911 followed by n in 8 digits, distinct per
-- request, so per-phone hold limits never apply.
--
-- done() prints one line starting with BENCH_RESULT (key=value, latencies in microseconds)
-- and up to a few BENCH_SAMPLE lines with bodies of unexpected responses.

local mode = os.getenv("BENCH_MODE") or "healthz"
local expected_status = (mode == "reservations") and 201 or 200

local all_threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(all_threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state). Globals, so that done() can read
-- them with thread:get().
statuses = {}
samples = {}
issued = 0

local function env_number(name, default)
   local value = tonumber(os.getenv(name) or "")
   if value == nil then
      if default == nil then
         error(name .. " must be set to a number")
      end
      return default
   end
   return value
end

function init(args)
   if mode == "reservations" then
      nthreads = env_number("BENCH_THREADS")
      base = env_number("BENCH_BASE")
      cabins = env_number("BENCH_CABINS")
      first_id = env_number("BENCH_FIRST_ID")
      start_epoch = env_number("BENCH_START_EPOCH")
      headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
   end
end

local day = 86400

if mode == "reservations" then
   function request()
      local n = base + tid + nthreads * issued
      issued = issued + 1
      local cabin = first_id + n % cabins
      local check_in = start_epoch + math.floor(n / cabins) * 3 * day
      local body = string.format(
         '{"accommodation_id":%d,"check_in":"%s","check_out":"%s","guests":2,'
            .. '"guest_name":"Bench Guest","guest_phone":"+54911%08d",'
            .. '"guest_email":"bench@example.com"}',
         cabin,
         os.date("!%Y-%m-%d", check_in),
         os.date("!%Y-%m-%d", check_in + 2 * day),
         n % 100000000
      )
      return wrk.format("POST", "/api/v1/reservations", headers, body)
   end
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status ~= expected_status and #samples < 3 then
      table.insert(samples, status .. " " .. string.sub(body or "", 1, 300))
   end
end

function done(summary, latency, requests)
   local counts = {}
   local sample_lines = {}
   local max_n = env_number("BENCH_BASE", 0) - 1
   for _, thread in ipairs(all_threads) do
      for status, count in pairs(thread:get("statuses") or {}) do
         counts[status] = (counts[status] or 0) + count
      end
      for _, sample in ipairs(thread:get("samples") or {}) do
         table.insert(sample_lines, sample)
      end
      if mode == "reservations" then
         local t_issued = thread:get("issued") or 0
         if t_issued > 0 then
            local last = thread:get("base") + thread:get("tid")
               + thread:get("nthreads") * (t_issued - 1)
            if last > max_n then
               max_n = last
            end
         end
      end
   end
   local keys = {}
   for status in pairs(counts) do
      table.insert(keys, status)
   end
   table.sort(keys)
   local unexpected = 0
   local parts = {}
   for _, status in ipairs(keys) do
      if status ~= expected_status then
         unexpected = unexpected + counts[status]
      end
      table.insert(parts, status .. ":" .. counts[status])
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT mode=%s duration_us=%d requests=%d bytes=%d p50_us=%d p95_us=%d "
         .. "p99_us=%d max_us=%d mean_us=%.0f unexpected=%d statuses=%s connect_errors=%d "
         .. "read_errors=%d write_errors=%d timeouts=%d next_base=%d\n",
      mode, summary.duration, summary.requests, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
      latency.mean, unexpected, (#parts > 0) and table.concat(parts, ",") or "none",
      e.connect, e.read, e.write, e.timeout, max_n + 1
   ))
   for _, sample in ipairs(sample_lines) do
      io.write("BENCH_SAMPLE " .. string.gsub(sample, "%s+", " ") .. "\n")
   end
end
