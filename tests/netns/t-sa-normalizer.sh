#!/bin/bash
# Source-Active origination by a normalizer rule, end to end:
#
#   S (s-a) ---- (a-s) A (a-b) ---- (b-a) B (b-c) ---- (c-b) C
#   10.1.1.50    ours: mcast-rule      ours             ours
#   (unroutable) cam1 ... resource VIP
#
# All three run ours with hello-interval 1; A has `sa-idle-time 3` and a rule
# capturing 239.1.1.1:5000 on a-s, republished from VIP 192.168.100.1 on a-b.
#   - the VIP is routable over Babel (B and C install it: the SA's peer-RPF
#     needs it) and no SA exists before the stream;
#   - C's monitor shows `add sa ... source VIP group G` within 1 s of the
#     first datagram (time printed), and so do A's and C's dumps;
#   - a bursty stream (gaps shorter than the idle time) never withdraws it;
#   - stopping the stream withdraws it at C between 3 s and 3 s + 1 s after
#     the last datagram; a restarted stream brings it back within 1 s;
#   - the rule replaced at run time: same VIP and group keeps the SA;
#     `out ... group G2` withdraws (VIP, G) and announces (VIP, G2);
#     flush mcast-rule withdraws it; SIGTERM of A withdraws it at once;
#   - bad sa-idle-time lines are refused (`no <reason>`, FILE:LINE at start).
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
need_root; need_ours
command -v python3 >/dev/null 2>&1 || fail "python3 not found (tools/install-deps installs it)"

IDLE=3
G2=239.2.2.2
RULE="mcast-rule cam1 in a-s group $GROUP port 5000 resource $VIP"

ns_new NSS S; ns_new NSA A; ns_new NSB B; ns_new NSC C
veth "$NSS" s-a "$NSA" a-s
veth "$NSA" a-b "$NSB" b-a
veth "$NSB" b-c "$NSC" c-b
ip -n "$NSS" addr add 10.1.1.50/24 dev s-a || fail "address on S"
ip -n "$NSS" route add 224.0.0.0/4 dev s-a || fail "multicast route on S"
lo_addr "$NSA" 10.254.0.1/32
lo_addr "$NSB" 10.254.0.2/32
lo_addr "$NSC" 10.254.0.3/32
start_babeld A "$NSA" "$OURS" -C "sa-idle-time $IDLE" -C "$RULE out a-b" a-b
start_babeld B "$NSB" "$OURS" b-a b-c
start_babeld C "$NSC" "$OURS" c-b

# ---- helpers ----------------------------------------------------------------

mon_lines() { wc -l <"$T/$1.mon"; }
# mon_since M N ERE: the lines of M's monitor output after line N that match
mon_since() { tail -n +"$(( $2 + 1 ))" "$T/$1.mon" | grep -E -- "$3"; }
# timed_since M N ERE FROM LIMIT: polls every 10 ms for a matching line after
# line N; prints the ms from FROM (a _now_ms time), or "never" LIMIT+3000 ms
# after FROM
timed_since() {
    local m=$1 n=$2 re=$3 from=$4 limit=$5 deadline
    deadline=$(( from + limit + 3000 ))
    while ! mon_since "$m" "$n" "$re" >/dev/null; do
        [ "$(_now_ms)" -ge "$deadline" ] && { echo never; return 1; }
        sleep 0.01
    done
    echo $(( $(_now_ms) - from ))
}
sa_re() { printf '^%s sa [0-9a-f]{16} source %s group %s origin ' "$1" "$2" "$3"; }
within() {   # within MS LIMIT WHAT
    [ "$1" != never ] && [ "$1" -le "$2" ] || soft_fail "$3 after $1 ms (limit $2)"
}

SEND_PID=
# stream_start NAME: a steady stream, 200 datagrams/s, in the background
stream_start() {
    rm -f "$T/$1.first"
    ip netns exec "$NSS" python3 "$MC_TOOL" send --dest "$GROUP" --port 5000 --ifname s-a \
        --count 1000000 --rate 200 --size 200 --first "$T/$1.first" >"$T/$1.send.out" 2>&1 &
    SEND_PID=$!
    BM_EXTRA_PIDS+=("$!")
    STREAM=$1
}
# first_sent: T0 = the wall-clock ms of the current stream's first datagram
first_sent() {
    wait_for 10 "sender $STREAM sends its first datagram" test -s "$T/$STREAM.first"
    T0=$(cat "$T/$STREAM.first")
}
# latency_since M N ERE LIMIT: like timed_since, but from the first datagram
# of the current stream, polled from the moment the sender was launched (the
# sender writes that time once it has sent it)
latency_since() {
    local t0 t
    t0=$(_now_ms)
    t=$(timed_since "$1" "$2" "$3" "$t0" $(($4 + 1000))) || { echo never; return 1; }
    first_sent
    echo $(( t0 + t - T0 ))
}
stream_stop() {
    kill "$SEND_PID" 2>/dev/null
    wait "$SEND_PID" 2>/dev/null
    SEND_PID=
    TSTOP=$(_now_ms)
}
burst() {
    ip netns exec "$NSS" python3 "$MC_TOOL" send --dest "$GROUP" --port 5000 --ifname s-a \
        --count 40 --rate 200 --size 200 || fail "burst sender failed"
}

