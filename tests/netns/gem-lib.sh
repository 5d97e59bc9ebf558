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

# gem_ns_studios [stock]: with "stock", Studio B's LAN has a router T between
# B and R: Debian's babeld (skip-kernel-setup, so rp_filter 1 stays) and
# smcrouted forwarding G from t-b to t-r; it learns the stream's source over
# Babel from B, and its reverse-path filter passes the stream only then.
gem_ns_studios() {
    need_gem_tools
    ns_new NSS S; ns_new NSA A; ns_new NSL L; ns_new NSB B; ns_new NSR R
    veth "$NSS" s-a "$NSA" a-s
    veth "$NSA" a-l "$NSL" l-a
    ip -n "$NSS" addr add 10.1.1.50/24 dev s-a || fail "address on S"
    ip -n "$NSS" route add 224.0.0.0/4 dev s-a || fail "multicast route on S"
    ip -n "$NSA" addr add 10.0.1.1/24 dev a-l || fail "address on A"
    ip -n "$NSL" addr add 10.0.1.2/24 dev l-a || fail "address on L"
    if [ "${1:-}" = stock ]; then
        need_stock
        ns_new NST T
        veth "$NSB" b-r "$NST" t-b
        veth "$NST" t-r "$NSR" r-b
        ip -n "$NSB" addr add 10.0.2.1/24 dev b-r || fail "address on B"
        ip -n "$NST" addr add 10.0.2.254/24 dev t-b || fail "address on T"
        ip -n "$NST" addr add 10.0.3.1/24 dev t-r || fail "address on T"
        ip -n "$NSR" addr add 10.0.3.2/24 dev r-b || fail "address on R"
        ip -n "$NSR" route add default via 10.0.3.1 || fail "default route on R"
        sysctl_ns "$NST" net.ipv4.ip_forward 1
        sysctl_ns "$NST" net.ipv4.conf.all.rp_filter 1
        sysctl_ns "$NST" net.ipv4.conf.t-b.rp_filter 1
        sysctl_ns "$NST" net.ipv4.conf.t-r.rp_filter 1
        printf 'mroute from t-b group %s to t-r\n' "$GROUP" >"$T/t.smc.conf"
        mc_smcroute t "$NST" "$T/t.smc.conf"
        start_babeld T "$NST" "$STOCK" -C 'skip-kernel-setup true' t-b
    else
        veth "$NSB" b-r "$NSR" r-b
        ip -n "$NSB" addr add 10.0.2.1/24 dev b-r || fail "address on B"
        ip -n "$NSR" addr add 10.0.2.2/24 dev r-b || fail "address on R"
        ip -n "$NSR" route add default via 10.0.2.1 || fail "default route on R"
    fi
    sysctl_ns "$NSA" net.ipv4.conf.a-s.rp_filter 0
    sysctl_ns "$NSA" net.ipv4.conf.all.rp_filter 0
    # R is strict: the stream's source must be routed back the way it came.
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

gem_send_big() {   # COUNT START: 4000-byte datagrams, fragmented by S
    mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-a --count "$1" --start "$2" \
        --rate 200 --size 4000
}

# The checks every scenario makes at R.
gem_check_stream() {   # NAME COUNT [SIZE]
    local res; res=$(mc_recv_wait "$1")
    note "R: $res"
    [ "$(mc_field "$res" unique)" = "$2" ] || soft_fail "R got $(mc_field "$res" unique) of $2 datagrams"
    [ "$(mc_field "$res" bad-content)" = 0 ] || soft_fail "datagrams changed on the way"
    [ "$(mc_field "$res" bad-source)" = 0 ] || soft_fail "datagrams from a source other than $VIP"
    [ "$(mc_field "$res" sizes)" = "${3:-1316}" ] || soft_fail "sizes at R: $(mc_field "$res" sizes)"
}

# ---------------------------------------------------------------------------
# Through the ESP tunnel: A (a-i 203.0.113.1) -- I, an internet router --
# (b-i 198.51.100.2) B.  gem_esp_scenario ENCAP (esp or udp).
GEM_ESP_KEY_AB=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3
GEM_ESP_KEY_BA=d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3
GEM_SPI_AB=4096
GEM_SPI_BA=8192
GEM_A=203.0.113.1
GEM_B=198.51.100.2

gem_pcap_count() { tcpdump -n -r "$T/internet.pcap" "$1" 2>/dev/null | wc -l; }
gem_ge() { local n=$1 v; shift; v=$("$@"); [ -n "$v" ] && [ "$v" -ge "$n" ]; }

# gem_ns_internet: the Internet between the studios (after gem_ns_studios): a
# router I, with A at $GEM_A and B at $GEM_B on two subnets of its own.
gem_ns_internet() {
    ns_new NSI I
    veth "$NSA" a-i "$NSI" i-a
    veth "$NSI" i-b "$NSB" b-i
    ip -n "$NSA" addr add $GEM_A/24 dev a-i && ip -n "$NSA" route add default via 203.0.113.254 \
        || fail "A addressing"
    ip -n "$NSB" addr add $GEM_B/24 dev b-i && ip -n "$NSB" route add default via 198.51.100.254 \
        || fail "B addressing"
    ip -n "$NSI" addr add 203.0.113.254/24 dev i-a && ip -n "$NSI" addr add 198.51.100.254/24 dev i-b \
        || fail "I addressing"
    sysctl_ns "$NSI" net.ipv4.ip_forward 1
}

gem_esp_scenario() {   # ENCAP [stock]
    local encap=$1 stock=${2:-} encap_args="" only="ip proto 50"
    if [ "$encap" = udp ]; then encap_args="encap udp"; only="udp port 4500"; fi
    gem_ns_studios $stock
    gem_ns_internet
    # R's strict RPF passes only when the VIP is routed back through B (the
    # overlay): B routes it into the tunnel.
    start_babeld A "$NSA" "$OURS" \
        -C "mcast-rule cam1 in a-s group $GROUP port 5000 source 10.1.1.50 resource $VIP out a-l" \
        -C "gem-peer b address $GEM_B local $GEM_A $encap_args" \
        -C "esp-sa peer b dir out spi $GEM_SPI_AB key $GEM_ESP_KEY_AB" \
        -C "esp-sa peer b dir in spi $GEM_SPI_BA key $GEM_ESP_KEY_BA" \
        -C "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK" \
        -C "gem-send $GROUP in a-l port 5000 to b" a-l
    start_babeld B "$NSB" "$OURS" \
        -C "gem-peer a address $GEM_A local $GEM_B $encap_args tun ipsec0" \
        -C "esp-sa peer a dir out spi $GEM_SPI_BA key $GEM_ESP_KEY_BA" \
        -C "esp-sa peer a dir in spi $GEM_SPI_AB key $GEM_ESP_KEY_AB" \
        -C "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK" \
        -C "gem-receive $GROUP out b-r" -C "redistribute ip $VIP/32 allow" b-r
    wait_for 5 "A's gem-send active" dump_has A "^add gem-send $GROUP in a-l port 5000 source any to b from 10.0.1.1 ttl 64 state active "
    wait_for 5 "B's gem-receive active" dump_has B "^add gem-receive $GROUP out b-r ttl 64 state active "
    wait_for 5 "B's ipsec0" ip -n "$NSB" link show ipsec0
    ip -n "$NSB" route add $VIP/32 dev ipsec0 proto static || fail "B: the VIP routed over the overlay"
    local rpf0=0
    if [ -n "$stock" ]; then
        waited_for 30 "T (stock babeld) learns $VIP from B over Babel" has_babel_route "$NST" "$VIP"
        note "T: $(ip -n "$NST" route get "$VIP" | head -n 1)"
        rpf0=$(mc_rpf_drops "$NST")
    fi

    step "1000 datagrams through the ESP tunnel ($encap); the internet router sees only $only"
    ip netns exec "$NSI" tcpdump -B 32768 -i i-b -n -U --immediate-mode -w "$T/internet.pcap" >"$T/tcpdump.out" 2>&1 &
    local cap=$!; BM_EXTRA_PIDS+=("$cap")
    wait_for 5 "tcpdump listening on I's i-b" grep -q "listening on" "$T/tcpdump.out"
    gem_recv r1 1000
    gem_send_stream 1000 0
    gem_check_stream r1 1000
    wait_for 5 "gem-send counts 1000 sent through ESP" dump_has A "^add gem-send $GROUP .* packets 1000 bytes 1316000 no-key 0 .* esp-sent 1000 esp-errors 0 "
    wait_for 5 "gem-receive counts 1000" dump_has B "^add gem-receive $GROUP .* packets 1000 bytes 1316000 drops 0$"
    if [ -n "$stock" ]; then
        [ "$(mc_rpf_drops "$NST")" = "$rpf0" ] || soft_fail "T's reverse-path filter dropped $(( $(mc_rpf_drops "$NST") - rpf0 )) packets"
        pass "T, Debian's babeld with smcrouted and rp_filter 1, forwarded the stream from $VIP, routed over the overlay"
    fi
    dump A | grep -E "gem-|esp-" | sed 's/^/    /'
    dump B | grep -E "gem-|esp-" | sed 's/^/    /'
    wait_for 5 "I's capture holds 1000 tunnelled packets" gem_ge 1000 gem_pcap_count "$only"
    kill -INT "$cap"; wait "$cap" 2>/dev/null
    local esp other plain magic
    esp=$(gem_pcap_count "$only")
    other=$(gem_pcap_count "ip and not ($only)")
    plain=$(gem_pcap_count "dst host $GROUP or udp port 5000 or udp port 6698")
    magic=$(tcpdump -n -r "$T/internet.pcap" -X 2>/dev/null | grep -c "MCRT" || true)
    note "I's link: $esp $only, $other other IPv4, $plain to the group or its ports, $magic with the stream's magic"
    [ "$other" = 0 ] || soft_fail "$other packets other than $only on the internet link"
    [ "$plain" = 0 ] || soft_fail "$plain plaintext UDP packets for the group on the internet link"
    [ "$magic" = 0 ] || soft_fail "the stream's plaintext is visible on the internet link"
    # tshark, given the SA (Wireshark 4.0's esp_sa table: protocol, source,
    # destination, SPI, encryption, key with the salt, authentication, key),
    # decodes every ESP packet to the IPv4/UDP datagram carrying a GEM packet,
    # its checksums checked by tshark's dissectors.
    local uat inner
    uat=$(printf '"IPv4","%s","%s","0x%08x","AES-GCM with 16 octet ICV [RFC4106]","0x%s","NULL",""' \
        "$GEM_A" "$GEM_B" "$GEM_SPI_AB" "$GEM_ESP_KEY_AB")
    inner=$(tshark -n -r "$T/internet.pcap" -o esp.enable_encryption_decode:TRUE -o "uat:esp_sa:$uat" \
        -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -d udp.port==6698,data \
        -Y "esp && ip.src == 10.0.1.1 && ip.dst == $GROUP && ip.checksum.status == \"Good\" && udp.srcport == 6698 && udp.dstport == 6698 && udp.checksum.status == \"Good\" && udp.length == $((8 + 1316 + 64)) && data.data[0] == 02" \
        2>"$T/tshark.err" | wc -l)
    note "tshark decrypts $inner ESP packets to well-formed IPv4/UDP datagrams 10.0.1.1 -> $GROUP:6698 holding a version-2 GEM packet"
    [ "$inner" = 1000 ] || soft_fail "tshark decodes $inner of 1000 inner GEM datagrams ($(head -c 300 "$T/tshark.err"))"
    pass "1000 of 1000 byte-identical from $VIP through ESP ($encap); only $only on the wire"

    step "4000-byte datagrams through ESP: reassembled, sealed whole, fragmented again on the way out"
    gem_recv big 50
    gem_send_big 50 20000
    gem_check_stream big 50 4000
    wait_for 5 "gem-send counts 50 reassembled" dump_has A "^add gem-send $GROUP .* reassembled 50 "
    pass "50 of 50 4000-byte datagrams whole at R"

    step "GEM holds even against the ESP keys: replayed, tampered, wrong-GAK and stale-key GEM packets inside valid ESP"
    local r0 b0 s0 p0 out
    r0=$(gem_input_field B replayed); b0=$(gem_input_field B bad-mac); s0=$(gem_input_field B stale-key)
    out=$(ip netns exec "$NSI" python3 "$GEM_TOOL" esp-inject "$T/internet.pcap" --spi $GEM_SPI_AB \
        --esp-key $GEM_ESP_KEY_AB --dst $GEM_B --encap "$encap" --sek $GEM_SEK --gak $GEM_GAK) \
        || fail "esp-inject: $out"
    note "$out"
    wait_for 5 "B counts the stale key" gem_input_is B stale-key $((s0 + 1))
    wait_for 5 "B counts the replay" gem_input_is B replayed $((r0 + 1))
    wait_for 5 "B counts the tampered and wrong-GAK packets" gem_input_is B bad-mac $((b0 + 2))
    dump_has B "^add gem-receive $GROUP .* packets 1050 bytes 1516000 drops 0$" \
        || soft_fail "B re-emitted an injected packet: $(dump B | grep gem-receive)"
    note "$(dump B | grep '^add gem-input')"
    pass "every injected GEM packet dropped by reason, none re-emitted"

    step "SIGTERM"
    stop_daemon A TERM 10; stop_daemon B TERM 10
    [ "${BM_RC[A]}" = 0 ] && [ "${BM_RC[B]}" = 0 ] || soft_fail "exit status A ${BM_RC[A]} B ${BM_RC[B]}"
}
