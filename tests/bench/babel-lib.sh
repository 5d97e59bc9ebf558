#!/bin/bash
# tests/bench/babel-lib.sh -- shared helpers for babel-scale and babel-chain (bash).
# Sourced, never run (not executable, so run-all skips it).
#
#   bb_init NAME            set OURS/STOCK, temp dir $BB_T, EXIT/INT/TERM trap
#   bb_ns VAR SUFFIX        new namespace "$BB_PFX$SUFFIX" (lo up, no IPv6 DAD)
#   bb_veth NS1 IF1 NS2 IF2 veth pair, both ends up
#   bb_start VAR NS BIN DIR TAG ARGS...  start "BIN -I/-L/-S DIR/TAG.* ARGS" in NS
#                           in the background; daemon PID in VAR (verified)
#   bb_stop PID             TERM, wait up to 5 s, then KILL
#   bb_ns_del NS            delete a namespace (killing what is left in it)
#   bb_rcvbuf_drops NS      Udp6RcvbufErrors counter of NS
#   bb_hwm PID              VmHWM in kB          bb_cpu PID  utime+stime in s
#   bb_cpu_ms_sched PID     on-CPU ms of all its threads (schedstat, ns precision)
#   bb_now                  seconds since the epoch, ns precision
#   bb_median V...          median of numbers ("-" entries ignored)
#   bb_ratio A B            A/B with 2 decimals, "n/a" if either is missing/0
#   bb_cleanup              kill our daemons, delete our namespaces and $BB_T
# A missing daemon is a failure (exit 1); not being root is a skip (exit 77).

set -u

BB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BB_REPO=$(cd "$BB_DIR/../.." && pwd)
if [ -n "${BABELD:-}" ]; then
    OURS=$BABELD
elif [ -f "$BB_REPO/babeld" ] && [ -x "$BB_REPO/babeld" ]; then
    OURS=$BB_REPO/babeld             # ./babeld is also the source directory
else
    OURS=$BB_REPO/build/babeld-bin
fi
STOCK=${STOCK_BABELD:-/usr/sbin/babeld}
BB_PFX=${BB_PFX:-bs$$}
BB_PORT=${BB_PORT:-33124}            # local interface (-g), inside each namespace
BB_NS=()
BB_PIDS=()
BB_POLL=${BB_POLL:-0.2}        # polling period, seconds
BB_T=

bb_log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bb_now() { date +%s.%N; }

bb_cleanup() {
    local p ns i
    trap - EXIT INT TERM
    for p in "${BB_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    for i in 1 2 3 4 5 6 7 8 9 10; do
        local any=0
        for p in "${BB_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && any=1; done
        [ $any = 0 ] && break
        sleep 0.2
    done
    for p in "${BB_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for ns in "${BB_NS[@]}"; do
        # anything else still inside one of our namespaces (by pid, ours only)
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    wait 2>/dev/null
    [ -n "$BB_T" ] && rm -rf "$BB_T"
}

bb_init() {
    BB_NAME=$1
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: $BB_NAME needs root (network namespaces)"
        exit 77
    fi
    local b
    for b in "$OURS" "$STOCK"; do
        if [ -d "$b" ] || [ ! -x "$b" ]; then
            echo "FAIL: $BB_NAME: daemon not found or not executable: $b (set BABELD / STOCK_BABELD, or build with make)" >&2
            exit 1
        fi
    done
    OURS=$(cd "$(dirname "$OURS")" && pwd)/$(basename "$OURS")
    BB_T=$(mktemp -d "/tmp/bench-$BB_NAME.XXXXXX") || exit 1
    trap 'bb_cleanup' EXIT
    trap 'bb_cleanup; exit 130' INT
    trap 'bb_cleanup; exit 143' TERM
    # Run private copies (same file names, hence same comm): a rebuild of the
    # tree during the benchmark must not change or remove the binary under test.
    OURS_ORIG=$OURS STOCK_ORIG=$STOCK
    mkdir -p "$BB_T/bin-ours" "$BB_T/bin-stock"
    cp "$OURS" "$BB_T/bin-ours/" && cp "$STOCK" "$BB_T/bin-stock/" ||
        { echo "FAIL: cannot copy the daemons to $BB_T" >&2; exit 1; }
    OURS=$BB_T/bin-ours/$(basename "$OURS")
    STOCK=$BB_T/bin-stock/$(basename "$STOCK")
}

