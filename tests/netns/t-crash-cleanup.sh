#!/bin/bash
# Crash and restart: O (ours) learns routes from S (stock); kill -9 O: its
# proto-babel routes stay in the kernel; restart O: stale routes (for prefixes
# S no longer announces, and a planted proto-babel route) are flushed at start
# and no prefix has two routes; SIGTERM: exit status 0, every route O
# installed is removed, pid file removed.
#
# NOTE: flushing stale routes at start is a babeld-mcr requirement.  Stock
# babeld 1.12.1 does NOT do it: after a kill -9 and restart it leaves the
# stale routes in the kernel for ever (it only removes routes it installed
# itself).  It also refuses to start while the -I pid file of the killed
# instance exists ("creat(PIDFILE): File exists", exit 1), so the test removes
# the pid file before restarting, as a supervisor would.
. "$(dirname "$0")/lib.sh"
need_root; need_ours; need_stock

ns_new NSO O; ns_new NSS S
veth "$NSO" o-s "$NSS" s-o
lo_addr "$NSO" 10.254.0.1/32 fd00:bb::1/128
lo_addr "$NSS" 10.254.0.2/32 fd00:bb::2/128 10.254.0.20/32 fd00:bb::20/128
step "roles: O=$(who "$OURS") on o-s   S=$(who "$STOCK") on s-o"
start_babeld S "$NSS" "$STOCK" s-o
start_babeld O "$NSO" "$OURS" o-s
for p in 10.254.0.2 fd00:bb::2 10.254.0.20 fd00:bb::20; do
    wait_for 15 "O installs S's $p as proto babel" has_babel_route "$NSO" "$p"
done
pass "O learnt S's four prefixes"

step "kill -9 O: its routes stay"
stop_daemon O KILL
for p in 10.254.0.2 fd00:bb::2 10.254.0.20 fd00:bb::20; do
    has_babel_route "$NSO" "$p" || fail "route to $p vanished after kill -9 (the kernel keeps it)"
done
pass "routes survive kill -9"

step "while O is down: S stops announcing .20/::20, and a stale route is planted"
ip -n "$NSS" addr del 10.254.0.20/32 dev lo
ip -n "$NSS" addr del fd00:bb::20/128 dev lo
ip -n "$NSO" route add 10.254.9.9/32 dev o-s proto babel || fail "cannot plant 10.254.9.9/32 proto babel"
ip -n "$NSO" -6 route add fd00:bb:9::9/128 dev o-s proto babel || fail "cannot plant fd00:bb:9::9/128 proto babel"
for p in 10.254.9.9 fd00:bb:9::9; do
    has_babel_route "$NSO" "$p" || fail "the planted stale route $p proto babel is not in O's table"
done
note "O's proto-babel routes before restart: $(babel_routes "$NSO" | tr '\n' '|')"
rm -f "$T/O.pid"     # a stale pid file makes babeld 1.12 refuse to start

step "restart O: stale routes flushed, fresh ones installed once"
start_babeld O "$NSO" "$OURS" o-s
STALE="10.254.0.20 fd00:bb::20 10.254.9.9 fd00:bb:9::9"
stale_gone() {
    local p
    for p in $STALE; do no_babel_route_any "$NSO" "$p" || return 1; done
}
flushed=1
if ! soft_wait_for 5 "restarted O flushes the stale proto-babel routes to $STALE" stale_gone; then
    flushed=0
    for p in $STALE; do
        no_babel_route_any "$NSO" "$p" || note "still there: $(babel_routes "$NSO" | awk -v p="$p" '$1 == p')"
    done
fi
for p in 10.254.0.2 fd00:bb::2; do
    wait_for 15 "restarted O has a route to S's $p" has_babel_route "$NSO" "$p"
done
# exactly one route per prefix, and only the prefixes S announces
only_current() {
    local r
    r=$(babel_routes "$NSO" | awk '{print $1}' | sort | tr '\n' ' ')
    [ "$r" = "10.254.0.2 fd00:bb::2 " ]
}
soft_wait_for 15 "O's proto-babel table is exactly one route to 10.254.0.2 and one to fd00:bb::2" \
    only_current || flushed=0
[ $flushed = 1 ] && pass "stale routes flushed at start"
[ "$OURS" = "$STOCK" ] && [ $flushed = 0 ] &&
    note "(expected with stock babeld 1.12.1, which keeps stale routes: a babeld-mcr requirement)"

step "SIGTERM O: every route it installed is removed"
stop_daemon O TERM
[ "${BM_RC[O]}" = 0 ] || soft_fail "O exited with status ${BM_RC[O]} on SIGTERM (babeld: 0)"
for p in 10.254.0.2 fd00:bb::2; do
    no_babel_route_any "$NSO" "$p" || soft_fail "route to $p still there after O's clean exit"
done
if [ $flushed = 1 ]; then
    r=$(babel_routes "$NSO")
    [ -z "$r" ] || soft_fail "proto-babel routes left after O's clean exit: $(tr '\n' '|' <<<"$r")"
else
    note "(not checking for an empty table: the stale routes were not flushed)"
fi
[ -e "$T/O.pid" ] && soft_fail "O left its pid file behind (babeld removes it at exit)"
finish
