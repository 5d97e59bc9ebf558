#!/bin/bash
# ETX link cost under 30 % loss of Babel packets in both directions.
#
#   X (x-s) -------- (s-x) S        both interfaces "type wireless" (link
#                                   quality estimation), hello-interval 1
#
# Each endpoint drops 30 % of the Babel packets it receives, at random, with
# nftables (numgen random mod 100 < 30 on udp dport 6696, input hook); with
# BM_LOSS_VIA=delayline (or when nft is missing) the link goes through
# tests/tools/delayline -l 30 instead, which drops 30 % of all frames.
# Two copies run side by side: SS with X = stock and OS with X = ours; S is
# stock in both, and the checks are the same for every daemon, so stock's
# passing proves the expectations are babeld 1.12's own.
#
# With a fraction p of Hellos and IHUs getting through each way, ETX predicts
# rxcost = 256 / p (366 for p = 0.7) and cost = 256 / p^2 (522).  Once the
# 16-Hello history has filled (18 s after the neighbours appear), 30 dumps are
# taken 1 s apart, and for each daemon:
#   - every dump has the neighbour, and its rxcost is an ETX estimate of the
#     reach it prints: babeld's 0x8000 * 256 / (sreach + 1), sreach weighting
#     the three latest Hellos (bits 15, 14 and 13) 0x2000 each, or the plain
#     256 * C / (Hellos received of the last C), C = 16 once the history has
#     filled (ours counts only the C slots it has filled);
#   - every finite cost is babeld's (max(rx,256) * max(tx,256) + 128) >> 8;
#   - in more than half of the dumps rxcost > 256 (the loss is seen), in at least 2/3 the
#     cost is finite, and the median cost is within [300, 1500]: a daemon
#     blind to loss shows 256, a broken one 65535.  (Over 30 s of 30 % random
#     loss babeld's own median cost strays outside [380, 800] in a few % of
#     runs, its rxcost following mostly the last three Hellos; the figures
#     are printed with the ETX predictions, nominal and from the loss the
#     nft counters or the delay line actually applied.)
#   - if ours prints an "add link-metrics ... loss F" record: in every dump
#     F = 1 - (Hellos received of the last C) / C as the reach shows, and
#     the mean of F is within 0.15 of the loss actually applied to S -> X
#     (nominally 0.30).  If the record is missing, this is only reported.
. "$(dirname "$0")/lib.sh"
. "$BM_REPO/tests/tools/delayline.sh"
need_root; need_ours; need_stock

LOSS=30
FILL=18
SAMPLES=30
VIA=${BM_LOSS_VIA:-nft}
if [ "$VIA" = nft ] && ! command -v nft >/dev/null 2>&1; then
    note "nft not found: losing packets with the delay line instead"
    VIA=delayline
fi
[ "$VIA" = delayline ] && dl_find
OPTS=(-C 'default type wireless')
declare -A NSX NSS

lossy() {   # lossy NS: drop $LOSS % of the Babel packets NS receives
    ip netns exec "$1" nft -f - <<EOF || fail "nft rules in $1"
table inet lossy {
    chain in {
        type filter hook input priority 0;
        udp dport 6696 counter numgen random mod 100 < $LOSS counter drop
    }
}
EOF
}

# nft_loss NS -> "dropped/seen" of Babel packets received by NS
nft_loss() {
    ip netns exec "$1" nft list chain inet lossy in |
        awk '/udp dport 6696/ { n = 0; for (i = 1; i <= NF; i++) if ($i == "packets") c[++n] = $(i + 1)
                                 print c[2] "/" c[1] }'
}

setup() {   # setup P BIN
    local p=$1 bin=$2 nsx nss
    step "$p: $(who "$bin") (x-s) -- ${LOSS} % loss each way ($VIA) -- (s-x) $(who "$STOCK"), type wireless"
    ns_new nsx "${p}X"; ns_new nss "${p}S"
    NSX[$p]=$nsx; NSS[$p]=$nss
    lo_addr "$nsx" "$(lo4 1)/32" "$(lo6 1)/128"
    lo_addr "$nss" "$(lo4 2)/32" "$(lo6 2)/128"
    if [ "$VIA" = nft ]; then
        veth "$nsx" x-s "$nss" s-x
        lossy "$nsx"; lossy "$nss"
    else
        dl_link "${p}M" "$nsx" x-s "$nss" s-x -l "$LOSS"
    fi
    start_babeld "${p}x" "$nsx" "$bin" "${OPTS[@]}" x-s
    start_babeld "${p}s" "$nss" "$STOCK" "${OPTS[@]}" s-x
}

# has_hello NAME IF: the neighbour on IF has had a Hello counted (reach not 0)
has_hello() { dump "$1" | grep -Eq "^add neighbour .* if $2 reach ([1-9a-f][0-9a-f]{3}|0[1-9a-f][0-9a-f]{2}|00[1-9a-f][0-9a-f]|000[1-9a-f]) "; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "none" && v >= lo && v <= hi) }'; }

