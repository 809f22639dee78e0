# shellcheck shell=bash
# ops/bench/measure.sh: what ops/bench/run.sh reads from /proc to say where the time went.
# Sourced, not run. Needs psql_db (run.sh) for the PostgreSQL backends of a database.

# Memory of a process in kB (VmRSS now, or VmHWM = the peak since start).
proc_kb() {
    local key value _unit
    while read -r key value _unit; do
        [[ "$key" == "$2:" ]] && { echo "$value"; return 0; }
    done <"/proc/$1/status"
    echo 0
}

# Fields of /proc/PID/stat after "(comm) ": utime, stime, cutime, cstime are 11..14 (0-based).
proc_stat_fields() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    echo "${stat##*) }"
}

# CPU time (utime + stime, in clock ticks) of one process; 0 if it is gone.
proc_ticks() {
    local -a f
    read -r -a f <<<"$(proc_stat_fields "$1")" || true
    echo $((${f[11]:-0} + ${f[12]:-0}))
}

# CPU ticks of the finished, reaped children of a process (cutime + cstime): wrk's for this
# shell, the exited backends' for the postmaster.
reaped_children_ticks() {
    local -a f
    read -r -a f <<<"$(proc_stat_fields "$1")" || true
    echo $((${f[13]:-0} + ${f[14]:-0}))
}

# The postmaster: the parent of the checkpointer.
postmaster_pid() {
    local pid
    pid="$(psql_db postgres -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")"
    local -a f
    read -r -a f <<<"$(proc_stat_fields "$pid")" || true
    echo "${f[1]:-0}"
}

# "pid ticks" for every PostgreSQL backend connected to database $1.
pg_backend_ticks() {
    local pid
    for pid in $(psql_db "$1" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$1' AND pid <> pg_backend_pid()"); do
        echo "$pid $(proc_ticks "$pid")"
    done
}

# Sum over the backends of ticks(end) - ticks(start); backends that appeared count from 0.
pg_ticks_delta() {
    awk 'NR == FNR { start[$1] = $2; next } { total += $2 - ($1 in start ? start[$1] : 0) }
         END { print total + 0 }' "$1" "$2"
}

# busy and total jiffies of the whole machine (all CPUs).
machine_ticks() {
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# Samples VmRSS of process $1 every 200 ms while it lives: "epoch_seconds rss_kb" lines.
sample_rss() {
    while kill -0 "$1" 2>/dev/null; do
        echo "$EPOCHREALTIME $(proc_kb "$1" VmRSS)"
        sleep 0.2
    done
}

# field NAME LINE -> value of NAME=value in a BENCH_RESULT line.
field() {
    local kv
    for kv in $2; do [[ "$kv" == "$1="* ]] && { echo "${kv#*=}"; return 0; }; done
    echo ""
}

# The count of status $1 in a "201:12,409:3" list; 0 when absent.
status_count() {
    local part
    for part in ${2//,/ }; do [[ "$part" == "$1:"* ]] && { echo "${part#*:}"; return 0; }; done
    echo 0
}
