#!/bin/bash
# Source-Active TLVs under RFC 8967 MAC authentication: a line A - B - C of
# ours with the same hmac-sha256 key on every link, and D (ours) hanging off B
# with another key.  An SA announced at A reaches C (its TLVs, Acknowledgment
# Requests and Acks travel in authenticated packets); D, whose packets B
# rejects (and which rejects B's), never becomes a peer and never learns it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mac-lib.sh"
need_root; need_ours

ns_new NSA A; ns_new NSB B; ns_new NSC C; ns_new NSD D
veth "$NSA" a-b "$NSB" b-a
veth "$NSB" b-c "$NSC" c-b
veth "$NSB" b-d "$NSD" d-b
i=1
for ns in "$NSA" "$NSB" "$NSC" "$NSD"; do
    lo_addr "$ns" "$(lo4 $i)/32" "$(lo6 $i)/128"
    i=$((i + 1))
done
K1=(-C "key id k1 type hmac-sha256 value $KEY_SHA")
start_babeld A "$NSA" "$OURS" "${K1[@]}" -C "interface a-b key k1" a-b
start_babeld B "$NSB" "$OURS" "${K1[@]}" -C "interface b-a key k1" -C "interface b-c key k1" \
    -C "interface b-d key k1" b-a b-c b-d
start_babeld C "$NSC" "$OURS" "${K1[@]}" -C "interface c-b key k1" c-b
start_babeld D "$NSD" "$OURS" -C "key id k1 type hmac-sha256 value $KEY_SHA2" \
    -C "interface d-b key k1" d-b

_settled() { has_babel_route "$NSA" "$(lo4 3)" && has_babel_route "$NSC" "$(lo4 1)"; }
step "A - B - C with one key, D with another"
waited_for 30 "A and C have each other's loopbacks" _settled
waited_for 10 "B rejects D's packets (bad-mac on b-d)" stat_gt B b-d bad-mac 2

# accepted/no-mac of every interface of A, B and C except b-d, before the SA exchange
declare -A ACC0
for n in A B C; do
    for ifn in $(dump "$n" | awk '$2 == "mac-stats" { print $4 }'); do
        [ "$ifn" = b-d ] && continue
        ACC0[$n/$ifn]=$(mac_stat "$n" "$ifn" accepted)
    done
done
[ "${#ACC0[@]}" = 4 ] || fail "expected 4 mac-stats records on A, B, C (not b-d): ${!ACC0[*]}"
S=$(lo4 1); G=239.8.8.8
step "sa-announce $S $G at A: at C within 1 s, never at D"
t0=$(_now_ms)
out=$(lc A "sa-announce $S $G") || fail "lc A: $out"
RE="^add sa [0-9a-f]{16} source ${S//./\\.} group ${G//./\\.} "
waited_for 1 "C has A's SA" dump_has C "$RE"
note "at C after $(( $(_now_ms) - t0 )) ms (including the polling)"
sleep 2
dD=$(dump D) || fail "no dump from D"
printf '%s\n' "$dD" | grep -Eq "^add sa " && soft_fail "D (wrong key) learnt an SA"
printf '%s\n' "$dD" | grep -Eq '^add sa-stats ' &&
    soft_fail "D counted SA traffic: $(printf '%s\n' "$dD" | grep '^add sa-stats')"
# D does get B's packets, and rejects them for their MAC
stat_gt D d-b bad-mac 2 || soft_fail "D's bad-mac on d-b does not rise: $BM_WHY"
st=$(dump B | grep '^add sa-stats')
note "B: $st"
printf '%s\n' "$st" | grep -q ' gave-up 0 ' || soft_fail "B gave up on a copy: $st"
printf '%s\n' "$st" | grep -q ' malformed 0 ' || soft_fail "B counted malformed TLVs: $st"
for n in A B C; do
    for ifn in $(dump "$n" | awk '$2 == "mac-stats" { print $4 }'); do
        [ "$ifn" = b-d ] && continue
        stat_eq "$n" "$ifn" bad-mac 0
        stat_eq "$n" "$ifn" no-mac 0
        stat_gt "$n" "$ifn" accepted "${ACC0[$n/$ifn]:-0}" ||
            soft_fail "$n $ifn accepted nothing across the SA exchange (${ACC0[$n/$ifn]} before): $BM_WHY"
    done
done
pass "SA flooded over authenticated links only"

step "flush sa-announce at A: gone from C"
out=$(lc A "flush sa-announce $S $G") || fail "lc A: $out"
_c_lacks() { ! dump_has C "$RE"; }
waited_for 2 "C drops the withdrawn SA" _c_lacks
finish
