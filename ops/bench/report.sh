# shellcheck shell=bash
# ops/bench/report.sh: the Markdown report of ops/bench/run.sh (write_report). Sourced, not
# run; reads run.sh's variables and its RESULTS and CEILING tables. Everything from "## Notes"
# on in an existing report is kept.

ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

# The RESULTS line of scenario $1 at concurrency $2 (empty when not run).
result_row() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s && $2 == c' "$RESULTS"; }
ceiling_row() { awk -F'\t' -v c="$1" 'NR > 1 && $1 == c' "$CEILING"; }

scenario_table() { # scenario_table SCENARIO
    echo "| Concurrency (wrk) | Requests | Requests/s | p50 | p95 | p99 | max | Unexpected | Socket errors | Statuses |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    while IFS=$'\t' read -r sc c t _dur req rps p50 p95 p99 max unexpected statuses sock _rest; do
        [[ "$sc" == "$1" ]] || continue
        echo "| $c (-t$t -c$c) | $req | $rps | $(ms "$p50") | $(ms "$p95") | $(ms "$p99") | $(ms "$max") | $unexpected | $sock | $statuses |"
    done < <(tail -n +2 "$RESULTS")
}

conflicts_table() {
    echo "| Concurrency (wrk) | Requests | Requests/s | p50 | p95 | p99 | max | 201 | 409 | 409 share | Repeats asked | Unexpected | Socket errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    local n201 n409
    while IFS=$'\t' read -r sc c t _dur req rps p50 p95 p99 max unexpected statuses sock _api _pg _wrk _other _rss _apius _pgus repeats; do
        [[ "$sc" == conflicts ]] || continue
        n201="$(status_count 201 "$statuses")"
        n409="$(status_count 409 "$statuses")"
        echo "| $c (-t$t -c$c) | $req | $rps | $(ms "$p50") | $(ms "$p95") | $(ms "$p99") | $(ms "$max") | $n201 | $n409 | $(awk -v a="$n409" -v r="$req" 'BEGIN { printf "%.1f %%", (r > 0 ? 100 * a / r : 0) }') | $repeats | $unexpected | $sock |"
    done < <(tail -n +2 "$RESULTS")
}

ceiling_table() {
    echo "| Concurrency (pgbench) | Inserts | Inserts/s | p50 | p95 | p99 | max | Failed | PostgreSQL CPU / insert | Machine CPU |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r c j tps count p50 p95 p99 max failed pg_us machine; do
        echo "| $c (-c$c -j$j) | $count | $tps | $(ms "$p50") | $(ms "$p95") | $(ms "$p99") | $(ms "$max") | $failed | $pg_us µs | $machine % |"
    done < <(tail -n +2 "$CEILING")
}

resources_table() {
    echo "| Scenario | API | PostgreSQL backends | wrk | Everything else | API CPU / request | PostgreSQL CPU / request | API RSS peak |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r sc c _t _dur _req _rps _p50 _p95 _p99 _max _u _s _sock api pg wrk other rss api_us pg_us _rep; do
        echo "| $sc c=$c | $api % | $pg % | $wrk % | $other % | $api_us µs | $pg_us µs | $(mib "$rss") |"
    done < <(tail -n +2 "$RESULTS")
}

target_row() { # target_row NAME MEASURED MET(1/0)
    echo "| $1 | $2 | $([[ "$3" == 1 ]] && echo "met" || echo "**not met**") |"
}
not_run() { echo "| $1 | not run | – |"; }
# met EXPRESSION: 1 when the awk expression holds.
met() { awk "BEGIN { print (($1) ? 1 : 0) }"; }

