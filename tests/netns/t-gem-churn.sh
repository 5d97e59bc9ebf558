#!/bin/bash
# GEM through ESP while the control plane changes things under the data
# plane's feet (gem/gem_dp.h: the worker owns keys, SAs and counters; the
# control plane changes them held): 6000 datagrams flow S -> A -> I -> B -> R
# while A rolls its GEM key over and back again and again (key-id 2 current,
# key-id 1 flushed; key-id 1 current, key-id 2 flushed), gem-send, gem-peer
# and esp-sa lines are given again on A, gem-receive, gem-peer and esp-sa on
# B, and both are dumped.  Every datagram reaches R byte for byte, both keys
# carry some of them, and nothing is counted as forged, replayed, stale or
# lost on the way.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
. "$BM_DIR/gem-lib.sh"
need_root; need_ours
N=6000
gem_ns_studios
gem_ns_internet
A_PEER="gem-peer b address $GEM_B local $GEM_A"
A_SA="esp-sa peer b dir out spi $GEM_SPI_AB key $GEM_ESP_KEY_AB"
A_SEND="gem-send $GROUP in a-l port 5000 to b"
KEY1="gem-group $GROUP sek $GEM_SEK gak $GEM_GAK key-id 1"
KEY2="gem-group $GROUP sek $GEM_SEK2 gak $GEM_GAK2 key-id 2"
B_PEER="gem-peer a address $GEM_A local $GEM_B tun ipsec0"
B_SA="esp-sa peer a dir in spi $GEM_SPI_AB key $GEM_ESP_KEY_AB"
B_RECV="gem-receive $GROUP out b-r"
start_babeld A "$NSA" "$OURS" \
    -C "mcast-rule cam1 in a-s group $GROUP port 5000 source 10.1.1.50 resource $VIP out a-l" \
    -C "$A_PEER" -C "$A_SA" -C "esp-sa peer b dir in spi $GEM_SPI_BA key $GEM_ESP_KEY_BA" \
    -C "$KEY1" -C "$A_SEND" a-l
start_babeld B "$NSB" "$OURS" \
    -C "$B_PEER" -C "esp-sa peer a dir out spi $GEM_SPI_BA key $GEM_ESP_KEY_BA" -C "$B_SA" \
    -C "$KEY1" -C "$KEY2" -C "$B_RECV" b-r
wait_for 5 "A's gem-send active" dump_has A "^add gem-send $GROUP .* state active "
wait_for 5 "B's gem-receive active" dump_has B "^add gem-receive $GROUP out b-r ttl 64 state active "
wait_for 5 "B's ipsec0" ip -n "$NSB" link show ipsec0
ip -n "$NSB" route add $VIP/32 dev ipsec0 proto static || fail "B: the VIP routed over the overlay"

# lc_ok NAME LINE...: every line answered ok
lc_ok() {
    local name=$1 out; shift
    out=$(lc "$name" "$@") || { soft_fail "$name: no answer to $*"; return 1; }
    if printf '%s\n' "$out" | grep -Eq '^(no|bad)( |$)'; then
        soft_fail "$name refused a line: $(printf '%s\n' "$out" | grep -E '^(no|bad)( |$)' | head -n 3)"
        return 1
    fi
}

step "$N datagrams at 2000/s while both gateways are reconfigured at run time"
gem_recv churn $N
gem_send_stream $N 0 2000 &
sender=$!
BM_EXTRA_PIDS+=("$sender")
rounds=0
while kill -0 "$sender" 2>/dev/null; do
    lc_ok A "$KEY2" "flush gem-group $GROUP key-id 1" "$A_SEND" "$A_PEER" "$A_SA" dump || break
    lc_ok B "$B_RECV" "$B_PEER" "$B_SA" dump || break
    lc_ok A "$KEY1" "flush gem-group $GROUP key-id 2" dump || break
    rounds=$((rounds + 1))
done
wait "$sender" || soft_fail "the sender failed"
note "$rounds rounds of changes on A and B while the stream flowed"
[ "$rounds" -ge 3 ] || soft_fail "only $rounds rounds of changes during the stream"
gem_check_stream churn $N
wait_for 5 "gem-send counts $N sent through ESP" \
    dump_has A "^add gem-send $GROUP .* packets $N bytes $((N * 1316)) no-key 0 .* esp-sent $N esp-errors 0 "
wait_for 5 "gem-receive counts $N" dump_has B "^add gem-receive $GROUP .* packets $N bytes $((N * 1316)) drops 0$"
dump A | grep -E "gem-|esp-" | sed 's/^/    /'
dump B | grep -E "gem-|esp-" | sed 's/^/    /'
for f in bad-mac replayed stale-key bad-decrypt truncated; do
    [ "$(gem_input_field B $f)" = 0 ] || soft_fail "B counted $(gem_input_field B $f) $f"
done
dump_has B "^add esp-sa peer a dir in spi $GEM_SPI_AB packets [0-9]+ .* replay-drops 0 auth-failures 0 malformed 0 errors 0 " ||
    soft_fail "B's inbound SA: $(dump B | grep 'dir in')"
acc() { dump B | awk -v id="$1" '$2 == "gem-group" && $5 == id {for (i = 6; i < NF; i++) if ($i == "accepted") print $(i + 1)}'; }
k1=$(acc 1); k2=$(acc 2)
note "B accepted $k1 under key-id 1 and $k2 under key-id 2"
[ "${k1:-0}" -gt 0 ] && [ "${k2:-0}" -gt 0 ] && [ $((k1 + k2)) = $N ] ||
    soft_fail "the stream was not split between the two keys ($k1 + $k2 of $N)"
pass "$N of $N byte-identical at R through $rounds rounds of key rollovers and replaced lines"

step "SIGTERM"
stop_daemon A TERM 10; stop_daemon B TERM 10
[ "${BM_RC[A]}" = 0 ] && [ "${BM_RC[B]}" = 0 ] || soft_fail "exit status A ${BM_RC[A]} B ${BM_RC[B]}"
finish
