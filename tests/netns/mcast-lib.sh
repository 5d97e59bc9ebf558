#!/bin/bash
# tests/netns/mcast-lib.sh -- the normalizer's four-namespace scenario (bash,
# sourced after lib.sh):
#
#   S (s-o) ---- (o-s) O (o-t) ---- (t-o) T (t-r) ---- (r-t) R
#   source         ours (babeld-mcr)    stock router       receiver
#   10.1.1.50/24   o-s: no IPv4         10.0.12.2, 10.0.23.1  10.0.23.2
#                  o-t: 10.0.12.1
#
# S sends to 239.1.1.1:5000 from 10.1.1.50, an address no router knows.  T
# runs Debian's babeld (skip-kernel-setup, so the strict rp_filter=1 set here
# stays) and smcrouted forwarding 239.1.1.1 from t-o to t-r.  O runs ours.
#   mc_setup              namespaces, links, addresses, sysctls; T's babeld
#                         and smcrouted; O's babeld (ours) with local socket
#   mc_smcroute NAME NS CONF   start smcrouted with a private config/pid/socket
#   mc_recv NAME NS ARGS...    start a mcast_stream.py receiver in the
#                         background (summary in $T/NAME.res), wait until ready
#   mc_recv_wait NAME [TIMEOUT]  wait for its summary; prints it
#   mc_send NS ARGS...    run a mcast_stream.py sender (foreground)
#   mc_field LINE KEY     the number after KEY in a summary line

MC_TOOL="$BM_REPO/tests/tools/mcast_stream.py"
VIP=192.168.100.1
GROUP=239.1.1.1
declare -A MC_PID

need_mcast_tools() {
    local b
    for b in smcrouted smcroutectl python3; do
        command -v "$b" >/dev/null 2>&1 || {
            echo "FAIL: $b not found (tools/install-deps installs smcroute and python3)" >&2
            exit 1
        }
    done
}

sysctl_ns() { ip netns exec "$1" sysctl -qw "$2=$3" || fail "sysctl $2=$3 in $1"; }

mc_smcroute() {
    local name=$1 ns=$2 conf=$3
    note "start smcrouted $name in $ns: $(tr '\n' ';' <"$conf")"
    ip netns exec "$ns" smcrouted -n -f "$conf" -P "$T/$name.smc.pid" -u "$T/$name.smc.sock" \
        -i "bm-$name" -l info >"$T/$name.smc.out" 2>&1 </dev/null &
    MC_PID[$name]=$!
    BM_EXTRA_PIDS+=("$!")
    wait_for 10 "smcrouted $name answers on its socket" \
        ip netns exec "$ns" smcroutectl -u "$T/$name.smc.sock" show
}

mc_smcroute_stop() {
    local pid=${MC_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    MC_PID[$1]=
}

mc_setup() {
    need_mcast_tools
    ns_new NSS S; ns_new NSO O; ns_new NST T; ns_new NSR R
    veth "$NSS" s-o "$NSO" o-s
    veth "$NSO" o-t "$NST" t-o
    veth "$NST" t-r "$NSR" r-t
    ip -n "$NSS" addr add 10.1.1.50/24 dev s-o || fail "address on S"
    ip -n "$NSS" route add 224.0.0.0/4 dev s-o || fail "multicast route on S"
    ip -n "$NSO" addr add 10.0.12.1/24 dev o-t || fail "address on O"
    lo_addr "$NSO" 10.254.0.1/32
    ip -n "$NST" addr add 10.0.12.2/24 dev t-o || fail "address on T"
    ip -n "$NST" addr add 10.0.23.1/24 dev t-r || fail "address on T"
    ip -n "$NSR" addr add 10.0.23.2/24 dev r-t || fail "address on R"
    ip -n "$NSR" route add default via 10.0.23.1 || fail "default route on R"
    # O reaches R's subnet for head-end replication through T.
    ip -n "$NSO" route add 10.0.23.0/24 via 10.0.12.2 || fail "route on O"
    # T: a strict router.  R: accepts what comes.
    sysctl_ns "$NST" net.ipv4.ip_forward 1
    sysctl_ns "$NST" net.ipv4.conf.all.rp_filter 1
    sysctl_ns "$NST" net.ipv4.conf.t-o.rp_filter 1
    sysctl_ns "$NST" net.ipv4.conf.t-r.rp_filter 1
    sysctl_ns "$NSR" net.ipv4.conf.all.rp_filter 0
    sysctl_ns "$NSR" net.ipv4.conf.r-t.rp_filter 0
    sysctl_ns "$NSO" net.ipv4.conf.o-s.rp_filter 0
    printf 'mroute from t-o group %s to t-r\n' "$GROUP" >"$T/t.smc.conf"
    mc_smcroute t "$NST" "$T/t.smc.conf"
    start_babeld T "$NST" "$STOCK" -C 'skip-kernel-setup true' t-o
    start_babeld O "$NSO" "$OURS" "$@" o-t
    [ "$(ip netns exec "$NST" sysctl -n net.ipv4.conf.t-o.rp_filter)" = 1 ] \
        || fail "T's rp_filter on t-o is not 1 any more"
}

mc_recv() {
    local name=$1 ns=$2; shift 2
    rm -f "$T/$name.ready" "$T/$name.res"
    ip netns exec "$ns" python3 "$MC_TOOL" recv --ready "$T/$name.ready" --out "$T/$name.res" \
        "$@" >"$T/$name.recv.out" 2>&1 &
    MC_PID[$name]=$!
    BM_EXTRA_PIDS+=("$!")
    wait_for 10 "receiver $name ready" test -e "$T/$name.ready"
}

mc_recv_wait() {
    local name=$1 timeout=${2:-30}
    wait_for "$timeout" "receiver $name finishes" test -s "$T/$name.res"
    wait "${MC_PID[$name]}" 2>/dev/null
    cat "$T/$name.res"
}

mc_send() {
    local ns=$1; shift
    ip netns exec "$ns" python3 "$MC_TOOL" send "$@" || fail "sender failed: $*"
}

mc_field() { printf '%s\n' "$1" | awk -v k="$2" '{for (i = 1; i < NF; i++) if ($i == k) {print $(i + 1); exit}}'; }

# mc_rx_packets NS IF: packets received on a link
mc_rx_packets() { ip -n "$1" -s -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
# mc_rpf_drops NS: packets the kernel dropped for its reverse-path filter
mc_rpf_drops() { ip netns exec "$1" nstat -asz TcpExtIPReversePathFilter | awk '$1 == "TcpExtIPReversePathFilter" {print $2}'; }