targets_table() {
    echo "| Target | Measured | Result |"
    echo "|---|---:|---|"
    local res conf pre hook ceil
    local r_req r_rps r_p99 r_unexp r_api r_pg c_p99 c_api c_pg c_unexp
    res="$(result_row reservations 16)"
    if [[ -n "$res" ]]; then
        IFS=$'\t' read -r _ _ _ _ r_req r_rps _ _ r_p99 _ r_unexp _ _ _ _ _ _ _ r_api r_pg _ <<<"$res"
        target_row "POST /reservations ≥ 1,500 requests/s at concurrency 16, all 201" \
            "$r_rps req/s ($r_unexp non-201 of $r_req)" "$(met "$r_rps >= 1500 && $r_unexp == 0")"
        target_row "POST /reservations p99 < 25 ms at concurrency 16" "$(ms "$r_p99")" "$(met "$r_p99 < 25000")"
    else
        not_run "POST /reservations at concurrency 16"
    fi
    conf="$(result_row conflicts 16)"
    if [[ -n "$res" && -n "$conf" ]]; then
        IFS=$'\t' read -r _ _ _ _ _ _ _ _ c_p99 _ c_unexp _ _ _ _ _ _ _ c_api c_pg _ <<<"$conf"
        target_row "Conflicts ($CONFLICT_PCT % repeat a stay): the 409s cost no more than the 201s — API + PostgreSQL CPU per request at concurrency 16 not above the reservations run (within 5 %)" \
            "$((c_api + c_pg)) µs vs $((r_api + r_pg)) µs per request; p99 $(ms "$c_p99") vs $(ms "$r_p99"); $c_unexp neither 201 nor 409" \
            "$(met "$((c_api + c_pg)) <= 1.05 * $((r_api + r_pg)) && $c_unexp == 0")"
    else
        not_run "Conflicts: 409s cost no more than 201s (needs reservations and conflicts at c=16)"
    fi
    pre="$(result_row prefilled 16)"
    if [[ -n "$res" && -n "$pre" ]]; then
        local p_rps p_p99 p_unexp p_req
        IFS=$'\t' read -r _ _ _ _ p_req p_rps _ _ p_p99 _ p_unexp _ <<<"$pre"
        target_row "Pre-filled (${PREFILL_ROWS} rows, never analyzed) within 10 % of the empty run at concurrency 16 (requests/s and p99)" \
            "$p_rps vs $r_rps req/s; p99 $(ms "$p_p99") vs $(ms "$r_p99"); $p_unexp non-201 of $p_req" \
            "$(met "$p_rps >= 0.9 * $r_rps && $p_p99 <= 1.1 * $r_p99 && $p_unexp == 0")"
    else
        not_run "Pre-filled within 10 % of empty (needs reservations and prefilled at c=16)"
    fi
    hook="$(result_row webhooks 16)"
    if [[ -n "$hook" ]]; then
        local w_rps w_p99 w_unexp w_req
        IFS=$'\t' read -r _ _ _ _ w_req w_rps _ _ w_p99 _ w_unexp _ <<<"$hook"
        target_row "Signed WhatsApp webhook ingest p99 < 15 ms at concurrency 16, all 202" \
            "$(ms "$w_p99") ($w_rps req/s, $w_unexp non-202 of $w_req)" "$(met "$w_p99 < 15000 && $w_unexp == 0")"
    else
        not_run "Webhook ingest p99 < 15 ms at concurrency 16"
    fi
    ceil="$(ceiling_row 16)"
    if [[ -n "$res" && -n "$ceil" ]]; then
        local tps
        tps="$(cut -f3 <<<"$ceil")"
        target_row "Booking at concurrency 16 ≥ 50 % of PostgreSQL's bare-insert ceiling at concurrency 16" \
            "$r_rps / $tps = $(awk -v a="$r_rps" -v b="$tps" 'BEGIN { printf "%.0f %%", (b > 0 ? 100 * a / b : 0) }')" \
            "$(met "$tps > 0 && $r_rps >= 0.5 * $tps")"
    else
        not_run "Booking ≥ 50 % of the ceiling (needs reservations and ceiling at c=16)"
    fi
    if [[ "$PEAK_RSS_KB" -gt 0 ]]; then
        target_row "API RSS < 64 MiB under load (VmHWM)" "$(mib "$PEAK_RSS_KB")" "$(met "$PEAK_RSS_KB < 65536")"
    else
        not_run "API RSS < 64 MiB"
    fi
}