setup SS "$STOCK"
setup OS "$OURS"
NAMES=(SSx SSs OSx OSs)
declare -A IFOF=([SSx]=x-s [SSs]=s-x [OSx]=x-s [OSs]=s-x)

step "first Hellos counted, then the Hello history fills (${FILL} s)"
t0=$(_now_ms)
for n in "${NAMES[@]}"; do
    wait_for 15 "$n has counted a Hello from its neighbour on ${IFOF[$n]}" has_hello "$n" "${IFOF[$n]}"
done
_filled() { [ $(( $(_now_ms) - t0 )) -ge $((FILL * 1000)) ]; }
wait_for $((FILL + 5)) "${FILL} s of Hellos since the first ones" _filled

step "$SAMPLES dumps, 1 s apart"
for k in $(seq "$SAMPLES"); do
    [ "$k" = 1 ] || sleep 1           # sampling interval, not a wait for a state
    for n in "${NAMES[@]}"; do
        dump "$n" | grep -E "^add (neighbour|link-metrics) .* if ${IFOF[$n]} " |
            sed "s/^/$k /" >>"$T/$n.samples"
    done
done

RE_NB='^([0-9]+) add neighbour [^ ]+ address [^ ]+ if [^ ]+ reach ([0-9a-f]{4}) ureach [0-9a-f]{4} rxcost ([0-9]+) txcost ([0-9]+)( rtt [0-9.]+ rttcost [0-9]+)? cost ([0-9]+)$'

