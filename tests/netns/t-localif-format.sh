#!/bin/bash
# Local configuration interface of babeld 1.12: exact shape of the greeting,
# of dump/monitor lines, and the answers to runtime lines on a read-write (-G)
# and a read-only (-g) socket, and the -G PATH (UNIX socket) variant.
#
# Topology: O (ours) --- S (stock), one veth o-s/s-o carrying 10.254.1.1/24 and
# 10.254.1.2/24, loopbacks 10.254.0.1 fd00:bb::1 (O) and 10.254.0.2 fd00:bb::2 (S).
# Every check runs first against S (stock) and then against O (ours) with the
# same regexes and the same expected answers: stock passing proves the
# expectations are right.  Reference answers: README.md in this directory.
. "$(dirname "$0")/lib.sh"
need_root; need_ours; need_stock

# ---- line grammar (from what babeld 1.12.1 prints) --------------------------
HEX='[0-9a-f]'
EUI="$HEX{2}(:$HEX{2}){7}"
LL='fe80:[0-9a-f:]+'
V4='[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}'
P4="^$V4/[0-9]{1,2}$"
P6='^[0-9a-f:]+/[0-9]{1,3}$'
KIND='(add|change|flush)'
RE_GREET=('^BABEL 1\.0$' '^version [^ ]+$' "^host $(hostname)\$" "^my-id $EUI\$" '^ok$')
RE_IF="^$KIND interface [^ ]+ up (true( ipv6 $LL)?( ipv4 $V4)?|false)\$"
RE_NB="^$KIND neighbour $HEX+ address $LL if [^ ]+ reach $HEX{4} ureach $HEX{4} rxcost [0-9]+ txcost [0-9]+( rtt [0-9]+\.[0-9]{3} rttcost [0-9]+)? cost [0-9]+\$"
RE_XR="^$KIND xroute ([^ ]+)-([^ ]+) prefix ([^ ]+) from ([^ ]+) metric [0-9]+\$"
RE_RT="^$KIND route $HEX+ prefix ([^ ]+) from ([^ ]+) installed (yes|no) id $EUI metric [0-9]+ refmetric [0-9]+ via $LL if [^ ]+\$"

# Our extension records (README.mcr): new kinds, never changes to babeld's.
# Stock never prints them; in a dump they follow babeld's records.
RE_LM="^$KIND link-metrics $HEX+ address $LL if [^ ]+ cost [0-9]+ rxcost [0-9]+ txcost [0-9]+ rtt [0-9]+\.[0-9]{3} rttcost [0-9]+ loss [0-9]+\.[0-9]{2}\$"
RE_MS="^$KIND mac-stats if [^ ]+ keys [0-9]+( [a-z-]+ [0-9]+)+\$"

is_prefix() { [[ $1 =~ $P4 || $1 =~ $P6 ]]; }

# line_class LINE -> prints 1..4 (interface, neighbour, xroute, route),
# 5 (one of our extension records) or fails
line_class() {
    local l=$1 m
    if [[ $l =~ $RE_IF ]]; then echo 1
    elif [[ $l =~ $RE_NB ]]; then echo 2
    elif [[ $l =~ $RE_XR ]]; then
        m=("${BASH_REMATCH[@]}")     # is_prefix below clobbers BASH_REMATCH
        # "xroute P-S prefix P from S": the id is the two prefixes joined by '-'
        [ "${m[2]}" = "${m[4]}" ] && [ "${m[3]}" = "${m[5]}" ] &&
            is_prefix "${m[4]}" && is_prefix "${m[5]}" && echo 3
    elif [[ $l =~ $RE_RT ]]; then
        m=("${BASH_REMATCH[@]}")
        is_prefix "${m[2]}" && is_prefix "${m[3]}" && echo 4
    elif [[ $l =~ $RE_LM || $l =~ $RE_MS ]]; then echo 5
    else return 1; fi
}

# check_lines WHO KINDRE ORDERED < lines: every line has the grammar; with
# ORDERED=1 they come as interfaces, neighbours, xroutes, routes.
check_lines() {
    local who=$1 kinds=$2 ordered=$3 l c last=0 bad=0
    while IFS= read -r l; do
        if ! c=$(line_class "$l") || ! [[ $l =~ ^$kinds\  ]]; then
            soft_fail "$who: line has neither babeld 1.12's shape nor an extension record's: '$l'"; bad=1; continue
        fi
        if [ "$ordered" = 1 ] && [ "$c" -lt "$last" ]; then
            soft_fail "$who: dump order must be interfaces, neighbours, xroutes, routes, extension records; out of order: '$l'"; bad=1
        fi
        last=$c
    done
    return $bad
}