# ---- the test ---------------------------------------------------------------

step "chain A-B-C of ours: the VIP $VIP is routable over Babel"
waited_for 30 "C installs A's VIP $VIP" has_babel_route "$NSC" "$VIP"
wait_for 10 "B installs A's VIP $VIP" has_babel_route "$NSB" "$VIP"
wait_for 10 "C installs A's loopback" has_babel_route "$NSC" 10.254.0.1
wait_for 10 "rule cam1 active on A" dump_has A "^add mcast-rule cam1 .* state active$"
dump_lacks C '^add sa ' || soft_fail "C has an SA before any packet: $(dump C | grep '^add sa ')"
dump_lacks A '^add sa ' || soft_fail "A originates an SA before any packet"
mon_start MC C; mon_send MC monitor
mon_start MA A; mon_send MA monitor
mon_ready MC; mon_ready MA
pass "VIP routed by B and C; no SA while no packet flows"

step "1. a stream starts: SA($VIP, $GROUP) at C within 1 s of its first datagram"
n=$(mon_lines MC); na=$(mon_lines MA)
stream_start s1
ta=$(latency_since MA "$na" "$(sa_re add "$VIP" "$GROUP")" 1000)
tc=$(latency_since MC "$n" "$(sa_re add "$VIP" "$GROUP")" 1000)
note "first datagram -> SA originated at A: ${ta} ms, at C (2 hops): ${tc} ms (monitor polled every 10 ms)"
within "$tc" 1000 "SA reached C"
wait_for 5 "C's dump has the SA" dump_has C "$(sa_re add "$VIP" "$GROUP")"
wait_for 5 "A's dump has its own SA" dump_has A "$(sa_re add "$VIP" "$GROUP")"
mon_since MC "$n" '^add sa ' | grep -v " source $VIP group $GROUP " &&
    soft_fail "C got other SAs than ($VIP, $GROUP) (the unroutable source or the input group?)"
pass "SA at C ${tc} ms after the first datagram"

step "2. the stream goes bursty (gaps of $((IDLE - 1)) s < sa-idle-time $IDLE): the SA stays"
n=$(mon_lines MC)
stream_stop
for k in 1 2 3 4; do
    burst
    [ $k -lt 4 ] && sleep $((IDLE - 1))
done
TSTOP=$(_now_ms)
if mon_since MC "$n" "$(sa_re flush "$VIP" "$GROUP")" >/dev/null ||
    mon_since MC "$n" "$(sa_re add "$VIP" "$GROUP")" >/dev/null; then
    soft_fail "the SA flapped at C during the bursts: $(mon_since MC "$n" '^(add|flush) sa ' | tr '\n' '|')"
fi
dump_has C "$(sa_re add "$VIP" "$GROUP")" || soft_fail "C lost the SA during the bursts"
pass "no withdrawal or re-announcement over $((3 * (IDLE - 1))) s of bursts"

step "3. the stream stops: the SA leaves C between $IDLE s and $((IDLE + 1)) s after the last datagram"
n=$(mon_lines MC)
tw=$(timed_since MC "$n" "$(sa_re flush "$VIP" "$GROUP")" "$TSTOP" $((IDLE * 1000 + 1000)))
note "last datagram -> SA withdrawn at C: ${tw} ms (sa-idle-time $IDLE)"
within "$tw" $((IDLE * 1000 + 1000)) "the idle SA left C"
[ "$tw" != never ] && [ "$tw" -lt $((IDLE * 1000 - 300)) ] &&
    soft_fail "the SA left C ${tw} ms after the last datagram: before sa-idle-time $IDLE s"
wait_for 5 "C's dump lacks the SA" dump_lacks C "$(sa_re add "$VIP" "$GROUP")"
dump_lacks A "$(sa_re add "$VIP" "$GROUP")" || soft_fail "A still originates the idle SA"
pass "withdrawn ${tw} ms after the stream stopped"

step "4. the stream restarts: the SA is back at C within 1 s"
n=$(mon_lines MC)
stream_start s2
tc=$(latency_since MC "$n" "$(sa_re add "$VIP" "$GROUP")" 1000)
note "first datagram -> SA at C: ${tc} ms"
within "$tc" 1000 "the SA came back to C"
pass "back at C ${tc} ms after the first datagram"