bb_ns() {
    local var=$1 ns=$BB_PFX$2
    ip netns add "$ns" || { echo "FAIL: ip netns add $ns" >&2; exit 1; }
    BB_NS+=("$ns")
    ip -n "$ns" link set lo up
    # No duplicate address detection: the daemons must not wait for the
    # link-local addresses to leave the tentative state (kernel, not daemon, time).
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
        net.ipv6.conf.default.accept_dad=0 >/dev/null
    printf -v "$var" '%s' "$ns"
}

bb_veth() {
    ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
        { echo "FAIL: veth $1/$2 - $3/$4" >&2; exit 1; }
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}

# Wait until every IPv6 link-local address in NS is usable (not tentative).
bb_ll_ready() {
    local ns=$1 i
    for i in $(seq 50); do
        ip -n "$ns" -6 addr show scope link | grep -q tentative || return 0
        sleep 0.1
    done
    return 1
}

bb_start() {
    local var=$1 ns=$2 bin=$3 dir=$4 tag=$5
    shift 5
    ip netns exec "$ns" "$bin" -I "$dir/$tag.pid" -L "$dir/$tag.log" \
        -S "$dir/$tag.state" -g "$BB_PORT" "$@" </dev/null >>"$dir/$tag.out" 2>&1 &
    local pid=$!
    BB_PIDS+=("$pid")
    # $! is the ip process, which execs into the daemon: same pid.  Wait for
    # the exec so that /proc/PID is the daemon's (its comm is the binary's name).
    local want i comm=
    want=$(basename "$bin" | cut -c1-15)
    for i in $(seq 200); do
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || break
        [ "$comm" = "$want" ] && break
        sleep 0.01
    done
    if [ "$comm" != "$want" ]; then
        echo "FAIL: $tag: pid $pid is '$comm', expected '$want' (daemon died?)" >&2
        cat "$dir/$tag.out" "$dir/$tag.log" 2>/dev/null | tail -n 20 >&2
        exit 1
    fi
    printf -v "$var" '%s' "$pid"
}

bb_stop() {
    local pid=$1 i p keep=()
    if kill -TERM "$pid" 2>/dev/null; then
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    # forget it, so that cleanup never signals a recycled pid
    for p in "${BB_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    BB_PIDS=("${keep[@]}")
}

bb_ns_del() {
    local ns=$1 n keep=() p
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    for n in "${BB_NS[@]}"; do [ "$n" = "$ns" ] || keep+=("$n"); done
    BB_NS=("${keep[@]}")
}

# Udp6RcvbufErrors of namespace NS: Babel datagrams dropped because the
# daemon's socket receive buffer was full.
bb_rcvbuf_drops() {
    ip netns exec "$1" awk '$1 == "Udp6RcvbufErrors" { print $2 }' /proc/net/snmp6 2>/dev/null || echo -
}

bb_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -; }

BB_TCK=$(getconf CLK_TCK)
bb_cpu() {
    # fields 14 and 15 of /proc/PID/stat (after the ")" ending comm: 12 and 13)
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -; return; }
    s=${s##*) }
    set -- $s
    awk -v u="${12}" -v k="${13}" -v t="$BB_TCK" 'BEGIN { printf "%.2f\n", (u + k) / t }'
}

# On-CPU time of every thread of PID in ms, from /proc/PID/task/*/schedstat
# (nanoseconds): finer than the 10 ms ticks of bb_cpu, for small daemons.
bb_cpu_ms_sched() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null |
        awk '{ s += $1 } END { if (NR == 0) print "-"; else printf "%.1f\n", s / 1e6 }'
}

bb_median() {
    printf '%s\n' "$@" | grep -v '^-$' | sort -g | awk '
        { v[NR] = $1 }
        END { if (NR == 0) { print "-"; exit }
              if (NR % 2) print v[(NR + 1) / 2]
              else printf "%g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bb_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "-" || b == "-" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

bb_sum() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) { if (ARGV[i] == "-") { print "-"; exit } s += ARGV[i] } print s }' "$@"; }