lladdr() { ip -n "$1" -6 addr show dev "$2" scope link | awk '$1 == "inet6" {sub(/\/.*/, "", $2); print $2; exit}'; }

# reply NAME CMD: the answer lines to one command on a fresh connection
reply() { lc "$1" "$2" | sed -n '/^>>> /,$p' | sed '1d'; }

# expect_reply NAME CMD EXPECTED: one-line answer must be exactly EXPECTED
expect_reply() {
    local got
    got=$(reply "$1" "$2" | tr '\n' '|' | sed 's/|$//')
    if [ "$got" = "$3" ]; then note "$1: '$2' -> '$got'"
    else soft_fail "$1 ($(who "${BM_BIN[$1]}")) answered '${got:-<nothing within 5 s>}' to '$2'; babeld 1.12.1 answers '$3'"; fi
}

oks() { grep -cx ok "$1" 2>/dev/null; }
oks_ge() { [ "$(oks "$1")" -ge "$2" ]; }
mon_has() { grep -Eq -- "$2" "$T/$1.mon"; }
# mon_has_after NAME LINE ERE: a line after line LINE of the monitor matches
mon_has_after() { tail -n "+$(( $2 + 1 ))" "$T/$1.mon" | grep -Eq -- "$3"; }
_lacks() { dump_lacks "$@"; }

ns_new NSO O; ns_new NSS S
veth "$NSO" o-s "$NSS" s-o
lo_addr "$NSO" 10.254.0.1/32 fd00:bb::1/128
lo_addr "$NSS" 10.254.0.2/32 fd00:bb::2/128
ip -n "$NSO" addr add 10.254.1.1/24 dev o-s
ip -n "$NSS" addr add 10.254.1.2/24 dev s-o
step "roles: O=$(who "$OURS") on o-s   S=$(who "$STOCK") on s-o"
start_babeld S "$NSS" "$STOCK" s-o
start_babeld O "$NSO" "$OURS" o-s
converged() {
    local p
    for p in 10.254.0.2 fd00:bb::2 10.254.1.2; do
        wait_for 15 "O has a babel route to S's $p" has_babel_route "$NSO" "$p"
    done
    for p in 10.254.0.1 fd00:bb::1 10.254.1.1; do
        wait_for 15 "S has a babel route to O's $p" has_babel_route "$NSS" "$p"
    done
}
converged

declare -A NS IF LLA V4A LO4 LO6 PEER MYID
NS[O]=$NSO IF[O]=o-s V4A[O]=10.254.1.1 LO4[O]=10.254.0.1 LO6[O]=fd00:bb::1 PEER[O]=S
NS[S]=$NSS IF[S]=s-o V4A[S]=10.254.1.2 LO4[S]=10.254.0.2 LO6[S]=fd00:bb::2 PEER[S]=O
LLA[O]=$(lladdr "$NSO" o-s); LLA[S]=$(lladdr "$NSS" s-o)

# ---- greeting and dump ------------------------------------------------------
for X in S O; do
    Y=${PEER[$X]}
    step "$X ($(who "${BM_BIN[$X]}")): greeting and dump"
    out=$(lc "$X" dump) || soft_fail "$X: local interface session failed (status $?)"
    mapfile -t L <<<"$out"
    for i in 0 1 2 3 4; do
        [[ ${L[$i]:-} =~ ${RE_GREET[$i]} ]] ||
            soft_fail "$X: greeting line $((i + 1)) is '${L[$i]:-<missing>}', want /${RE_GREET[$i]}/"
    done
    MYID[$X]=${L[3]#my-id }
    [ "${L[5]:-}" = ">>> dump" ] || soft_fail "$X: greeting is not exactly 5 lines"
    [ "${L[-1]}" = ok ] || soft_fail "$X: dump does not end with 'ok' (last line '${L[-1]}')"
    d=$(printf '%s\n' "${L[@]:6}" | sed '$d')
    check_lines "$X dump" add 1 <<<"$d" && pass "$X: every dump line has the 1.12 shape, in order"
    # content: exact lines we can predict
    want=(
        "^add interface ${IF[$X]} up true ipv6 ${LLA[$X]} ipv4 ${V4A[$X]}\$"
        "^add neighbour $HEX+ address ${LLA[$Y]} if ${IF[$X]} reach $HEX{4} ureach $HEX{4} rxcost 96 txcost 96( rtt [^ ]+ rttcost [0-9]+)? cost 96\$"
        "^add xroute ${LO4[$X]}/32-0\.0\.0\.0/0 prefix ${LO4[$X]}/32 from 0\.0\.0\.0/0 metric 0\$"
        "^add xroute ${LO6[$X]}/128-::/0 prefix ${LO6[$X]}/128 from ::/0 metric 0\$"
        "^add xroute ${V4A[$X]}/32-0\.0\.0\.0/0 prefix ${V4A[$X]}/32 from 0\.0\.0\.0/0 metric 0\$"
        "^add route $HEX+ prefix ${LO4[$Y]}/32 from 0\.0\.0\.0/0 installed yes id [^ ]+ metric 96 refmetric 0 via ${LLA[$Y]} if ${IF[$X]}\$"
        "^add route $HEX+ prefix ${LO6[$Y]}/128 from ::/0 installed yes id [^ ]+ metric 96 refmetric 0 via ${LLA[$Y]} if ${IF[$X]}\$"
        "^add route $HEX+ prefix ${V4A[$Y]}/32 from 0\.0\.0\.0/0 installed yes id [^ ]+ metric 96 refmetric 0 via ${LLA[$Y]} if ${IF[$X]}\$"
    )
    # the neighbour needs a few hellos before rxcost settles at 96
    wait_for 10 "$X's dump shows neighbour $Y with rxcost/txcost/cost 96" dump_has "$X" "${want[1]}"
    d=$(dump "$X")
    for re in "${want[@]}"; do
        grep -Eq -- "$re" <<<"$d" || soft_fail "$X: dump has no line matching /$re/"
    done
done
# a route's id is the originator's my-id
for X in S O; do
    Y=${PEER[$X]}
    dump_has "$X" "^add route $HEX+ prefix ${LO4[$Y]}/32 .* id ${MYID[$Y]} " ||
        soft_fail "$X's route to ${LO4[$Y]} does not carry $Y's my-id ${MYID[$Y]}"
done
pass "greeting and dump checked on S and O"

# ---- monitor ----------------------------------------------------------------
idx=0
for X in S O; do
    Y=${PEER[$X]}; idx=$((idx + 1))
    step "$X ($(who "${BM_BIN[$X]}")): monitor, unmonitor"
    M=mon$X
    mon_start "$M" "$X"
    mon_send "$M" monitor
    wait_for 5 "$X answers 'monitor' with a dump and ok" oks_ge "$T/$M.mon" 2
    # (process substitution, not a pipe: check_lines must run in this shell
    # so that its soft failures are counted)
    check_lines "$X monitor dump" add 1 < <(sed -n '6,$p' "$T/$M.mon" | sed '/^ok$/,$d') &&
        pass "$X: monitor starts with a well-formed dump"
    a4=10.254.0.$((100 + idx)) a6=fd00:bb::$((100 + idx))
    ip -n "${NS[$X]}" addr add "$a4/32" dev lo
    ip -n "${NS[$X]}" addr add "$a6/128" dev lo
    soft_wait_for 10 "$X's monitor: add xroute $a4/32" mon_has "$M" \
        "^add xroute $a4/32-0\.0\.0\.0/0 prefix $a4/32 from 0\.0\.0\.0/0 metric 0\$"
    soft_wait_for 10 "$X's monitor: add xroute $a6/128" mon_has "$M" \
        "^add xroute $a6/128-::/0 prefix $a6/128 from ::/0 metric 0\$"
    ip -n "${NS[$X]}" addr del "$a4/32" dev lo
    ip -n "${NS[$X]}" addr del "$a6/128" dev lo
    soft_wait_for 10 "$X's monitor: flush xroute $a4/32" mon_has "$M" \
        "^flush xroute $a4/32-0\.0\.0\.0/0 prefix $a4/32 from 0\.0\.0\.0/0 metric 0\$"
    soft_wait_for 10 "$X's monitor: flush xroute $a6/128" mon_has "$M" \
        "^flush xroute $a6/128-::/0 prefix $a6/128 from ::/0 metric 0\$"
    # a route learnt from the peer appears, then goes when the peer drops it
    r4=10.254.0.$((200 + idx))
    ip -n "${NS[$Y]}" addr add "$r4/32" dev lo
    soft_wait_for 15 "$X's monitor: add route $r4/32 from $Y" mon_has "$M" \
        "^add route $HEX+ prefix $r4/32 from 0\.0\.0\.0/0 installed (yes|no) id ${MYID[$Y]} metric [0-9]+ refmetric 0 via ${LLA[$Y]} if ${IF[$X]}\$"
    soft_wait_for 15 "$X's monitor: route $r4/32 installed with metric 96" mon_has "$M" \
        "^(add|change) route $HEX+ prefix $r4/32 from 0\.0\.0\.0/0 installed yes id ${MYID[$Y]} metric 96 refmetric 0 "
    ip -n "${NS[$Y]}" addr del "$r4/32" dev lo
    # A clean exit of the peer retracts its routes at once (babeld 1.12 does
    # not retract a redistributed address that disappears: the neighbour keeps
    # it until it expires, ~25 s).  babeld 1.12 reports a retraction on the
    # monitor as "change route ... metric 65535 refmetric 65535".
    wait_for 10 "$X's dump: installed route to $Y's ${LO4[$Y]}/32 with metric 96" dump_has "$X" \
        "^add route $HEX+ prefix ${LO4[$Y]}/32 from 0\.0\.0\.0/0 installed yes id [^ ]+ metric 96 "
    before_stop=$(wc -l <"$T/$M.mon")
    stop_daemon "$Y"
    soft_wait_for 10 "$X's monitor: $Y's route ${LO4[$Y]}/32 retracted (change ... metric 65535, or flush)" mon_has "$M" \
        "^(change route $HEX+ prefix ${LO4[$Y]}/32 .* metric 65535 |flush route $HEX+ prefix ${LO4[$Y]}/32 )"
    start_babeld "$Y" "${NS[$Y]}" "${BM_BIN[$Y]}" "${IF[$Y]}"
    converged
    # Only lines after the stop count: the monitor's initial dump has the
    # route already.
    soft_wait_for 15 "$X's monitor: $Y's route ${LO4[$Y]}/32 back with metric 96" mon_has_after "$M" "$before_stop" \
        "^(add|change) route $HEX+ prefix ${LO4[$Y]}/32 from 0\.0\.0\.0/0 installed yes id [^ ]+ metric 96 refmetric 0 "
    check_lines "$X monitor" "$KIND" 0 < <(sed -n '6,$p' "$T/$M.mon" | sed '1,/^ok$/d' | grep -vx ok) &&
        pass "$X: every monitor line has the 1.12 shape"
    # unmonitor: nothing more after its ok
    mon_send "$M" unmonitor
    wait_for 5 "$X answers 'unmonitor' with ok" oks_ge "$T/$M.mon" 3
    n=$(wc -l <"$T/$M.mon")
    u4=10.254.0.$((150 + idx))
    ip -n "${NS[$X]}" addr add "$u4/32" dev lo
    wait_for 10 "$X's dump has its new xroute $u4/32" dump_has "$X" "^add xroute $u4/32-"
    wait_for 15 "$Y learns $X's new $u4" has_babel_route "${NS[$Y]}" "$u4"
    ip -n "${NS[$X]}" addr del "$u4/32" dev lo
    wait_for 10 "$X's dump no longer has xroute $u4/32" _lacks "$X" "^add xroute $u4/32-"
    n2=$(wc -l <"$T/$M.mon")
    [ "$n2" = "$n" ] || soft_fail "$X kept sending after unmonitor: $(tail -n +$((n + 1)) "$T/$M.mon" | head -3)"
    mon_stop "$M"
    pass "$X: monitor/unmonitor"
done

# ---- runtime lines on the read-write socket ---------------------------------
# Expected answers: what babeld 1.12.1 says (see README.md).
for X in S O; do
    i=${IF[$X]}
    step "$X ($(who "${BM_BIN[$X]}")): runtime lines on the read-write socket (-G)"
    expect_reply "$X" "interface $i hello-interval 2" "ok"
    expect_reply "$X" "xyzzy bogus line" "bad"
    expect_reply "$X" "debug 1" "bad"
    expect_reply "$X" "smoothing-half-life 2" "ok"
    expect_reply "$X" "link-detect true" "ok"
    expect_reply "$X" "log-file $T/$X-probe.log" "ok"
    soft_wait_for 3 "$X creates the new log file $T/$X-probe.log" test -e "$T/$X-probe.log"
    expect_reply "$X" "redistribute local deny" "bad"
    expect_reply "$X" "" "ok"
    expect_reply "$X" "# comment" "ok"
    expect_reply "$X" "flush interface nosuch0" "no No such interface"
    expect_reply "$X" "flush interface $i" "ok"
    dump_lacks "$X" "^add interface $i " || soft_fail "$X: interface $i still in the dump (or no dump) after 'flush interface $i'"
    expect_reply "$X" "interface $i" "ok"
    soft_wait_for 5 "$X: interface $i back in the dump after 'interface $i'" dump_has "$X" "^add interface $i up true"
    out=$(lc "$X" quit); st=$?
    [ $st = 0 ] || soft_fail "$X: 'quit' did not close the connection (status $st): $out"
    alive "$X" || fail "$X died during the probes"
done

# ---- read-only socket (-g) -------------------------------------------------
for X in S O; do
    i=${IF[$X]}
    step "$X ($(who "${BM_BIN[$X]}")): read-only socket (-g)"
    stop_daemon "$X"
    BM_LOCAL="-g $BM_PORT" start_babeld "$X" "${NS[$X]}" "${BM_BIN[$X]}" "$i"
    expect_reply "$X" "interface $i hello-interval 2" "bad"
    expect_reply "$X" "xyzzy bogus line" "bad"
    expect_reply "$X" "debug 1" "bad"
    expect_reply "$X" "smoothing-half-life 2" "bad"
    expect_reply "$X" "link-detect true" "bad"
    expect_reply "$X" "log-file $T/$X-ro.log" "bad"
    [ -e "$T/$X-ro.log" ] && soft_fail "$X: read-only socket still opened the log file"
    expect_reply "$X" "flush interface nosuch0" "bad"
    expect_reply "$X" "flush interface $i" "bad"
    expect_reply "$X" "interface $i" "bad"
    expect_reply "$X" "" "ok"
    expect_reply "$X" "# comment" "ok"
    expect_reply "$X" "unmonitor" "ok"
    out=$(lc "$X" dump monitor unmonitor) || soft_fail "$X: dump/monitor/unmonitor on -g failed: $out"
    [ "$(grep -cx ok <<<"$out")" = 4 ] || soft_fail "$X: dump/monitor/unmonitor on -g: want 3 ok after the greeting: $out"
    out=$(lc "$X" quit); st=$?
    [ $st = 0 ] || soft_fail "$X: 'quit' did not close the read-only connection (status $st)"
done

# ---- UNIX socket path (-G PATH) ---------------------------------------------
for X in S O; do
    i=${IF[$X]}
    step "$X ($(who "${BM_BIN[$X]}")): local interface on a UNIX socket (-G $T/$X.sock)"
    stop_daemon "$X"
    BM_LOCAL="-G $T/$X.sock" start_babeld "$X" "${NS[$X]}" "${BM_BIN[$X]}" "$i"
    [ -S "$T/$X.sock" ] || soft_fail "$X: $T/$X.sock is not a socket"
    out=$(lc "$X" dump quit) || soft_fail "$X: dump+quit over the UNIX socket failed: $out"
    [[ $(head -n 1 <<<"$out") == "BABEL 1.0" ]] || soft_fail "$X: no greeting on the UNIX socket: $out"
    grep -Eq "^add interface $i up true" <<<"$out" || soft_fail "$X: UNIX-socket dump lacks interface $i: $out"
    ip netns exec "${NS[$X]}" ss -ltn "sport = :$BM_PORT" | grep -q LISTEN &&
        soft_fail "$X listens on TCP port $BM_PORT although only -G PATH was given"
    stop_daemon "$X"
    [ "${BM_RC[$X]}" = 0 ] || soft_fail "$X exited with status ${BM_RC[$X]} on SIGTERM (babeld: 0)"
    [ -e "$T/$X.sock" ] && soft_fail "$X left its socket $T/$X.sock behind (babeld removes it)"
    [ -e "$T/$X.pid" ] && soft_fail "$X left its pid file $T/$X.pid behind (babeld removes it)"
done
finish
