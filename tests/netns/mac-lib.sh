#!/bin/bash
# tests/netns/mac-lib.sh -- helpers for the RFC 8967 tests (t-mac-*.sh),
# sourced after lib.sh.
#
#   mac_pair                     namespaces NSA (a-b, loopbacks .1) and NSB
#                                (b-a, loopbacks .2) joined by a veth; no daemon
#   mac_start NAME NS BIN IF TYPE HEX [IFOPT...]
#                                start_babeld with key k1 (TYPE, value HEX) on IF
#                                and IFOPT... added to IF's interface line
#   mac_stat NAME IF FIELD       a counter of our `add mac-stats if IF ...` record
#   stat_gt NAME IF FIELD N      that counter is above N
#   both_ways                    A has B's loopbacks and B has A's, as proto babel
#   neither_way                  no route for the other's loopbacks either side
#   ll_of NS IF                  the link-local address of IF
#   cap_start NAME NS IF FILE / cap_stop NAME    tcpdump -w of Babel traffic
#   mac_tool ARGS...             tests/netns/mac-tool.py (run it in a namespace
#                                with: ip netns exec NS python3 "$MAC_TOOL" ...)

MAC_TOOL=$BM_DIR/mac-tool.py
KEY_SHA=8a2f41c07d3e95b6a1d04f72c8e3b59a0c6d17e4f2a85b3c9d01e6f7a4b2c853
KEY_SHA2=13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace
# 20 bytes: a key shorter than BLAKE2s's 32 is used as is, never padded.
KEY_B2S=0f1e2d3c4b5a69788796a5b4c3d2e1f001122334
KEY_B2S2=c0ffee00c0ffee00c0ffee00c0ffee00

mac_pair() {
    ns_new NSA A; ns_new NSB B
    veth "$NSA" a-b "$NSB" b-a
    lo_addr "$NSA" "$(lo4 1)/32" "$(lo6 1)/128"
    lo_addr "$NSB" "$(lo4 2)/32" "$(lo6 2)/128"
}

mac_start() {
    local name=$1 ns=$2 bin=$3 ifname=$4 type=$5 hex=$6
    shift 6
    start_babeld "$name" "$ns" "$bin" -C "key id k1 type $type value $hex" \
        -C "interface $ifname key k1${*:+ $*}" "$ifname"
}

mac_stat() {
    dump "$1" | awk -v i="$2" -v f="$3" '
        $1 == "add" && $2 == "mac-stats" && $4 == i {
            for (k = 5; k < NF; k++) if ($k == f) { print $(k + 1); exit }
        }'
}

stat_gt() {
    local v
    v=$(mac_stat "$1" "$2" "$3")
    BM_WHY="$1 $2 $3 is ${v:-absent}"
    [ -n "$v" ] && [ "$v" -gt "$4" ]
}

stat_eq() {
    local v
    v=$(mac_stat "$1" "$2" "$3")
    [ "$v" = "$4" ] || soft_fail "$1 $2 $3 is ${v:-absent}, expected $4"
}

both_ways() {
    has_babel_route "$NSA" "$(lo4 2)" && has_babel_route "$NSA" "$(lo6 2)" &&
        has_babel_route "$NSB" "$(lo4 1)" && has_babel_route "$NSB" "$(lo6 1)"
}

neither_way() {
    no_babel_route "$NSA" "$(lo4 2)" && no_babel_route "$NSA" "$(lo6 2)" &&
        no_babel_route "$NSB" "$(lo4 1)" && no_babel_route "$NSB" "$(lo6 1)"
}

ll_of() {
    ip -n "$1" -6 addr show dev "$2" scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }'
}

declare -A MAC_CAPPID
cap_start() {
    local name=$1 ns=$2 ifname=$3 file=$4
    ip netns exec "$ns" tcpdump -i "$ifname" -U -w "$file" udp port 6696 >"$T/$name.tcpdump" 2>&1 &
    MAC_CAPPID[$name]=$!
    BM_EXTRA_PIDS+=("$!")
    wait_for 5 "tcpdump $name listening on $ifname" grep -q "listening on" "$T/$name.tcpdump"
}

cap_stop() {
    local pid=${MAC_CAPPID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -INT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    MAC_CAPPID[$1]=
}
