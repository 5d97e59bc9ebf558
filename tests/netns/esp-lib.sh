#!/bin/bash
# tests/netns/esp-lib.sh -- the ESP tunnel scenario of t-esp-*.sh (bash,
# sourced after lib.sh):
#
#   HA (ha-ga) --- (ga-ha) GA (ga-r) ---- (r-ga) R (r-gb) ---- (gb-r) GB (gb-hb) --- (hb-gb) HB
#   10.1.0.2/24    10.1.0.1   203.0.113.1    "internet"     198.51.100.2   10.2.0.1     10.2.0.2/24
#                  ours, ipsec0                                  ours, ipsec0
#
# GA and GB are gateways with "public" addresses on either side of R; each
# runs ours with one gem-peer (the other gateway) and a manually keyed SA
# each way; the inner subnets are routed into ipsec0.  esp_scenario ENCAP
# (esp or udp) runs every check; ESP_TOOL is tests/netns/esp-tool.py.

ESP_TOOL=$BM_DIR/esp-tool.py
# 32-byte AES-256 key then 4-byte salt (RFC 4106), one per direction.
KEY_AB=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3
KEY_BA=d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3
SPI_AB=4096
SPI_BA=8192
GA=203.0.113.1
GB=198.51.100.2

need_esp_tools() {
    python3 -c 'import cryptography' 2>/dev/null || {
        echo "FAIL: python3-cryptography not found (tools/install-deps installs it)" >&2; exit 1; }
    local t
    for t in tcpdump tshark socat ping; do
        command -v $t >/dev/null 2>&1 || { echo "FAIL: $t not found (tools/install-deps)" >&2; exit 1; }
    done
}

esp_topology() {
    need_esp_tools
    ns_new NSHA HA; ns_new NSGA GA; ns_new NSR R; ns_new NSGB GB; ns_new NSHB HB
    veth "$NSHA" ha-ga "$NSGA" ga-ha
    veth "$NSGA" ga-r "$NSR" r-ga
    veth "$NSR" r-gb "$NSGB" gb-r
    veth "$NSGB" gb-hb "$NSHB" hb-gb
    ip -n "$NSHA" addr add 10.1.0.2/24 dev ha-ga && ip -n "$NSHA" route add default via 10.1.0.1 \
        || fail "HA addressing"
    ip -n "$NSHB" addr add 10.2.0.2/24 dev hb-gb && ip -n "$NSHB" route add default via 10.2.0.1 \
        || fail "HB addressing"
    ip -n "$NSGA" addr add 10.1.0.1/24 dev ga-ha && ip -n "$NSGA" addr add $GA/24 dev ga-r &&
        ip -n "$NSGA" route add default via 203.0.113.254 || fail "GA addressing"
    ip -n "$NSGB" addr add 10.2.0.1/24 dev gb-hb && ip -n "$NSGB" addr add $GB/24 dev gb-r &&
        ip -n "$NSGB" route add default via 198.51.100.254 || fail "GB addressing"
    ip -n "$NSR" addr add 203.0.113.254/24 dev r-ga && ip -n "$NSR" addr add 198.51.100.254/24 dev r-gb \
        || fail "R addressing"
    local ns
    for ns in "$NSGA" "$NSR" "$NSGB"; do
        ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 || fail "forwarding in $ns"
    done
    # The internet knows nothing of the inner subnets.
    ip -n "$NSR" route get 10.2.0.2 2>/dev/null | grep -q unreachable ||
        ! ip -n "$NSR" route get 10.2.0.2 >/dev/null 2>&1 || fail "R must not route 10.2.0.0/24"
}