step "5. the rule replaced while the stream flows"
n=$(mon_lines MC)
out=$(lc A "$RULE out a-b ttl 16") || fail "lc A: $out"
printf '%s\n' "$out" | grep -qx ok || fail "replacing cam1 (same VIP and group) refused: $out"
sleep 1.5
mon_since MC "$n" "$(sa_re flush "$VIP" "$GROUP")" >/dev/null &&
    soft_fail "replacing the rule with the same VIP and group withdrew its SA"
note "same VIP and group (another TTL): SA kept"
n=$(mon_lines MC)
T1=$(_now_ms)
out=$(lc A "$RULE out a-b group $G2") || fail "lc A: $out"
printf '%s\n' "$out" | grep -qx ok || fail "replacing cam1 (out group $G2) refused: $out"
tf=$(timed_since MC "$n" "$(sa_re flush "$VIP" "$GROUP")" "$T1" 1000)
ta=$(timed_since MC "$n" "$(sa_re add "$VIP" "$G2")" "$T1" 1000)
note "out group $G2: ($VIP, $GROUP) withdrawn at C in ${tf} ms, ($VIP, $G2) announced in ${ta} ms"
within "$tf" 1000 "the SA of the old group left C"
within "$ta" 1000 "the SA of the output group $G2 reached C"
d=$(dump C) || fail "no dump from C"
printf '%s\n' "$d" | grep -Eq "$(sa_re add "$VIP" "$G2")" || soft_fail "C's dump lacks ($VIP, $G2)"
printf '%s\n' "$d" | grep -Eq "$(sa_re add "$VIP" "$GROUP")" && soft_fail "C's dump still has ($VIP, $GROUP)"
n=$(mon_lines MC)
T1=$(_now_ms)
out=$(lc A "flush mcast-rule cam1") || fail "lc A: $out"
printf '%s\n' "$out" | grep -qx ok || fail "flush mcast-rule cam1: $out"
tf=$(timed_since MC "$n" "$(sa_re flush "$VIP" "$G2")" "$T1" 1000)
note "flush mcast-rule: ($VIP, $G2) withdrawn at C in ${tf} ms"
within "$tf" 1000 "the flushed rule's SA left C"
pass "replaced: kept when unchanged, moved to the output group $G2; flushed: withdrawn"

step "6. refused sa-idle-time lines change nothing"
out=$(lc A "sa-idle-time 0" "sa-idle-time 86401" "sa-idle-time soon" "sa-idle-time")
[ "$(printf '%s\n' "$out" | grep -c '^no ')" = 4 ] || soft_fail "expected 4 refusals: $out"
note "$(printf '%s\n' "$out" | grep '^no ' | sort -u | tr '\n' '|')"

step "7. the rule back, the stream flowing, then SIGTERM A: the SA leaves C at once"
n=$(mon_lines MC)
out=$(lc A "$RULE out a-b") || fail "lc A: $out"
printf '%s\n' "$out" | grep -qx ok || fail "mcast-rule refused: $out"
T1=$(_now_ms)
tc=$(timed_since MC "$n" "$(sa_re add "$VIP" "$GROUP")" "$T1" 1000)
within "$tc" 1000 "the re-added rule's SA reached C"
n=$(mon_lines MC)
T1=$(_now_ms)
stop_daemon A TERM 10
[ "${BM_RC[A]}" = 0 ] || soft_fail "A exited with status ${BM_RC[A]}"
tf=$(timed_since MC "$n" "$(sa_re flush "$VIP" "$GROUP")" "$T1" 1500)
note "SIGTERM A -> SA withdrawn at C: ${tf} ms"
within "$tf" 1500 "the SA of the stopped daemon left C"
stream_stop
pass "re-added rule announced in ${tc} ms; exit withdraws in ${tf} ms"

step "8. a bad sa-idle-time in a configuration file stops the start (FILE:LINE: reason)"
printf 'sa-idle-time 5\nsa-idle-time 0\n' >"$T/bad.conf"
ip netns exec "$NSA" timeout 5 "$OURS" -c "$T/bad.conf" -I "$T/bad.pid" -S "$T/bad.state" \
    -G 33999 a-b >"$T/bad.out" 2>&1
rc=$?
[ $rc = 1 ] || soft_fail "a bad sa-idle-time line: exit status $rc, expected 1"
grep -q "bad.conf:2: sa-idle-time: expected a number of seconds from 1 to 86400" "$T/bad.out" ||
    soft_fail "no FILE:2: reason for the bad line: $(cat "$T/bad.out")"
[ -e "$T/bad.pid" ] && soft_fail "the refused start left a pid file"
pass "refused: $(head -n 1 "$T/bad.out")"
mon_stop MC; mon_stop MA
finish
