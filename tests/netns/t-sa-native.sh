#!/bin/bash
# Source-Active origination for a native source (issue 7), end to end:
#
#   S (s-a) ---- (a-s) A (a-b) ---- (b-a) B (b-c) ---- (c-b) C (c-r) ---- (r-c) R
#   10.1.1.50       10.1.1.1/24     10.0.12/24   10.0.23/24      10.3.3.1/24    10.3.3.50
#   (+10.8.8.8/32, routed by A toward S: a source from elsewhere)
#
# Three of ours, hello-interval 1, pim-hello-interval 1; every router link is
# a PIM mcast-interface, and so are A's host link a-s and C's receiver link
# c-r.  A has `sa-idle-time 3` and redistributes 10.1.1.0/24 and 10.8.8.8/32.
# No static RP anywhere.
#   1. S starts sending to 239.1.1.1: the kernel reports the first packet
#      (NOCACHE), A originates SA(10.1.1.50, 239.1.1.1); C's monitor shows
#      it within 1 s of the first datagram (time printed); only A originates
#      it (one sa record at C, none originated by B or C).
#   2. R joins 239.1.1.1 for any source (IGMP, no source list): C joins
#      (10.1.1.50,239.1.1.1) toward B from the SA, no (*,G) join; the stream
#      reaches R; a steady stream never flaps the SA.
#   3. S sends to 232.1.1.1 (SSM) and, from 10.8.8.8, to 239.1.1.2: counted
#      by A (ssm, off-subnet), never announced; C has a route to 10.8.8.8,
#      so it would have shown that SA.
#   4. The stream stops: the SA leaves C between 3 s and 3 s + 1 s after
#      the last datagram.
#   5. The stream again, then `flush mcast-interface a-s` at run time: the
#      SA goes at once; the line back with `sa-originate false`: none while
#      the stream flows; `sa-originate true`: back.  A refused value changes
#      nothing.
#   6. SIGTERM of A while the stream flows: the SA leaves C at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pim-lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 is needed"
MC_TOOL="$BM_REPO/tests/tools/mcast_stream.py"

IDLE=3
G=239.1.1.1
S=10.1.1.50
FAR=10.8.8.8

ns_new NSS S; ns_new NA A; ns_new NB B; ns_new NC C; ns_new NR R
veth "$NSS" s-a "$NA" a-s
veth "$NA" a-b "$NB" b-a
veth "$NB" b-c "$NC" c-b
veth "$NC" c-r "$NR" r-c
ns_addr "$NSS" $S/24 s-a; ns_addr "$NSS" $FAR/32 s-a; ns_addr "$NA" 10.1.1.1/24 a-s
ns_addr "$NA" 10.0.12.1/24 a-b; ns_addr "$NB" 10.0.12.2/24 b-a
ns_addr "$NB" 10.0.23.2/24 b-c; ns_addr "$NC" 10.0.23.3/24 c-b
ns_addr "$NC" 10.3.3.1/24 c-r; ns_addr "$NR" 10.3.3.50/24 r-c
ip -n "$NSS" route add default via 10.1.1.1 || fail "route on S"
ip -n "$NSS" route add 224.0.0.0/4 dev s-a || fail "multicast route on S"
ip -n "$NR" route add default via 10.3.3.1 || fail "route on R"
ip -n "$NA" route add $FAR/32 via $S proto static || fail "A's route to $FAR"
ip netns exec "$NR" sysctl -qw net.ipv4.conf.all.force_igmp_version=3
P=(-C 'pim-hello-interval 1' -C 'pim-join-prune-interval 2')
start_babeld A "$NA" "$OURS" "${P[@]}" -C "sa-idle-time $IDLE" \
    -C 'redistribute ip 10.1.1.0/24 proto 2 allow' -C "redistribute ip $FAR/32 allow" \
    -C 'mcast-interface a-s' -C 'mcast-interface a-b' a-b
start_babeld B "$NB" "$OURS" "${P[@]}" -C 'mcast-interface b-a' -C 'mcast-interface b-c' b-a b-c
start_babeld C "$NC" "$OURS" "${P[@]}" -C 'mcast-interface c-b' -C 'mcast-interface c-r' c-b

# ---- helpers ----------------------------------------------------------------
mon_lines() { wc -l <"$T/$1.mon"; }
mon_since() { tail -n +"$(( $2 + 1 ))" "$T/$1.mon" | grep -E -- "$3"; }
# timed_since M N ERE FROM LIMIT: ms from FROM to a matching monitor line
# after line N (polled every 10 ms), or "never" LIMIT + 3 s after FROM
timed_since() {
    local deadline=$(( $4 + $5 + 3000 ))
    while ! mon_since "$1" "$2" "$3" >/dev/null; do
        [ "$(_now_ms)" -ge "$deadline" ] && { echo never; return 1; }
        sleep 0.01
    done
    echo $(( $(_now_ms) - $4 ))
}
sa_re() { printf '^%s sa [0-9a-f]{16} source %s group %s origin ' "$1" "${2//./\\.}" "${3//./\\.}"; }
within() { [ "$1" != never ] && [ "$1" -le "$2" ] || soft_fail "$3 after $1 ms (limit $2)"; }
stat_of() { dump A | sed -n "s/^add sa-native-stats .* $1 \([0-9]*\) .*/\1/p"; }