# esp_field NAME DIR FIELD: a number from NAME's esp-sa record for DIR
esp_field() {
    dump "$1" | awk -v d="$2" -v f="$3" '$2 == "esp-sa" && $6 == d { for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}
# input_field NAME FIELD: from the esp-input record
input_field() {
    dump "$1" | awk -v f="$2" '$2 == "esp-input" { for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}
field_gt() { local v; v=$("$@"); [ -n "$v" ] && [ "$v" -gt "$FIELD_MIN" ]; }
# gt_wait DESC MIN CMD...: wait until the number CMD prints exceeds MIN
gt_wait() { local desc=$1; FIELD_MIN=$2; shift 2; wait_for 5 "$desc" field_gt "$@"; }
# ge N CMD...: the number CMD prints is at least N
ge() { local n=$1 v; shift; v=$("$@"); [ -n "$v" ] && [ "$v" -ge "$n" ]; }

pcap_count() { tcpdump -n -r "$T/internet.pcap" "$1" 2>/dev/null | wc -l; }
link_up() { ip -n "$1" link show "$2" 2>/dev/null | grep -q "state UNKNOWN\|state UP\|,UP"; }

# udp_lines FILE TEXT: how many lines of FILE are exactly TEXT
udp_lines() { grep -cx "$2" "$1" 2>/dev/null || true; }
udp_send() { printf '%s\n' "$2" | ip netns exec "$NSHA" socat -u - "UDP-SENDTO:10.2.0.2:5555,sourceport=$1"; }
udp_has() { [ "$(udp_lines "$T/hb.udp" "$1")" -ge "${2:-1}" ]; }

esp_scenario() {
    local encap=$1 encap_args="" proto_filter="ip proto 50"
    if [ "$encap" = udp ]; then encap_args="encap udp"; proto_filter="udp port 4500"; fi
    esp_topology

    step "gateways: ours on GA and GB, one gem-peer each ($encap), an SA each way"
    start_babeld GA "$NSGA" "$OURS" \
        -C "gem-peer gb address $GB local $GA $encap_args" \
        -C "esp-sa peer gb dir out spi $SPI_AB key $KEY_AB" \
        -C "esp-sa peer gb dir in spi $SPI_BA key $KEY_BA" ga-ha
    start_babeld GB "$NSGB" "$OURS" \
        -C "gem-peer ga address $GA local $GB $encap_args tun ipsec0" \
        -C "esp-sa peer ga dir out spi $SPI_BA key $KEY_BA" \
        -C "esp-sa peer ga dir in spi $SPI_AB key $KEY_AB" gb-hb
    wait_for 5 "GA's ipsec0 up" link_up "$NSGA" ipsec0
    wait_for 5 "GB's ipsec0 up" link_up "$NSGB" ipsec0
    ip -n "$NSGA" route add 10.2.0.0/24 dev ipsec0 || fail "GA: route to 10.2.0.0/24 via ipsec0"
    ip -n "$NSGB" route add 10.1.0.0/24 dev ipsec0 || fail "GB: route to 10.1.0.0/24 via ipsec0"
    local port=""
    [ "$encap" = udp ] && port=" port 4500 keepalive 20"
    dump_has GA "^add gem-peer gb address $GB local $GA encap $encap tun ipsec0 mtu 1400$port no-sa 0$" ||
        soft_fail "GA's gem-peer record: $(dump GA | grep gem-peer)"
    # (The kernel may already have sent IPv6 link-local traffic into ipsec0.)
    dump_has GA "^add esp-sa peer gb dir out spi $SPI_AB packets [0-9]+ bytes [0-9]+ replay-drops 0 auth-failures 0 malformed 0 errors 0 seq [0-9]+$" ||
        soft_fail "GA's outbound esp-sa record: $(dump GA | grep esp-sa)"
    dump GA | grep -q "$KEY_AB\|$KEY_BA\|a0a1a2a3" && soft_fail "key material in GA's dump"

    step "ping and UDP from HA (10.1.0.2) to HB (10.2.0.2) through the tunnel"
    ip netns exec "$NSR" tcpdump -B 32768 -i r-ga -n -U --immediate-mode -w "$T/internet.pcap" >"$T/tcpdump.out" 2>&1 &
    local cap=$!; BM_EXTRA_PIDS+=("$cap")
    wait_for 5 "tcpdump listening on R's r-ga" grep -q "listening on" "$T/tcpdump.out"
    ip netns exec "$NSHB" socat -u UDP-RECV:5555 OPEN:"$T/hb.udp",creat,append >"$T/socat.out" 2>&1 &
    BM_EXTRA_PIDS+=("$!")
    wait_for 5 "HB's UDP listener" sh -c "ip netns exec $NSHB ss -uln | grep -q ':5555'"
    ip netns exec "$NSHA" ping -c 5 -i 0.2 -W 2 10.2.0.2 >"$T/ping.out" 2>&1 ||
        fail "ping HA -> HB through the tunnel: $(tail -n 3 "$T/ping.out")"
    note "$(grep 'packets transmitted' "$T/ping.out")"
    local i
    for i in 1 2 3; do udp_send 4000 "ESP-MARK-$i"; done
    wait_for 5 "HB receives the three UDP datagrams" udp_has ESP-MARK-3
    udp_has ESP-MARK-1 && udp_has ESP-MARK-2 || soft_fail "HB lacks ESP-MARK-1 or 2: $(cat "$T/hb.udp")"
    # Through ipsec0 both ways: HA's ping replies came back through GB's tunnel.
    wait_for 5 "GA counts 8 packets out" ge 8 esp_field GA out packets
    wait_for 5 "GB counts 8 packets in" ge 8 esp_field GB in packets
    ge 5 esp_field GA in packets || soft_fail "GA received $(esp_field GA in packets) packets, expected the 5 ping replies"
    [ "$(esp_field GB in auth-failures)" = 0 ] || soft_fail "GB auth-failures before any forgery"
    # (tcpdump flushes each packet: wait until the file has all of them.)
    wait_for 5 "R's capture holds the 13 tunnelled packets" ge 13 pcap_count "$proto_filter"
    kill -INT "$cap"; wait "$cap" 2>/dev/null
    pass "ping 5/5 and 3 UDP datagrams HA -> HB through the ESP tunnel"

    step "the internet saw only ESP ($proto_filter), no plaintext"
    local total esp other plain
    total=$(tcpdump -n -r "$T/internet.pcap" ip 2>/dev/null | wc -l)
    esp=$(tcpdump -n -r "$T/internet.pcap" "$proto_filter" 2>/dev/null | wc -l)
    other=$(tcpdump -n -r "$T/internet.pcap" "ip and not ($proto_filter)" 2>/dev/null | wc -l)
    plain=$(tcpdump -n -r "$T/internet.pcap" "host 10.1.0.2 or host 10.2.0.2 or icmp" 2>/dev/null | wc -l)
    note "R's link: $total IPv4 packets, $esp ESP, $other other, $plain to or from the inner hosts"
    [ "$esp" -ge 13 ] || soft_fail "only $esp ESP packets on R's link, expected 13 (5+5 ping, 3 UDP)"
    [ "$other" = 0 ] || soft_fail "$other non-ESP IPv4 packets on R's link"
    [ "$plain" = 0 ] || soft_fail "$plain plaintext packets on R's link"
    grep -q "ESP-MARK" "$T/internet.pcap" && soft_fail "the UDP payload is readable on R's link"
    pass "$esp ESP packets, nothing else, no plaintext"

    step "tshark, given the SA keys, decodes the inner packets"
    local uat="-o esp.enable_encryption_decode:TRUE"
    local sa
    uat_file="$T/esp_sa"
    : >"$uat_file"
    for sa in "$GA,$GB,$SPI_AB,$KEY_AB" "$GB,$GA,$SPI_BA,$KEY_BA"; do
        IFS=, read -r s d spi key <<<"$sa"
        # Wireshark 4.0's esp_sa table: protocol, source, destination, SPI,
        # encryption, key (with the salt, as RFC 4106), authentication, key.
        printf '"IPv4","%s","%s","0x%08x","AES-GCM with 16 octet ICV [RFC4106]","0x%s","NULL",""\n' \
            "$s" "$d" "$spi" "$key" >>"$uat_file"
    done
    esp_tshark() {
        tshark -n -r "$T/internet.pcap" -o esp.enable_encryption_decode:TRUE \
            -o "uat:esp_sa:$(head -n 1 "$uat_file")" -o "uat:esp_sa:$(tail -n 1 "$uat_file")" "$@" 2>"$T/tshark.err"
    }
    local req rep marks
    req=$(esp_tshark -Y "icmp.type == 8 && ip.src == 10.1.0.2 && ip.dst == 10.2.0.2" | wc -l)
    rep=$(esp_tshark -Y "icmp.type == 0 && ip.src == 10.2.0.2 && ip.dst == 10.1.0.2" | wc -l)
    marks=$(esp_tshark -Y 'udp.dstport == 5555 && data.data contains "ESP-MARK"' | wc -l)
    note "tshark decodes $req echo requests, $rep echo replies, $marks UDP datagrams to 10.2.0.2:5555"
    if [ "$req" != 5 ] || [ "$rep" != 5 ] || [ "$marks" != 3 ]; then
        { cat "$T/tshark.err"; esp_tshark -V -c 2; } | sed 's/^/     | /' | head -n 80
        soft_fail "tshark did not decode 5 requests, 5 replies and 3 datagrams"
    fi
    pass "tshark decrypts our ESP with the configured SAs"

    step "python3-cryptography verifies every ICV with the 64-bit sequence number in the AAD"
    local v
    v=$(python3 "$ESP_TOOL" verify "$T/internet.pcap" --sa "$SPI_AB:$KEY_AB" --sa "$SPI_BA:$KEY_BA" --find ESP-MARK) ||
        soft_fail "esp-tool verify: $v"
    note "$v"
    pass "every packet authenticates, sequence numbers never repeat"

    step "forgeries injected from the internet are counted by reason, nothing delivered"
    local inj="python3 $ESP_TOOL inject $T/internet.pcap --sa $SPI_AB:$KEY_AB --dst $GB"
    local r0 a0 m0 u0
    r0=$(esp_field GB in replay-drops); a0=$(esp_field GB in auth-failures)
    m0=$(esp_field GB in malformed); u0=$(input_field GB unknown-spi)
    note "$(ip netns exec "$NSR" $inj --find ESP-MARK-1 --how replay)"
    gt_wait "GB counts the replay" "$r0" esp_field GB in replay-drops
    note "$(ip netns exec "$NSR" $inj --find ESP-MARK-2 --how tamper)"
    gt_wait "GB counts the tampered packet" "$a0" esp_field GB in auth-failures
    a0=$(esp_field GB in auth-failures)
    note "$(ip netns exec "$NSR" $inj --find ESP-MARK-2 --how forge)"
    gt_wait "GB counts the packet sealed with another key" "$a0" esp_field GB in auth-failures
    note "$(ip netns exec "$NSR" $inj --find ESP-MARK-3 --how truncate)"
    gt_wait "GB counts the truncated packet" "$m0" esp_field GB in malformed
    note "$(ip netns exec "$NSR" $inj --find ESP-MARK-3 --how unknown-spi)"
    gt_wait "GB counts the unknown SPI" "$u0" input_field GB unknown-spi
    if [ "$encap" = udp ]; then
        local n0 k0
        n0=$(input_field GB non-esp); k0=$(input_field GB keepalives)
        note "$(ip netns exec "$NSR" $inj --find ESP-MARK-3 --how ike)"
        gt_wait "GB counts the non-ESP marker (IKE)" "$n0" input_field GB non-esp
        printf '\377' | ip netns exec "$NSR" socat -u - UDP-SENDTO:$GB:4500,sourceport=4500
        gt_wait "GB counts the NAT keepalive" "$k0" input_field GB keepalives
    fi
    # A fresh datagram behind the forgeries: once it is there, anything the
    # forgeries had delivered would be there too.
    udp_send 4001 "ESP-MARK-4"
    wait_for 5 "HB receives ESP-MARK-4 after the forgeries" udp_has ESP-MARK-4
    for i in 1 2 3; do
        [ "$(udp_lines "$T/hb.udp" "ESP-MARK-$i")" = 1 ] ||
            soft_fail "HB has ESP-MARK-$i $(udp_lines "$T/hb.udp" "ESP-MARK-$i") times, expected once"
    done
    note "$(dump GB | grep -E '^add (esp-sa|esp-input)')"
    pass "replayed, tampered, forged, truncated, unknown-SPI$([ "$encap" = udp ] && echo ", IKE-marked") packets dropped and counted"

    step "a narrower path: R's link to GB at MTU 1000 fragments the outer packets, GB reassembles"
    ip -n "$NSR" link set r-gb mtu 1000 && ip -n "$NSGB" link set gb-r mtu 1000 || fail "MTU 1000 on R-GB"
    ip netns exec "$NSHA" ping -c 3 -i 0.2 -W 2 -M do -s 1300 10.2.0.2 >"$T/ping-big.out" 2>&1 ||
        soft_fail "1328-byte pings (DF set inside) HA -> HB over a 1000-byte hop: $(tail -n 2 "$T/ping-big.out")"
    ip -n "$NSR" link set r-gb mtu 1500 && ip -n "$NSGB" link set gb-r mtu 1500 || fail "MTU back to 1500"
    pass "1328-byte inner packets cross a 1000-byte hop"

    step "refused run-time lines change nothing"
    local out
    out=$(lc GB "esp-sa peer ga dir in spi 9999 key 00112233" 2>&1)
    echo "$out" | grep -q "^no esp-sa: key must be 72 hex digits" || soft_fail "short key not refused: $out"
    out=$(lc GB "esp-sa peer ga dir in spi 9999 key $(printf 'zz%.0s' $(seq 36))" 2>&1)
    echo "$out" | grep -q "^no esp-sa: key must be 72 hex digits" || soft_fail "non-hex key not refused: $out"
    out=$(lc GB "esp-sa peer nobody dir in spi 9999 key $KEY_AB" 2>&1)
    echo "$out" | grep -q "^no esp-sa: no gem-peer named 'nobody'" || soft_fail "unknown peer not refused: $out"
    out=$(lc GB "esp-sa peer ga dir in spi 12 key $KEY_AB" 2>&1)
    echo "$out" | grep -q "^no esp-sa: spi '12'" || soft_fail "reserved SPI not refused: $out"
    dump_has GB "^add esp-sa peer ga dir in spi $SPI_AB " || soft_fail "GB's inbound SA changed"
    udp_send 4002 "ESP-MARK-5"
    wait_for 5 "the tunnel still works after the refused lines" udp_has ESP-MARK-5
    pass "bad keys, unknown peers and reserved SPIs refused with a reason"
    [ "$encap" = esp ] && esp_config_checks
}

# A bad key in a file stops the daemon before it creates anything; a peer
# added at run time gets its device at once, and loses it with flush.
esp_config_checks() {
    step "a configuration file with a bad key: refused with file, line and reason, no device"
    printf '%s\n' "gem-peer gb address $GB local $GA tun esp9" \
        "esp-sa peer gb dir out spi 4096 key ${KEY_AB}ff" >"$T/bad.conf"
    local out rc
    out=$(ip netns exec "$NSGA" timeout 5 "$OURS" -c "$T/bad.conf" -I "$T/bad.pid" -S "$T/bad.state" \
        -G 33999 ga-ha 2>&1); rc=$?
    note "exit $rc: $out"
    [ $rc != 0 ] && [ $rc != 124 ] || soft_fail "the daemon did not refuse bad.conf (exit $rc)"
    echo "$out" | grep -q "bad.conf:2: esp-sa: key must be 72 hex digits" ||
        soft_fail "no 'bad.conf:2: esp-sa: key must be 72 hex digits' in: $out"
    ip -n "$NSGA" link show esp9 >/dev/null 2>&1 && soft_fail "esp9 was created"
    pass "refused, nothing created"

    step "a gem-peer added at run time gets ipsec1 at once; flush removes it; monitors hear of both"
    mon_start ma GA
    mon_send ma monitor
    wait_for 5 "GA's monitor has the initial dump" grep -q "^add esp-input " "$T/ma.mon"
    out=$(lc GA "gem-peer gc address 192.0.2.9 local $GA" 2>&1)
    out=$(lc GA "esp-sa peer gc dir out spi 5000 key $KEY_AB" 2>&1)
    wait_for 5 "GA's ipsec1 up" link_up "$NSGA" ipsec1
    dump_has GA "^add gem-peer gc address 192.0.2.9 local $GA encap esp tun ipsec1 mtu 1400 no-sa [0-9]+$" ||
        soft_fail "GA's gem-peer gc record: $(dump GA | grep 'gem-peer gc')"
    out=$(lc GA "gem-peer gd address 192.0.2.10 local $GA tun ipsec1" 2>&1)
    echo "$out" | grep -q "^no gem-peer gd: tun ipsec1 is gem-peer gc's" || soft_fail "tun clash not refused: $out"
    out=$(lc GA "flush gem-peer gc" 2>&1)
    wait_for 5 "ipsec1 gone after flush" sh -c "! ip -n $NSGA link show ipsec1 >/dev/null 2>&1"
    dump_lacks GA "^add gem-peer gc " || soft_fail "gc still in GA's dump"
    wait_for 5 "GA's monitor: flush gem-peer gc" grep -q "^flush gem-peer gc " "$T/ma.mon"
    local l
    for l in "^add gem-peer gc address 192.0.2.9 local $GA encap esp tun ipsec1 mtu 1400 no-sa 0$" \
        "^add esp-sa peer gc dir out spi 5000 packets 0 " "^flush esp-sa peer gc dir out spi 5000 " \
        "^flush gem-peer gc address 192.0.2.9 "; do
        grep -Eq "$l" "$T/ma.mon" || soft_fail "GA's monitor lacks $l"
    done
    grep -E "^(add|change|flush) (gem-peer|esp-sa) .*gc" "$T/ma.mon" | sed 's/^/    monitor: /'
    mon_stop ma
    udp_send 4003 "ESP-MARK-6"
    wait_for 5 "the tunnel to GB still works" udp_has ESP-MARK-6
    pass "run-time peer: device created and removed, the other tunnel untouched"

    step "a new MTU at run time is set on the same device: its routes stay"
    out=$(lc GA "gem-peer gb address $GB local $GA mtu 1300" 2>&1)
    echo "$out" | grep -q "^ok" || soft_fail "mtu change refused: $out"
    ip -n "$NSGA" link show ipsec0 | grep -q "mtu 1300 " || soft_fail "ipsec0: $(ip -n "$NSGA" link show ipsec0)"
    ip -n "$NSGA" route show 10.2.0.0/24 | grep -q "dev ipsec0" || soft_fail "GA lost its route into ipsec0"
    dump_has GA "^add gem-peer gb .* tun ipsec0 mtu 1300 " || soft_fail "GA's record: $(dump GA | grep 'gem-peer gb')"
    udp_send 4004 "ESP-MARK-7"
    wait_for 5 "the tunnel still works after the MTU change" udp_has ESP-MARK-7
    pass "MTU 1300 on ipsec0, route and SAs kept"
}

# Babel over the tunnel: ipsec0 as a `tunnel` interface on both gateways,
# each redistributing its inner subnet; the routes to the far subnet are
# Babel's, through ipsec0, and the Hellos and updates travel as ESP.
esp_babel_scenario() {
    esp_topology
    step "ours on GA and GB with ipsec0 as a Babel tunnel interface, no static routes"
    start_babeld GA "$NSGA" "$OURS" -C "gem-peer gb address $GB local $GA" \
        -C "esp-sa peer gb dir out spi $SPI_AB key $KEY_AB" -C "esp-sa peer gb dir in spi $SPI_BA key $KEY_BA" \
        -C "interface ipsec0 type tunnel" -C "redistribute ip 10.1.0.0/24 allow" \
        -C "redistribute local deny" ga-ha
    start_babeld GB "$NSGB" "$OURS" -C "gem-peer ga address $GA local $GB" \
        -C "esp-sa peer ga dir out spi $SPI_BA key $KEY_BA" -C "esp-sa peer ga dir in spi $SPI_AB key $KEY_AB" \
        -C "interface ipsec0 type tunnel" -C "redistribute ip 10.2.0.0/24 allow" \
        -C "redistribute local deny" gb-hb
    ip netns exec "$NSR" tcpdump -B 32768 -i r-ga -n -U --immediate-mode -w "$T/internet.pcap" >"$T/tcpdump.out" 2>&1 &
    local cap=$!; BM_EXTRA_PIDS+=("$cap")
    wait_for 5 "tcpdump listening on R's r-ga" grep -q "listening on" "$T/tcpdump.out"
    waited_for 20 "GA's Babel route to 10.2.0.0/24 through ipsec0" route_via_ipsec0 "$NSGA" 10.2.0.0/24
    waited_for 20 "GB's Babel route to 10.1.0.0/24 through ipsec0" route_via_ipsec0 "$NSGB" 10.1.0.0/24
    dump_has GA "^add neighbour [^ ]+ address fe80:[^ ]+ if ipsec0 " ||
        soft_fail "GA has no Babel neighbour on ipsec0: $(dump GA | grep neighbour)"
    ip netns exec "$NSHA" ping -c 3 -i 0.2 -W 2 10.2.0.2 >"$T/ping.out" 2>&1 ||
        fail "ping HA -> HB over Babel's routes: $(tail -n 3 "$T/ping.out")"
    pass "Babel learns each side's subnet through the tunnel; ping HA -> HB 3/3"

    step "R saw only ESP: Babel's own packets are inside the tunnel too"
    wait_for 5 "R's capture holds at least 10 ESP packets" ge 10 pcap_count "ip proto 50"
    kill -INT "$cap"; wait "$cap" 2>/dev/null
    local other babel
    other=$(tcpdump -n -r "$T/internet.pcap" "ip and not ip proto 50" 2>/dev/null | wc -l)
    babel=$(tcpdump -n -r "$T/internet.pcap" "udp port 6696" 2>/dev/null | wc -l)
    note "R's link: $(pcap_count "ip proto 50") ESP, $other other IPv4, $babel Babel (UDP 6696) in the clear"
    [ "$other" = 0 ] || soft_fail "$other non-ESP IPv4 packets on R's link"
    [ "$babel" = 0 ] || soft_fail "$babel Babel packets in the clear on R's link"
    python3 "$ESP_TOOL" verify "$T/internet.pcap" --sa "$SPI_AB:$KEY_AB" --sa "$SPI_BA:$KEY_BA" >"$T/verify.out" ||
        soft_fail "esp-tool verify: $(cat "$T/verify.out")"
    note "$(head -n 1 "$T/verify.out")"
    pass "only ESP on the internet, every packet authenticates"
}
route_via_ipsec0() { ip -n "$1" -4 route show "$2" proto babel | grep -q "dev ipsec0"; }

# ESP in UDP through a NAT: R translates GA's packets to its own address
# and port 14500 on the way to GB.  GB knows GA only as the NAT's address;
# it answers to the port GA's authenticated packets come from.
esp_nat_scenario() {
    local NAT=198.51.100.254 NATPORT=14500
    esp_topology
    command -v nft >/dev/null || fail "nft not found (tools/install-deps)"
    ip netns exec "$NSR" nft -f - <<NFT || fail "R: NAT rules"
table ip nat {
    chain post {
        type nat hook postrouting priority 100;
        oifname "r-gb" ip saddr 203.0.113.0/24 udp sport 4500 snat to $NAT:$NATPORT
    }
}
NFT
    step "GA behind R's NAT (to $NAT:$NATPORT), encap udp, keepalive 1 s; GB knows GA as $NAT"
    # GB first, with a monitor, so that it hears of GA's port when it moves.
    start_babeld GB "$NSGB" "$OURS" -C "gem-peer ga address $NAT local $GB encap udp keepalive 0" \
        -C "esp-sa peer ga dir out spi $SPI_BA key $KEY_BA" -C "esp-sa peer ga dir in spi $SPI_AB key $KEY_AB" gb-hb
    mon_start mb GB
    mon_send mb monitor
    wait_for 5 "GB's monitor has the initial dump" grep -q "^add esp-input " "$T/mb.mon"
    grep -q "^add gem-peer ga .* port 4500 " "$T/mb.mon" || soft_fail "GB's port before GA spoke: $(grep gem-peer "$T/mb.mon")"
    start_babeld GA "$NSGA" "$OURS" -C "gem-peer gb address $GB local $GA encap udp keepalive 1" \
        -C "esp-sa peer gb dir out spi $SPI_AB key $KEY_AB" -C "esp-sa peer gb dir in spi $SPI_BA key $KEY_BA" ga-ha
    wait_for 5 "GA's ipsec0 up" link_up "$NSGA" ipsec0
    wait_for 5 "GB's ipsec0 up" link_up "$NSGB" ipsec0
    ip -n "$NSGA" route add 10.2.0.0/24 dev ipsec0 && ip -n "$NSGB" route add 10.1.0.0/24 dev ipsec0 ||
        fail "routes into ipsec0"
    ip netns exec "$NSR" tcpdump -B 32768 -i r-gb -n -U --immediate-mode -w "$T/wan.pcap" >"$T/tcpdump.out" 2>&1 &
    local cap=$!; BM_EXTRA_PIDS+=("$cap")
    wait_for 5 "tcpdump listening on R's r-gb" grep -q "listening on" "$T/tcpdump.out"

    step "HA pings HB: GB learns the NAT's port from GA's first authenticated packet"
    # (-p: the payload repeats "NATTEST1", for esp-tool.py to find the packet)
    ip netns exec "$NSHA" ping -c 3 -i 0.2 -W 2 -p 4e41545445535431 10.2.0.2 >"$T/ping.out" 2>&1 ||
        fail "ping HA -> HB through the NAT: $(tail -n 2 "$T/ping.out")"
    dump_has GB "^add gem-peer ga address $NAT local $GB encap udp tun ipsec0 mtu 1400 port $NATPORT keepalive 0 " ||
        soft_fail "GB's gem-peer record: $(dump GB | grep gem-peer)"
    ip netns exec "$NSHB" ping -c 3 -i 0.2 -W 2 10.1.0.2 >"$T/ping2.out" 2>&1 ||
        soft_fail "ping HB -> HA through the NAT: $(tail -n 2 "$T/ping2.out")"
    wait_for 5 "GB's monitor: change gem-peer ga ... port $NATPORT" \
        grep -q "^change gem-peer ga .* port $NATPORT " "$T/mb.mon"
    mon_stop mb
    pass "ping both ways through the NAT; GB sends to $NAT:$NATPORT"

    step "idle: GA's keepalives (one octet 0xff) reach GB through the NAT"
    local k0
    k0=$(input_field GB keepalives)
    FIELD_MIN=$k0; wait_for 5 "GB counts a keepalive from GA" field_gt input_field GB keepalives
    pass "keepalives counted: $k0 -> $(input_field GB keepalives)"

    step "a replay from another port does not move GB's port"
    wait_for 5 "R's capture holds the tunnelled pings" ge 6 pcap_count_f "$T/wan.pcap" "udp port 4500"
    kill -INT "$cap"; wait "$cap" 2>/dev/null
    # (GB may send to $NAT:4500 before it has heard from GA, which R answers
    # with ICMP port unreachable: R's own, and allowed.)
    local flt="ip and not (src host $NAT and icmp) and not (src host $NAT and udp src port $NATPORT) and not (src host $GB and udp src port 4500)"
    local other
    other=$(tcpdump -n -r "$T/wan.pcap" "$flt" 2>/dev/null | wc -l)
    [ "$other" = 0 ] || soft_fail "$other IPv4 packets on R's r-gb other than ESP in UDP: $(tcpdump -n -r "$T/wan.pcap" "$flt" 2>/dev/null)"
    [ "$(pcap_count_f "$T/wan.pcap" "host 10.1.0.2 or host 10.2.0.2")" = 0 ] || soft_fail "plaintext on R's r-gb"
    python3 "$ESP_TOOL" verify "$T/wan.pcap" --sa "$SPI_AB:$KEY_AB" --sa "$SPI_BA:$KEY_BA" >"$T/verify.out" ||
        soft_fail "esp-tool verify: $(cat "$T/verify.out")"
    note "$(head -n 1 "$T/verify.out")"
    local r0
    r0=$(esp_field GB in replay-drops)
    note "$(ip netns exec "$NSR" python3 "$ESP_TOOL" inject "$T/wan.pcap" --sa "$SPI_AB:$KEY_AB" \
        --find NATTEST1 --dst $GB --how replay --sport 9999)"
    gt_wait "GB counts the replay" "$r0" esp_field GB in replay-drops
    dump_has GB "^add gem-peer ga .* port $NATPORT " || soft_fail "GB's port moved: $(dump GB | grep gem-peer)"
    ip netns exec "$NSHB" ping -c 2 -i 0.2 -W 2 10.1.0.2 >/dev/null 2>&1 || soft_fail "HB -> HA after the replay"
    pass "replay dropped, port kept, the tunnel still works both ways"
}
pcap_count_f() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }
