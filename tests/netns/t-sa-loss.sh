#!/bin/bash
# Source-Active flooding under loss: a chain of 10 of our daemons N0 - ... - N9
# (loopbacks 10.254.0.(i+1)/32, fd00:bb::(i+1)/128, hello-interval 1,
# sa-lifetime 10).  Once it has settled, every namespace drops 10 % of the
# Babel packets it receives (nftables numgen on udp dport 6696), so every
# SA copy and every Ack crosses a lossy link.  Then:
#   - 20 SAs from N0 and 20 from N9 (IPv4 and IPv6) reach every node within
#     5 s (the time is printed, with the retransmissions it took);
#   - they stay everywhere through two refresh periods (no expiry under loss);
#   - withdrawn, they leave every node within 5 s.
. "$(dirname "$0")/lib.sh"
need_root; need_ours
command -v nft >/dev/null || fail "nft (nftables) is needed for the loss"

NN=10
LIFETIME=10
LOSS=10
declare -a N

for ((i = 0; i < NN; i++)); do
    ns_new "N[$i]" "N$i"
    lo_addr "${N[$i]}" "$(lo4 $((i + 1)))/32" "$(lo6 $((i + 1)))/128"
done
for ((i = 0; i < NN - 1; i++)); do
    veth "${N[$i]}" vr "${N[$((i + 1))]}" vl
done
for ((i = 0; i < NN; i++)); do
    ifs=""
    [ $i -gt 0 ] && ifs="$ifs vl"
    [ $i -lt $((NN - 1)) ] && ifs="$ifs vr"
    # shellcheck disable=SC2086
    start_babeld "N$i" "${N[$i]}" "$OURS" -C "sa-lifetime $LIFETIME" $ifs
done

_ends_settled() {
    local miss="" p
    for p in "$(lo4 $NN)" "$(lo6 $NN)"; do has_babel_route "${N[0]}" "$p" || miss="$miss N0->$p"; done
    for p in "$(lo4 1)" "$(lo6 1)"; do has_babel_route "${N[$((NN - 1))]}" "$p" || miss="$miss N9->$p"; done
    BM_WHY="missing:$miss"
    [ -z "$miss" ]
}
step "chain of $NN: wait until the ends see each other"
waited_for 60 "N0 and N9 have each other's loopbacks" _ends_settled

step "$LOSS % random loss of Babel packets into every namespace"
for ((i = 0; i < NN; i++)); do
    ip netns exec "${N[$i]}" nft -f - <<EOF || fail "nft in ${N[$i]}"
table inet lossy {
    chain in {
        type filter hook input priority 0;
        udp dport 6696 numgen random mod 100 < $LOSS counter drop
    }
}
EOF
done

# 10 IPv4 and 10 IPv6 SAs from each end
sa_cmds() {   # sa_cmds NODE_INDEX PREFIX(sa-announce|flush sa-announce)
    local i=$1 what=$2 k
    for ((k = 1; k <= 10; k++)); do
        printf '%s\n' "$what $(lo4 $((i + 1))) 239.$((i + 10)).0.$k"
        printf '%s\n' "$what $(lo6 $((i + 1))) ff0e::$((i + 10)):$k"
    done
}
TOTAL=40
# a dump that fails prints "dump-failed", never a count (not even 0)
_count_sa() { local d; d=$(dump "$1") || { echo dump-failed; return 1; }; printf '%s\n' "$d" | grep -c '^add sa '; }
_all_have() {   # every node lists exactly $1 SAs
    local i c miss=""
    for ((i = 0; i < NN; i++)); do
        c=$(_count_sa "N$i")
        [ "$c" = "$1" ] || miss="$miss N$i:$c"
    done
    BM_WHY="nodes with a different count:$miss"
    [ -z "$miss" ]
}

step "20 SAs from N0 and 20 from N9: on every node within 5 s"
mapfile -t c0 < <(sa_cmds 0 sa-announce)
mapfile -t c9 < <(sa_cmds $((NN - 1)) sa-announce)
t0=$(_now_ms)
lc N0 "${c0[@]}" >"$T/a0.out" || fail "sa-announce at N0"
lc N9 "${c9[@]}" >"$T/a9.out" || fail "sa-announce at N9"
grep -q '^no' "$T/a0.out" "$T/a9.out" && fail "an sa-announce was refused"
waited_for 5 "all $TOTAL SAs on all $NN nodes" _all_have $TOTAL
note "all $TOTAL SAs everywhere $(( $(_now_ms) - t0 )) ms after the announcements"

retx=0; sent=0; drops=0
for ((i = 0; i < NN; i++)); do
    st=$(dump "N$i" | grep '^add sa-stats')
    r=$(printf '%s\n' "$st" | sed -n 's/.* retransmits \([0-9]*\).*/\1/p')
    s=$(printf '%s\n' "$st" | sed -n 's/.* sent \([0-9]*\).*/\1/p')
    retx=$((retx + ${r:-0})); sent=$((sent + ${s:-0}))
    d=$(ip netns exec "${N[$i]}" nft list chain inet lossy in | sed -n 's/.*packets \([0-9]*\).*/\1/p')
    drops=$((drops + ${d:-0}))
done
note "SA entries sent $sent, of which $retx retransmissions; Babel packets dropped by nft: $drops"
[ "$drops" -gt 0 ] || soft_fail "nft dropped nothing: the loss is not in effect"
pass "every SA everywhere despite $LOSS % loss"

step "they stay through two refresh periods ($((LIFETIME * 2 / 3 + 1)) s)"
until_ms=$(( $(_now_ms) + (LIFETIME * 2 / 3 + 1) * 1000 ))
samples=0
while [ "$(_now_ms)" -lt "$until_ms" ]; do
    _all_have $TOTAL || soft_fail "an SA went missing under loss: $BM_WHY"
    samples=$((samples + 1))
    sleep 0.5
done
pass "no SA lost in $samples samples"

step "withdraw all 40: gone from every node within 5 s"
mapfile -t f0 < <(sa_cmds 0 "flush sa-announce")
mapfile -t f9 < <(sa_cmds $((NN - 1)) "flush sa-announce")
t0=$(_now_ms)
lc N0 "${f0[@]}" >"$T/f0.out" || fail "flush at N0"
lc N9 "${f9[@]}" >"$T/f9.out" || fail "flush at N9"
waited_for 5 "no SA left on any node" _all_have 0
note "all withdrawn everywhere $(( $(_now_ms) - t0 )) ms after the flushes"
pass "withdrawals under loss"
finish