SPID=
# stream NAME DEST [SOURCE]: 200 datagrams/s from S in the background
stream() {
    rm -f "$T/$1.first"
    ip netns exec "$NSS" python3 "$MC_TOOL" send --dest "$2" --port 5000 --ifname s-a \
        ${3:+--bind "$3"} --count 1000000 --rate 200 --size 200 --first "$T/$1.first" \
        >"$T/$1.send.out" 2>&1 &
    SPID=$!
    BM_EXTRA_PIDS+=("$!")
    CUR=$1
}
stream_stop() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=; TSTOP=$(_now_ms); }
# latency N ERE: from the current stream's first datagram to a line of C's monitor
latency() {
    local t0 t
    t0=$(_now_ms)
    t=$(timed_since MC "$1" "$2" "$t0" 2000) || { echo never; return 1; }
    wait_for 5 "the sender writes its first datagram's time" test -s "$T/$CUR.first"
    echo $(( t0 + t - $(cat "$T/$CUR.first") ))
}

# ---- the test ---------------------------------------------------------------
step "chain A-B-C: routes to S's subnet and to $FAR, PIM neighbours"
waited_for 30 "C installs 10.1.1.0/24" has_babel_route "$NC" 10.1.1.0/24
wait_for 10 "C installs $FAR" has_babel_route "$NC" $FAR
waited_for 10 "PIM neighbours C-B and B-A" \
    eval 'dump_has C "^add pim-neighbour 10\.0\.23\.2 if c-b " && dump_has B "^add pim-neighbour 10\.0\.12\.1 if b-a "'
dump_has A '^add mcast-interface a-s .* sa-originate true$' || fail "a-s does not show sa-originate true"
dump_lacks C '^add sa ' || fail "C has an SA before any packet"
mon_start MC C; mon_send MC monitor
mon_ready MC
pass "routed; no SA while nothing flows"

step "1. S starts sending to $G: SA($S, $G) at C within 1 s"
n=$(mon_lines MC)
stream s1 $G
tc=$(latency "$n" "$(sa_re add $S $G)")
note "FIGURE first datagram -> SA at C (2 hops): ${tc} ms (monitor polled every 10 ms; shared machine)"
within "$tc" 1000 "SA($S, $G) reached C"
wait_for 3 "A originates it" dump_has A "$(sa_re add $S $G)"
[ "$(dump C | grep -Ec "$(sa_re add $S $G)")" = 1 ] || fail "C has more than one originator of SA($S, $G)"
st=$(dump A | grep '^add sa-native-stats')
note "A: $st"
printf '%s\n' "$st" | grep -Eq ' originated 1 .* active 1 ' || fail "A's sa-native-stats: $st"
dump_lacks B '^add sa-native-stats .* originated [1-9]' || fail "B originated a native SA (forwarded traffic)"
dump_lacks C '^add sa-native-stats .* originated [1-9]' || fail "C originated a native SA"
pass "SA at C ${tc} ms after the first datagram"

step "2. R joins $G for any source: C joins ($S,$G) toward B from the SA, the stream reaches R"
rm -f "$T/rx.ready"
ip netns exec "$NR" python3 "$PIM_TOOL" listen --group $G --ifname r-c --port 5000 --duration 60 \
    --ready "$T/rx.ready" --progress "$T/rx.progress" --out "$T/rx.res" >"$T/rx.out" 2>&1 &
LPID=$!
BM_EXTRA_PIDS+=("$LPID")
wait_for 5 "receiver ready" test -e "$T/rx.ready"
waited_for 10 "C joins ($S,$G) toward B (10.0.23.2)" \
    dump_has C "^add pim-upstream \\(${S//./\\.},${G//./\\.}\\) group ${G//./\\.} if c-b neighbour 10\\.0\\.23\\.2 "
dump_lacks C "^add pim-upstream \\(\\*,${G//./\\.}\\)" || fail "C joined (*,$G), which has no RP"
waited_for 10 "the stream reaches R (200 datagrams)" pim_progress rx 200
n=$(mon_lines MC)
c0=$(pim_count rx)
sleep $((IDLE + 2))
mon_since MC "$n" "$(sa_re '(add|flush)' $S $G)" >/dev/null &&
    fail "the SA flapped during a steady stream: $(mon_since MC "$n" '^(add|flush) sa ' | tr '\n' '|')"
[ "$(pim_count rx)" -ge $((c0 + 200 * IDLE)) ] || fail "R got $(( $(pim_count rx) - c0 )) datagrams in $((IDLE + 2)) s"
note "R: $(pim_count rx) datagrams so far; A: $(ip -n "$NA" mroute show | tr -s ' ' | grep "$S" | head -1)"
pass "(*,G) interest + SA -> (S,G) join toward B; stream at R; no flap over $((IDLE + 2)) s"

