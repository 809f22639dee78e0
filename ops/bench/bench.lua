-- wrk script for ops/bench/run.sh. Configured through the environment (wrk passes no
-- structured arguments to setup()):
--
--   BENCH_MODE          healthz | reservations | conflicts | webhooks
--   BENCH_THREADS       the -t given to wrk, so threads can interleave their counters
--   BENCH_REQ_BASE      first request number of this wrk run (unique across the whole benchmark)
--   BENCH_SLOT_BASE     first stay number of this wrk run (unique per database)
--   BENCH_SEED          per-thread random seed base (run.sh derives it from the run's seed)
--   BENCH_IP_A/_B       the request number's scramble: s = (A*r + B) mod 2^24, A odd
--   BENCH_CABINS        how many cabins exist, with ids BENCH_FIRST_ID .. +BENCH_CABINS-1
--   BENCH_FIRST_ID      id of the first bench cabin
--   BENCH_SLOTS         date slots per cabin; stays are BENCH_STAY_DAYS nights, back to back
--   BENCH_PERM_A/_B     the stays' permutation: slot = (A*n + B) mod (CABINS*SLOTS), gcd(A, M) = 1
--   BENCH_START_EPOCH   Unix time (UTC noon) of the earliest check-in date
--   BENCH_CONFLICT_PCT  conflicts: percent of requests that repeat an earlier request's stay
--   BENCH_BODIES        webhooks: file of "signature<TAB>body" lines (signed_bodies.py)
--
-- Every request has its own number r (thread t of T takes r = base + t + T*i). From r come a
-- client IP (11.0.0.0 + s, in Fly-Client-IP and X-Forwarded-For) and a phone (+54911 and s in
-- 8 digits), where s is r scrambled by a per-run odd multiplier, so no two requests of a run
-- share either and the per-IP and per-phone hold limits never refuse one. 11.0.0.0/8 +
-- 2^24 stays inside 11.0.0.0/8: public, clear of private, CGNAT, loopback and multicast ranges.
--
-- A booking asks for stay number n, a second counter that only fresh stays move (interleaved
-- like r). n goes through the run's permutation to a (cabin, date slot) pair that no other n
-- reaches, so cabins and dates are hit in a random order and no two fresh stays overlap.
-- In `conflicts`, a request repeats, with its own phone and IP, the stay of a uniformly chosen
-- earlier fresh request of the same thread (BENCH_CONFLICT_PCT percent of the time, decided
-- by the thread's own random stream), so the database refuses it for the dates: 409.
--
-- done() prints one line starting with BENCH_RESULT (key=value, latencies in microseconds)
-- and up to three BENCH_SAMPLE lines with bodies of unexpected responses.

local mode = os.getenv("BENCH_MODE") or "healthz"
local expected = ({
   healthz = { [200] = true },
   reservations = { [201] = true },
   conflicts = { [201] = true, [409] = true },
   webhooks = { [202] = true },
})[mode]
if expected == nil then
   error("BENCH_MODE must be healthz, reservations, conflicts or webhooks, not " .. mode)
end

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
issued = 0     -- requests sent by this thread
fresh = 0      -- fresh stays asked for by this thread
repeats = 0    -- conflicts: requests that repeated an earlier stay

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

local day = 86400
local ip_space = 16777216 -- 2^24 addresses from 11.0.0.0
local bodies = {}

function init(args)
   nthreads = env_number("BENCH_THREADS")
   req_base = env_number("BENCH_REQ_BASE")
   slot_base = env_number("BENCH_SLOT_BASE", 0)
   ip_a = env_number("BENCH_IP_A")
   ip_b = env_number("BENCH_IP_B")
   -- wrk's Lua states all start from the same seed: each thread gets the run's plus its id.
   math.randomseed(env_number("BENCH_SEED") + tid)
   for _ = 1, 8 do
      math.random()
   end
   conflict_pct = env_number("BENCH_CONFLICT_PCT", 0)
   if mode == "reservations" or mode == "conflicts" then
      cabins = env_number("BENCH_CABINS")
      first_id = env_number("BENCH_FIRST_ID")
      slots = env_number("BENCH_SLOTS")
      stay_days = env_number("BENCH_STAY_DAYS")
      perm_a = env_number("BENCH_PERM_A")
      perm_b = env_number("BENCH_PERM_B")
      start_epoch = env_number("BENCH_START_EPOCH")
   elseif mode == "webhooks" then
      for line in io.lines(os.getenv("BENCH_BODIES")) do
         local tab = string.find(line, "\t", 1, true)
         bodies[#bodies + 1] = { string.sub(line, 1, tab - 1), string.sub(line, tab + 1) }
      end
      assert(#bodies > 0, "BENCH_BODIES has no bodies")
   end
end

-- The request number's scramble: a bijection of [0, 2^24) (odd multiplier modulo a power of
-- two), so IPs and phones look random and never repeat within a run.
local function scramble(r)
   if r >= ip_space then
      error("more than 2^24 requests in one run: client IPs would repeat")
   end
   return (ip_a * r + ip_b) % ip_space
end

local function client_headers(s)
   local ip = string.format("11.%d.%d.%d", math.floor(s / 65536), math.floor(s / 256) % 256, s % 256)
   return {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
      ["Fly-Client-IP"] = ip,
      ["X-Forwarded-For"] = ip,
   }
end

-- The (cabin id, check-in date, check-out date) of stay number n.
local function stay(n)
   local space = cabins * slots
   if n >= space then
      error("stay " .. n .. " is past the " .. space .. " stays of the run: raise --cabins")
   end
   local slot = (perm_a * n + perm_b) % space
   local check_in = start_epoch + math.floor(slot / cabins) * stay_days * day
   return first_id + slot % cabins,
      os.date("!%Y-%m-%d", check_in),
      os.date("!%Y-%m-%d", check_in + stay_days * day)
end

local function next_numbers()
   local r = req_base + tid + nthreads * issued
   issued = issued + 1
   return r, scramble(r)
end

if mode == "healthz" then
   function request()
      local _, s = next_numbers()
      return wrk.format("GET", nil, client_headers(s))
   end
elseif mode == "webhooks" then
   function request()
      local r, s = next_numbers()
      local signed = bodies[(r % #bodies) + 1]
      local headers = client_headers(s)
      headers["X-Hub-Signature-256"] = signed[1]
      return wrk.format("POST", "/api/v1/webhooks/whatsapp", headers, signed[2])
   end
else
   function request()
      local _, s = next_numbers()
      local n
      if fresh > 0 and math.random(100) <= conflict_pct then
         n = slot_base + tid + nthreads * math.random(0, fresh - 1)
         repeats = repeats + 1
      else
         n = slot_base + tid + nthreads * fresh
         fresh = fresh + 1
      end
      local cabin, check_in, check_out = stay(n)
      local body = string.format(
         '{"accommodation_id":%d,"check_in":"%s","check_out":"%s","guests":2,'
            .. '"guest_name":"Bench Guest","guest_phone":"+54911%08d",'
            .. '"guest_email":"bench@example.com"}',
         cabin, check_in, check_out, s
      )
      return wrk.format("POST", "/api/v1/reservations", client_headers(s), body)
   end
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if not expected[status] and #samples < 3 then
      table.insert(samples, status .. " " .. string.sub(body or "", 1, 300))
   end
end

-- One past the highest number any thread used with counter `count` (base + tid + T*(count-1)).
local function next_after(base_key, count_key, default)
   local next_n = default
   for _, thread in ipairs(all_threads) do
      local count = thread:get(count_key) or 0
      if count > 0 then
         local last = thread:get(base_key) + thread:get("tid") + thread:get("nthreads") * (count - 1)
         if last + 1 > next_n then
            next_n = last + 1
         end
      end
   end
   return next_n
end

function done(summary, latency, requests)
   local counts = {}
   local sample_lines = {}
   local total_repeats = 0
   for _, thread in ipairs(all_threads) do
      for status, count in pairs(thread:get("statuses") or {}) do
         counts[status] = (counts[status] or 0) + count
      end
      for _, sample in ipairs(thread:get("samples") or {}) do
         table.insert(sample_lines, sample)
      end
      total_repeats = total_repeats + (thread:get("repeats") or 0)
   end
   local keys = {}
   for status in pairs(counts) do
      table.insert(keys, status)
   end
   table.sort(keys)
   local unexpected = 0
   local parts = {}
   for _, status in ipairs(keys) do
      if not expected[status] then
         unexpected = unexpected + counts[status]
      end
      table.insert(parts, status .. ":" .. counts[status])
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT mode=%s duration_us=%d requests=%d bytes=%d p50_us=%d p95_us=%d "
         .. "p99_us=%d max_us=%d mean_us=%.0f unexpected=%d statuses=%s connect_errors=%d "
         .. "read_errors=%d write_errors=%d timeouts=%d repeats=%d next_req=%d next_slot=%d\n",
      mode, summary.duration, summary.requests, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
      latency.mean, unexpected, (#parts > 0) and table.concat(parts, ",") or "none",
      e.connect, e.read, e.write, e.timeout, total_repeats,
      next_after("req_base", "issued", env_number("BENCH_REQ_BASE")),
      next_after("slot_base", "fresh", env_number("BENCH_SLOT_BASE", 0))
   ))
   for _, sample in ipairs(sample_lines) do
      io.write("BENCH_SAMPLE " .. string.gsub(sample, "%s+", " ") .. "\n")
   end
end
