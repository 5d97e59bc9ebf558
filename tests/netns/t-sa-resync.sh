#!/bin/bash
# Source-Active re-synchronisation after a link outage that does not flush the
# neighbour.  A - B - C, ours, sa-lifetime 120 (refreshes every 40 s, so a
# refresh cannot make up for what was lost); the A-B link has hello-interval
# 2 on both sides, so a neighbour is flushed only after 16 missed Hellos
# (32 s), while its cost becomes infinite after a few.
#   - B drops every Babel packet on b-a (nftables; the links stay up);
#   - once both sides see the link's cost infinite, A announces a new SA,
#     withdraws an old one, and C announces one (B learns it, A cannot);
#   - the outage lasts 13 s more: longer than A's and B's retransmissions
#     (given up after 8 copies, 11 s), shorter than the neighbour's flush;
#   - when the packets flow again, within 8 s: C has A's new SA and not the
#     withdrawn one, and A has C's SA, without waiting for a refresh.
. "$(dirname "$0")/lib.sh"
need_root; need_ours
command -v nft >/dev/null 2>&1 || fail "nft not found (tools/install-deps installs nftables)"

ns_new NSA A; ns_new NSB B; ns_new NSC C
veth "$NSA" a-b "$NSB" b-a
veth "$NSB" b-c "$NSC" c-b
lo_addr "$NSA" 10.254.0.1/32
lo_addr "$NSB" 10.254.0.2/32
lo_addr "$NSC" 10.254.0.3/32
start_babeld A "$NSA" "$OURS" -C "sa-lifetime 120" -C "interface a-b hello-interval 2" a-b
start_babeld B "$NSB" "$OURS" -C "sa-lifetime 120" -C "interface b-a hello-interval 2" b-a b-c
start_babeld C "$NSC" "$OURS" -C "sa-lifetime 120" c-b

sa_re() { printf '^add sa [0-9a-f]{16} source %s group %s origin ' "$1" "$2"; }
# cost_of NAME IF: the cost of NAME's neighbour on IF (empty when none)
cost_of() { dump "$1" | awk -v i="$2" '$1 == "add" && $2 == "neighbour" {
    for (k = 3; k < NF; k++) { if ($k == "if") f = $(k + 1); if ($k == "cost") c = $(k + 1) }
    if (f == i) print c }'; }
cost_inf() { [ "$(cost_of "$1" "$2")" = 65535 ]; }
cost_up() { local c; c=$(cost_of "$1" "$2"); [ -n "$c" ] && [ "$c" -lt 65535 ]; }
has_neighbour() { [ -n "$(cost_of "$1" "$2")" ]; }
ok_line() {
    local out
    out=$(lc "$1" "$2") || fail "lc $1: $out"
    printf '%s\n' "$out" | grep -qx ok || fail "$1 refused '$2': $out"
}

step "A - B - C settle; A's SA (10.254.0.1, 239.1.1.1) reaches C"
waited_for 40 "C routes A's loopback" has_babel_route "$NSC" 10.254.0.1
wait_for 20 "A routes C's loopback" has_babel_route "$NSA" 10.254.0.3
ok_line A "sa-announce 10.254.0.1 239.1.1.1"
wait_for 5 "C has A's first SA" dump_has C "$(sa_re 10.254.0.1 239.1.1.1)"
pass "settled"

step "B drops every Babel packet on b-a; wait until both sides see the link's cost infinite"
ip netns exec "$NSB" nft -f - <<'EOF' || fail "nft rules in B"
table inet cut {
    chain in { type filter hook input priority 0; iifname "b-a" udp dport 6696 drop; }
    chain out { type filter hook output priority 0; oifname "b-a" udp dport 6696 drop; }
}
EOF
waited_for 20 "A sees the cost of its neighbour on a-b infinite" cost_inf A a-b
waited_for 20 "B sees the cost of its neighbour on b-a infinite" cost_inf B b-a
TCUT=$(_now_ms)
ok_line A "sa-announce 10.254.0.1 239.2.2.2"
ok_line A "flush sa-announce 10.254.0.1 239.1.1.1"
ok_line C "sa-announce 10.254.0.3 239.3.3.3"
wait_for 5 "B has C's SA" dump_has B "$(sa_re 10.254.0.3 239.3.3.3)"
pass "changes made during the outage"

step "the outage lasts 13 s (beyond 11 s of retransmissions), neighbours not flushed"
# Deliberately long, not a wait for a condition: what is checked is what
# happens after the retransmissions have given up.
while [ $(( $(_now_ms) - TCUT )) -lt 13000 ]; do
    sleep 1
    has_neighbour A a-b || fail "A flushed its neighbour on a-b: the outage is too long for this test"
    has_neighbour B b-a || fail "B flushed its neighbour on b-a: the outage is too long for this test"
done
dump_has C "$(sa_re 10.254.0.1 239.2.2.2)" && fail "C has A's new SA during the outage: the cut leaks"
dump_has A "$(sa_re 10.254.0.3 239.3.3.3)" && fail "A has C's SA during the outage: the cut leaks"
note "A: $(dump A | grep '^add sa-stats')"
pass "13 s of outage"

step "packets flow again: C and A catch up within 8 s (no refresh due for ~$(( (40000 - ($(_now_ms) - TCUT)) / 1000 )) s)"
ip netns exec "$NSB" nft delete table inet cut || fail "removing the nft rules in B"
TUP=$(_now_ms)
waited_for 20 "A sees its neighbour on a-b usable again" cost_up A a-b
_synced() {
    local dc da
    dc=$(dump C) && da=$(dump A) || return 1
    BM_WHY=""
    grep -Eq "$(sa_re 10.254.0.1 239.2.2.2)" <<<"$dc" || BM_WHY="$BM_WHY C lacks A's new SA;"
    grep -Eq "$(sa_re 10.254.0.1 239.1.1.1)" <<<"$dc" && BM_WHY="$BM_WHY C still has the withdrawn SA;"
    grep -Eq "$(sa_re 10.254.0.3 239.3.3.3)" <<<"$da" || BM_WHY="$BM_WHY A lacks C's SA;"
    [ -z "$BM_WHY" ]
}
wait_for 8 "A and C re-synchronised over the restored link" _synced
note "re-synchronised $(( $(_now_ms) - TUP )) ms after the packets flowed again"
note "B: $(dump B | grep '^add sa-stats')"
pass "re-synchronised"
finish