step "3. SSM and off-subnet sources are not announced"
ssm0=$(stat_of ssm); off0=$(stat_of off-subnet)
SAVE=$SPID
stream ssm 232.1.1.1
SSMPID=$SPID
stream far 239.1.1.2 $FAR
FARPID=$SPID
SPID=$SAVE
wait_for 5 "A counts the SSM source" eval '[ "$(stat_of ssm)" -gt "$ssm0" ]'
wait_for 5 "A counts the off-subnet source" eval '[ "$(stat_of off-subnet)" -gt "$off0" ]'
sleep 0.5
dump_lacks A '^add sa .* group 232\.1\.1\.1 ' || fail "A announced an SSM group"
dump_lacks A "^add sa .* source ${FAR//./\\.} " || fail "A announced the off-subnet source $FAR"
dump_lacks C "^add sa .* source ${FAR//./\\.} " || fail "C learnt an SA for $FAR"
kill "$SSMPID" "$FARPID" 2>/dev/null; wait "$SSMPID" "$FARPID" 2>/dev/null
note "A: $(dump A | grep '^add sa-native-stats')"
pass "232.1.1.1 (SSM) and $FAR (off-subnet) counted, not announced"

step "4. the stream stops: the SA leaves C within sa-idle-time ($IDLE s) + 1 s"
n=$(mon_lines MC)
stream_stop
tw=$(timed_since MC "$n" "$(sa_re flush $S $G)" "$TSTOP" $((IDLE * 1000 + 1000)))
note "FIGURE last datagram -> SA withdrawn at C: ${tw} ms (sa-idle-time $IDLE s)"
within "$tw" $((IDLE * 1000 + 1000)) "the idle SA left C"
[ "$tw" != never ] && [ "$tw" -lt $((IDLE * 1000 - 300)) ] && fail "the SA left C after ${tw} ms: before sa-idle-time"
dump_lacks A "$(sa_re add $S $G)" || fail "A still originates the idle SA"
pass "withdrawn ${tw} ms after the last datagram"

step "5. flush mcast-interface a-s at run time, then sa-originate false / true"
n=$(mon_lines MC)
stream s2 $G
tc=$(latency "$n" "$(sa_re add $S $G)")
within "$tc" 1000 "the SA came back to C with the stream"
note "restarted stream -> SA at C: ${tc} ms"
n=$(mon_lines MC); t1=$(_now_ms)
out=$(lc A 'flush mcast-interface a-s'); printf '%s\n' "$out" | grep -qx ok || fail "flush refused: $out"
tf=$(timed_since MC "$n" "$(sa_re flush $S $G)" "$t1" 1000)
note "flush mcast-interface a-s -> SA withdrawn at C: ${tf} ms"
within "$tf" 1000 "the SA of the flushed interface's source left C"
out=$(lc A 'mcast-interface a-s sa-originate maybe')
printf '%s\n' "$out" | grep -q '^no .*sa-originate' || fail "sa-originate maybe not refused: $out"
out=$(lc A 'mcast-interface a-s sa-originate false'); printf '%s\n' "$out" | grep -qx ok || fail "refused: $out"
dump_has A '^add mcast-interface a-s .* sa-originate false$' || fail "a-s does not show sa-originate false"
n=$(mon_lines MC)
sleep 2
mon_since MC "$n" "$(sa_re add $S $G)" >/dev/null && fail "an SA with sa-originate false"
n=$(mon_lines MC); t1=$(_now_ms)
out=$(lc A 'mcast-interface a-s sa-originate true'); printf '%s\n' "$out" | grep -qx ok || fail "refused: $out"
ta=$(timed_since MC "$n" "$(sa_re add $S $G)" "$t1" 3000)
note "sa-originate true again, stream flowing -> SA at C: ${ta} ms"
note "A: $(dump A | grep '^add sa-native-stats')"
within "$ta" 3000 "the SA came back with sa-originate true"
pass "flushed: withdrawn in ${tf} ms; disabled: none; enabled: back in ${ta} ms"

step "6. SIGTERM of A while the stream flows: the SA leaves C at once"
n=$(mon_lines MC); t1=$(_now_ms)
stop_daemon A
tk=$(timed_since MC "$n" "$(sa_re flush $S $G)" "$t1" 1000)
note "SIGTERM -> SA withdrawn at C: ${tk} ms"
within "$tk" 1000 "A's SA left C when A stopped"
grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/A.out" &&
    fail "A reported a sanitizer error: $(grep -Em1 'ERROR|runtime error' "$T/A.out")"
[ "${BM_RC[A]:-0}" = 0 ] || fail "A exited with status ${BM_RC[A]}"
stream_stop
kill "$LPID" 2>/dev/null
pim_stop_checked B C
pass "withdrawn at exit"
finish