# Rows beyond the counted 201s can only come from requests still in flight when a wrk run
# stopped (wrk does not count those): at most one per connection per run.
rows_check() { # rows_check ROWS CREATED CUT_OFF
    local extra=$(($1 - $2))
    if [[ "$extra" -ge 0 && "$extra" -le "$3" ]]; then
        echo "consistent: the $extra extra rows are requests in flight when wrk stopped, at most $3"
    else
        echo "**inconsistent**: $extra rows beyond the 201s, at most $3 expected"
    fi
}

samples_section() { # samples_section SCENARIO: the first three unexpected bodies of its runs
    local f lines=""
    for f in "$RUN_DIR/$1"-c*.txt; do
        [[ -f "$f" ]] || continue
        lines+="$(grep '^BENCH_SAMPLE ' "$f" | cut -c14- | cut -c1-300 | sed "s/^/- \`$(basename "$f" .txt)\`: /")"$'\n'
    done
    lines="$(grep -v '^$' <<<"$lines" | head -n 3)"
    [[ -n "$lines" ]] || return 0
    printf '\nBodies of the first unexpected responses (warm-ups included):\n\n%s\n' "$lines"
}

notes_placeholder() {
    cat <<'EOF'
## Notes

(Findings go here. ops/bench/run.sh keeps everything from the "## Notes" heading on when it
rewrites this file.)
EOF
}

empty_db_sections() {
    if wants healthz; then
        cat <<EOF
## GET /api/v1/healthz

Each call pings PostgreSQL (\`SELECT 1\`) and Redis (\`PING\`).

$(scenario_table healthz)
$(samples_section healthz)

EOF
    fi
    if wants reservations; then
        cat <<EOF
## POST /api/v1/reservations

Non-conflicting stays in a random order over all $CABINS cabins, every guard on: expected all 201.

$(scenario_table reservations)
$(samples_section reservations)

EOF
    fi
    if wants conflicts; then
        cat <<EOF
## POST /api/v1/reservations with $CONFLICT_PCT % conflicts

The same, in the same database after the \`reservations\` runs, but about $CONFLICT_PCT % of the
requests ("Repeats asked") ask for exactly the cabin and nights of an earlier request of the
same wrk thread, with their own phone and IP: the database refuses those for the dates (409).
Expected statuses: 201 and 409 only.

$(conflicts_table)
$(samples_section conflicts)

EOF
    fi
    if wants reservations || wants conflicts; then
        local created=$((${CREATED[reservations]:-0} + ${CREATED[conflicts]:-0}))
        local cut=$((${CUT_OFF[reservations]:-0} + ${CUT_OFF[conflicts]:-0}))
        cat <<EOF
201 answers counted by wrk in this database, warm-ups included: $created; reservations in
the database at the end: $EMPTY_ROWS ($(rows_check "$EMPTY_ROWS" "$created" "$cut")).

EOF
    fi
}

prefilled_section() {
    wants prefilled || return 0
    cat <<EOF
## POST /api/v1/reservations on a pre-filled, never analyzed table

A database of its own whose \`reservations\` table got $PREFILL_ROWS rows in one
\`INSERT … SELECT generate_series\` (\`ops/bench/prefill.sql\`, ${PREFILL_SECONDS} s), with
\`autovacuum_enabled = false\` set on the table first and no \`ANALYZE\`; then the same load
as \`reservations\`, expected all 201.

- Rows by status: $PREFILL_MIX
- Past completed, confirmed and cancelled stays; expired holds and cancellations on nights
  ahead; $PREFILL_LAPSED lapsed holds never swept (the worker does not run) on the nights of
  every tenth of the first $((PREFILL_ROWS / 2)) stays the run asks for, so those bookings go
  through the targeted expiry (an audited UPDATE) before their INSERT
- Statistics after the fill: $STATS_BEFORE
- Statistics after the run: $STATS_AFTER

(\`reltuples\` -1 means never vacuumed or analyzed; NULL times mean never analyzed.)

$(scenario_table prefilled)
$(samples_section prefilled)

Lapsed holds on nights the run asked for: about $(((PREFILLED_SLOTS + 9) / 10 < PREFILL_LAPSED ? (PREFILLED_SLOTS + 9) / 10 : PREFILL_LAPSED)) (the run asked for
$PREFILLED_SLOTS stays); expired by the booking path (\`audit_log\` rows \`reservation.expire\`):
$PREFILLED_EXPIRED. New reservations in the database: $PREFILLED_NEW_ROWS, 201s counted by wrk:
${CREATED[prefilled]:-0} ($(rows_check "$PREFILLED_NEW_ROWS" "${CREATED[prefilled]:-0}" "${CUT_OFF[prefilled]:-0}")).

EOF
}

webhooks_section() {
    wants webhooks || return 0
    cat <<EOF
## POST /api/v1/webhooks/whatsapp (signed ingest)

Signature check (HMAC-SHA256), the event recorded in PostgreSQL, a job enqueued in Redis,
202. $WEBHOOK_BODIES bodies signed up front by \`ops/bench/signed_bodies.py\` (wrk's Lua has
no HMAC), each with its own wamid, sent in turn; the worker does not run. Expected all 202.

$(scenario_table webhooks)
$(samples_section webhooks)

202 answers counted by wrk, warm-ups and one smoke request included: ${CREATED[webhooks]:-0};
events recorded with a 202: ${WEBHOOK_EVENTS:-0} ($(rows_check "${WEBHOOK_EVENTS:-0}" "${CREATED[webhooks]:-0}" "${CUT_OFF[webhooks]:-0}")).

EOF
}

ceiling_section() {
    wants ceiling || return 0
    cat <<EOF
## Ceiling: PostgreSQL's own rate for a bare insert

\`pgbench -n -M prepared -c N -j min(N, 2) -T $DURATION -f ops/bench/ceiling.sql\` (after a
${WARMUP} s warm-up) in a database of its own with the same cabins and settings
(synchronous_commit $SYNC_COMMIT_IN_EFFECT): one autocommitted INSERT of a hold into
\`reservations\` per transaction, exclusion constraint and every index included, stays from
a sequence so none conflicts; nothing else (no locks, hold counts, expiry, audit, HTTP).
Latency percentiles from pgbench's per-transaction log. PostgreSQL CPU / insert: CPU of the
backends that exited (the postmaster's reaped children) over the inserts made, so an
unrelated backend ending at the same time adds to it. $CEILING_ROWS rows at the end.

$(ceiling_table)

EOF
}

write_report() {
    local cpu_model mem_total commit pg_version wrk_version notes=""
    cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    mem_total="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    commit="$(git -C "$ROOT" rev-parse --short HEAD)"
    git -C "$ROOT" diff --quiet HEAD -- . ':!docs/performance.md' 2>/dev/null || commit="$commit (with uncommitted changes)"
    pg_version="$(psql -X -A -t -d postgres -c "SHOW server_version")"
    wrk_version="$(wrk --version 2>&1 | head -n1 | awk '{ print $2 }' || true)"
    if [[ -f "$OUTPUT" ]]; then
        notes="$(awk '/^## Notes/ { keep = 1 } keep' "$OUTPUT")"
    fi
    [[ -n "$notes" ]] || notes="$(notes_placeholder)"
    mkdir -p "$(dirname "$OUTPUT")"
    {
        cat <<EOF
# Performance

Generated by \`ops/bench/run.sh\` (see \`ops/bench/README.md\`); the figures below are one real
run on the machine described, with PostgreSQL, Redis, the API and the load generator (wrk)
all on the same machine, so they share its cores.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Machine: $(nproc) CPUs ($cpu_model), $mem_total memory, Linux $(uname -r)
- Load average before / after the run: $LOAD_BEFORE / $LOAD_AFTER (other work on the machine shares the cores)
- Commit: \`$commit\` (the checkout run.sh ran from)
- API binary: \`${API_BIN#"$ROOT"/}\`, built $API_BUILT, sha256 $API_SHA
- Command: \`$COMMAND_LINE\`
- Seed: $SEED (\`--seed $SEED\` repeats the same stays, IPs and phones); stays permuted by slot = ($PERM_A·n + $PERM_B) mod $SPACE
- Load tool: wrk $wrk_version, ${DURATION} s measured per scenario after a ${WARMUP} s warm-up, threads = min(connections, 2), timeout 5 s; pgbench for the ceiling
- API: \`api serve\` on 127.0.0.1, RUST_LOG=$LOG_LEVEL, LOG_FORMAT=json, DATABASE_MAX_CONNECTIONS=$DB_MAX_CONNECTIONS, DATABASE_URL sslmode: ${PG_SSLMODE:-not set (prefer)}, server ssl: $PG_SSL_ON, so the API's database connections $([[ "$PG_SSLMODE" == disable || "$PG_SSL_ON" != on ]] && echo "are plain TCP" || echo "use TLS")
- Guards, all on: TRUST_PROXY_HEADERS=true, every request with its own public client IP (11.0.0.0/8, in \`Fly-Client-IP\` and \`X-Forwarded-For\`) and phone; HOLD_LIMIT_PER_PHONE and HOLD_LIMIT_PER_IP unset (the binary's production defaults); RATE_LIMIT_PER_MINUTE=$RATE_LIMIT per IP (never reached: one request per IP); audit rows written by the booking path
- PostgreSQL $pg_version on 127.0.0.1; synchronous_commit for the bench databases: $SYNC_COMMIT_IN_EFFECT$([[ -n "$SYNCHRONOUS_COMMIT" ]] && echo " (set with ALTER DATABASE … SET synchronous_commit = $SYNCHRONOUS_COMMIT)"); Redis at $REDIS_URL
- Data: $CABINS cabins (capacity 4); a booking asks for $STAY_DAYS nights and 2 guests, check-ins from $START_DATE, cabins and dates in the run's random order

Latency is measured by wrk from sending a request to reading its response (wrk does not
correct for coordinated omission; at these closed-loop concurrencies that is what a client
sees). Unexpected counts every response other than the expected ones (200 for healthz, 201 for
a reservation, 201 or 409 with conflicts, 202 for a webhook); socket errors are
connect/read/write errors and timeouts.

## Targets

$(targets_table)

$(empty_db_sections)

$(prefilled_section)

$(webhooks_section)

$(ceiling_section)

## Memory and CPU

Peak RSS of the API process (VmHWM from /proc when each API process stopped; the empty and the
pre-filled database each get their own): **$(mib "$PEAK_RSS_KB")** ($PEAK_RSS_KB kB).

Per measured scenario: CPU used by the API process, by the PostgreSQL backends of the bench
database, by wrk, and by everything else on the machine (Redis, PostgreSQL's background
writers, other users' work), where 100 % is one core and the machine has $(nproc) (so the four
add up to at most $(($(nproc) * 100)) %); the CPU time the API and its PostgreSQL backends
spent per completed request (less sensitive to other work on the machine than requests/s);
and the API's largest VmRSS sampled every 200 ms.

$(resources_table)
EOF
    } | cat -s >"$OUTPUT" # sections not run leave blank lines behind
    printf '\n%s\n' "$notes" >>"$OUTPUT"
}
