#!/bin/bash
# tests/netns/gem-lib.sh -- GEM gateway scenarios (bash, sourced after lib.sh
# and mcast-lib.sh, whose stream tools it uses):
#
#   S (s-a) ---- (a-s) A (a-l) ---- L        Studio A: source, normalizer, GEM ingress
#   10.1.1.50         ours  (a-u)            a-l 10.0.1.1 (the normalizer's output LAN)
#                              |
#                     (underlay: U, or an internet router I)
#                              |
#                         (b-u) B (b-r) ---- (r-b) R   Studio B: GEM egress, receiver
#                               ours  10.0.2.1   10.0.2.2 (rp_filter 1, default via B)
#
# The normalizer on A republishes S's 239.1.1.1:5000 from VIP 192.168.100.1
# on a-l; gem-send takes it off a-l and sends it on.  gem_ns_studios
# creates S, A, L, B, R and the studio links; the test adds the underlay.

GEM_TOOL="$BM_REPO/tests/netns/gem-tool.py"
GEM_SEK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
GEM_GAK=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
GEM_SEK2=4041424344454647484950515253545556575859505152535455565758595a5b
GEM_GAK2=606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f

need_gem_tools() {
    need_mcast_tools
    python3 -c 'import cryptography' 2>/dev/null || {
        echo "FAIL: python3-cryptography not found (tools/install-deps installs it)" >&2
        exit 1
    }
    command -v tcpdump >/dev/null 2>&1 || { echo "FAIL: tcpdump not found" >&2; exit 1; }
}

gem_ns_studios() {
    need_gem_tools
    ns_new NSS S; ns_new NSA A; ns_new NSL L; ns_new NSB B; ns_new NSR R
    veth "$NSS" s-a "$NSA" a-s
    veth "$NSA" a-l "$NSL" l-a
    veth "$NSB" b-r "$NSR" r-b
    ip -n "$NSS" addr add 10.1.1.50/24 dev s-a || fail "address on S"
    ip -n "$NSS" route add 224.0.0.0/4 dev s-a || fail "multicast route on S"
    ip -n "$NSA" addr add 10.0.1.1/24 dev a-l || fail "address on A"
    ip -n "$NSL" addr add 10.0.1.2/24 dev l-a || fail "address on L"
    ip -n "$NSB" addr add 10.0.2.1/24 dev b-r || fail "address on B"
    ip -n "$NSR" addr add 10.0.2.2/24 dev r-b || fail "address on R"
    ip -n "$NSR" route add default via 10.0.2.1 || fail "default route on R"
    sysctl_ns "$NSA" net.ipv4.conf.a-s.rp_filter 0
    sysctl_ns "$NSA" net.ipv4.conf.all.rp_filter 0
    # R is strict: the stream's source must be routed back through B.
    sysctl_ns "$NSR" net.ipv4.conf.all.rp_filter 1
    sysctl_ns "$NSR" net.ipv4.conf.r-b.rp_filter 1
}

# gem_recv NAME COUNT [ARGS...]: R receives the stream from the VIP
gem_recv() {
    local name=$1 count=$2; shift 2
    mc_recv "$name" "$NSR" --group "$GROUP" --port 5000 --ifname r-b --count "$count" \
        --source "$VIP" --timeout 20 "$@"
}
gem_send_stream() {   # COUNT START [RATE]
    mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-a --count "$1" --start "$2" \
        --rate "${3:-1000}" --size 1316
}

# gem_field NAME KIND ID KEY: a number from a dump record
gem_field() {
    dump "$1" | awk -v k="$2" -v id="$3" -v f="$4" \
        '$1 == "add" && $2 == k && $3 == id {for (i = 4; i < NF; i++) if ($i == f) {print $(i + 1); exit}}'
}
gem_input_is() { [ "$(gem_input_field "$1" "$2")" = "$3" ]; }
gem_input_field() { dump "$1" | awk -v f="$2" '$2 == "gem-input" {for (i = 3; i < NF; i++) if ($i == f) {print $(i + 1); exit}}'; }

# The checks every scenario makes at R.
gem_check_stream() {   # NAME COUNT
    local res; res=$(mc_recv_wait "$1")
    note "R: $res"
    [ "$(mc_field "$res" unique)" = "$2" ] || soft_fail "R got $(mc_field "$res" unique) of $2 datagrams"
    [ "$(mc_field "$res" bad-content)" = 0 ] || soft_fail "datagrams changed on the way"
    [ "$(mc_field "$res" bad-source)" = 0 ] || soft_fail "datagrams from a source other than $VIP"
    [ "$(mc_field "$res" sizes)" = 1316 ] || soft_fail "sizes at R: $(mc_field "$res" sizes)"
}