popcount() { local n=$1 c=0; while [ "$n" -gt 0 ]; do c=$((c + (n & 1))); n=$((n >> 1)); done; echo $c; }
# babeld 1.12's ETX rxcost of a reach (neighbour_rxcost, link quality on)
rx_babeld() {
    local r=$((16#$1)) s
    [ $((r & 0xfff0)) = 0 ] && { echo 65535; return; }
    s=$(( ((r & 0x8000) >> 2) + ((r & 0x4000) >> 1) + (r & 0x3fff) ))
    s=$(( 0x8000 * 256 / (s + 1) )); echo $(( s > 65535 ? 65535 : s ))
}
# rx_plain REACH RX: is RX the unweighted estimate 256 * C / (received of the
# last C Hellos) for some history length C (16 once the history has filled, less
# after a restart of it)?  Prints C, or nothing.
rx_plain() {
    local r=$((16#$1)) c got
    for c in $(seq 16 -1 1); do
        got=$(popcount $(( r >> (16 - c) )))
        [ "$got" -gt 0 ] && [ $((256 * c / got)) = "$2" ] && { echo "$c"; return; }
    done
}

# loss actually applied in each copy: REAL S -> X, REAL2 X -> S
declare -A REAL REAL2
frac() { awk -v r="$1" 'BEGIN { split(r, a, "/"); if (a[2] > 0) printf "%.3f", a[1] / a[2]; else print "none" }'; }
if [ "$VIA" = nft ]; then
    for p in SS OS; do
        REAL[$p]=$(frac "$(nft_loss "${NSX[$p]}")"); REAL2[$p]=$(frac "$(nft_loss "${NSS[$p]}")")
        note "$p: Babel packets dropped/received by X: $(nft_loss "${NSX[$p]}"), by S: $(nft_loss "${NSS[$p]}")"
    done
else
    for p in SS OS; do
        dl_stop "${p}M"
        REAL[$p]=$(frac "$(dl_summary "${p}M" | sed -n 's/.*m-b->m-a received \([0-9]*\) forwarded [0-9]* lost \([0-9]*\) .*/\2\/\1/p')")
        REAL2[$p]=$(frac "$(dl_summary "${p}M" | sed -n 's/.*m-a->m-b received \([0-9]*\) forwarded [0-9]* lost \([0-9]*\) .*/\2\/\1/p')")
    done
fi

declare -A HLEN
for n in "${NAMES[@]}"; do
    p=${n:0:2}
    rxs=() costs=() bad=0 seen=0 finite=0 form_b=0 form_p=0 line= why2=
    while IFS= read -r line; do
        [[ $line =~ $RE_NB ]] || continue
        k=${BASH_REMATCH[1]} reach=${BASH_REMATCH[2]} rx=${BASH_REMATCH[3]}
        tx=${BASH_REMATCH[4]} cost=${BASH_REMATCH[6]}
        rxs+=("$rx"); costs+=("$cost")
        [ "$rx" -gt 256 ] && seen=$((seen + 1))
        [ "$cost" -lt 65535 ] && finite=$((finite + 1))
        rb=$(rx_babeld "$reach") hl=$(rx_plain "$reach" "$rx") why=
        HLEN[$n.$k]=$hl
        if [ "$rx" = "$rb" ]; then form_b=$((form_b + 1))
        elif [ -n "$hl" ]; then
            form_p=$((form_p + 1))
            [ "$hl" = 16 ] || why2="$why2 $k:$hl"
        else why="rxcost $rx is neither babeld's $rb nor 256*C/received of the last C Hellos for reach $reach"; fi
        if [ -z "$why" ] && [ "$rx" -lt 65535 ] && [ "$tx" -lt 65535 ]; then
            a=$(( rx < 256 ? 256 : rx )) b=$(( tx < 256 ? 256 : tx ))
            etx=$(( (a * b + 128) >> 8 ))
            [ "$etx" -gt 65535 ] && etx=65535
            [ "$cost" = "$etx" ] || why="cost $cost, but (max(rx,256) * max(tx,256) + 128) >> 8 = $etx"
        fi
        note "$n dump $k: reach $reach rxcost $rx txcost $tx cost $cost${why:+   <-- $why}"
        [ -z "$why" ] || bad=$((bad + 1))
    done <"$T/$n.samples"
    got=${#costs[@]}
    [ "$got" = "$SAMPLES" ] || soft_fail "$n: neighbour line in $got of $SAMPLES dumps"
    [ $bad = 0 ] || soft_fail "$n: $bad dumps whose rxcost is no ETX estimate of its reach, or whose cost is not the ETX of its rxcost and txcost"
    mrx=$(printf '%s\n' "${rxs[@]}" | median)
    mcost=$(printf '%s\n' "${costs[@]}" | median)
    pred=$(awk -v a="${REAL[$p]}" -v b="${REAL2[$p]}" 'BEGIN { if (a == "none" || b == "none") print "n/a"; else printf "%.0f", 256 / ((1 - a) * (1 - b)) }')
    figs="median rxcost $mrx, median cost $mcost (ETX at 30 %: 366, 522; at the loss applied: cost $pred); rxcost from babeld's formula in $form_b dumps, from 256*C/received in $form_p"
    [ "$form_p" -gt 0 ] && [ "$form_b" = 0 ] &&
        note "$n: rxcost is 256 * 16 / received, not babeld's weighted 0x8000 * 256 / (sreach + 1)"
    [ -z "$why2" ] || note "$n: history shorter than 16 Hellos in dump:length$why2"
    in_range "$mcost" 380 800 || note "$n: median cost $mcost outside [380, 800] (can happen by chance, see the header)"
    # "rxcost > 256" needs more than half the dumps, not two thirds: stock
    # babeld weights its newest Hellos, so a run of received ones brings its
    # rxcost back to 256 even at 30 % loss (a stock-stock pair once showed it in
    # 19 of 30 dumps with 23 % actually dropped); the median cost is the figure.
    if [ $((2 * seen)) -gt "$got" ] && [ $((3 * finite)) -ge $((2 * got)) ] && in_range "$mcost" 300 1500; then
        pass "$n: $figs"
    else
        soft_fail "$n: $figs; rxcost > 256 in $seen (need more than half) and finite cost in $finite (need 2/3) of $got dumps, median cost within [300, 1500]"
    fi
done

step "link-metrics record (ours)"
for n in OSx; do
    if ! grep -q ' add link-metrics .* loss [0-9.]*' "$T/$n.samples"; then
        soft_fail "$n: no link-metrics record with a loss figure in our dumps"
        continue
    fi
    losses=() bad=0
    for k in $(seq "$SAMPLES"); do
        l=$(sed -n "s/^$k add link-metrics .* loss \([0-9.]*\)\( .*\)\{0,1\}\$/\1/p" "$T/$n.samples")
        r=$(sed -n "s/^$k add neighbour .* reach \([0-9a-f]\{4\}\) .*/\1/p" "$T/$n.samples")
        [ -n "$l" ] && [ -n "$r" ] || { bad=$((bad + 1)); note "$n dump $k: no link-metrics loss or no reach"; continue; }
        losses+=("$l")
        hl=${HLEN[$n.$k]:-16}
        want=$(awk -v g="$(popcount $(( 16#$r >> (16 - hl) )))" -v c="$hl" 'BEGIN { printf "%.2f", 1 - g / c }')
        if awk -v a="$l" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.006) }'; then
            note "$n dump $k: loss $l, reach $r"
        else
            bad=$((bad + 1)); note "$n dump $k: loss $l, but reach $r (last $hl Hellos) says $want   <--"
        fi
    done
    grep ' add link-metrics ' "$T/$n.samples" | sed 's/^/    /' | head -n 2
    ml=$(printf '%s\n' "${losses[@]}" | awk '{ s += $1 } END { if (NR) printf "%.3f", s / NR; else print "none" }')
    [ $bad = 0 ] || soft_fail "$n: $bad dumps whose link-metrics loss is not what the Hello history shows"
    if awk -v m="$ml" -v r="${REAL[OS]}" 'BEGIN { if (m == "none" || r == "none") exit 1; d = m - r; if (d < 0) d = -d; exit !(d <= 0.15) }'; then
        pass "$n: link-metrics mean loss $ml (applied S -> X: ${REAL[OS]}, nominal 0.30)"
    else
        soft_fail "$n: link-metrics mean loss $ml, not within 0.15 of the loss applied S -> X: ${REAL[OS]} (nominal 0.30)"
    fi
done

step "loss actually applied"
for p in SS OS; do note "$p: S -> X ${REAL[$p]}, X -> S ${REAL2[$p]} ($VIA)"; done
finish
