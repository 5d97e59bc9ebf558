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
# 16-Hello history has filled (18 s after the neighbour appears), 12 dumps
# are taken 1 s apart and for each daemon:
#   - every finite cost equals babeld's (max(rx,256) * max(tx,256) + 128) >> 8;
#   - the median rxcost is within [300, 520] and the median cost within
#     [380, 800] (a daemon ignoring the loss shows 256, a broken one 65535);
#   - if ours prints an "add link-metrics ... loss F" record, the median of F
#     is within 0.30 +- 0.15 (the record is optional for now).
. "$(dirname "$0")/lib.sh"
. "$BM_REPO/tests/tools/delayline.sh"
need_root; need_ours; need_stock

LOSS=30
FILL=18
SAMPLES=12
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

has_nb() { dump "$1" | grep -Eq "^add neighbour .* if $2 reach "; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "none" && v >= lo && v <= hi) }'; }

setup SS "$STOCK"
setup OS "$OURS"
NAMES=(SSx SSs OSx OSs)
declare -A IFOF=([SSx]=x-s [SSs]=s-x [OSx]=x-s [OSs]=s-x)

step "neighbours appear, then the Hello history fills (${FILL} s)"
t0=$(_now_ms)
for n in "${NAMES[@]}"; do
    wait_for 15 "$n sees its neighbour on ${IFOF[$n]}" has_nb "$n" "${IFOF[$n]}"
done
_filled() { [ $(( $(_now_ms) - t0 )) -ge $((FILL * 1000)) ]; }
wait_for $((FILL + 5)) "${FILL} s of Hellos since the neighbours appeared" _filled

step "$SAMPLES dumps, 1 s apart"
for k in $(seq "$SAMPLES"); do
    [ "$k" = 1 ] || sleep 1           # sampling interval, not a wait for a state
    for n in "${NAMES[@]}"; do
        dump "$n" | grep -E "^add (neighbour|link-metrics) .* if ${IFOF[$n]} " |
            sed "s/^/$k /" >>"$T/$n.samples"
    done
done

RE_NB='^([0-9]+) add neighbour [^ ]+ address [^ ]+ if [^ ]+ reach ([0-9a-f]{4}) ureach [0-9a-f]{4} rxcost ([0-9]+) txcost ([0-9]+)( rtt [0-9.]+ rttcost [0-9]+)? cost ([0-9]+)$'
for n in "${NAMES[@]}"; do
    rxs=() costs=() bad=0 line=
    while IFS= read -r line; do
        [[ $line =~ $RE_NB ]] || continue
        k=${BASH_REMATCH[1]} reach=${BASH_REMATCH[2]} rx=${BASH_REMATCH[3]}
        tx=${BASH_REMATCH[4]} cost=${BASH_REMATCH[6]}
        rxs+=("$rx"); costs+=("$cost")
        note "$n dump $k: reach $reach rxcost $rx txcost $tx cost $cost"
        if [ "$rx" -lt 65535 ] && [ "$tx" -lt 65535 ]; then
            a=$(( rx < 256 ? 256 : rx )) b=$(( tx < 256 ? 256 : tx ))
            etx=$(( (a * b + 128) >> 8 ))
            [ "$etx" -gt 65535 ] && etx=65535
            if [ "$cost" != "$etx" ]; then
                bad=$((bad + 1))
                note "    ^ cost $cost, but (max(rx,256) * max(tx,256) + 128) >> 8 = $etx"
            fi
        fi
    done <"$T/$n.samples"
    [ ${#costs[@]} = "$SAMPLES" ] || soft_fail "$n: neighbour line in ${#costs[@]} of $SAMPLES dumps"
    mrx=$(printf '%s\n' "${rxs[@]}" | median)
    mcost=$(printf '%s\n' "${costs[@]}" | median)
    figs="median rxcost $mrx (ETX 366), median cost $mcost (ETX 522)"
    [ $bad = 0 ] || soft_fail "$n: $bad dumps with a cost that is not the ETX of its rxcost and txcost"
    if in_range "$mrx" 300 520 && in_range "$mcost" 380 800; then
        pass "$n: $figs"
    else
        soft_fail "$n: $figs; expected rxcost in [300, 520] and cost in [380, 800]"
    fi
done

step "link-metrics record (ours)"
for n in OSx; do
    losses=$(sed -n 's/^[0-9]* add link-metrics .* loss \([0-9.]*\)\( .*\)\{0,1\}$/\1/p' "$T/$n.samples")
    if [ -z "$losses" ]; then
        note "$n: link-metrics record not present yet"
        continue
    fi
    grep ' add link-metrics ' "$T/$n.samples" | sed 's/^/    /' | head -n 3
    ml=$(printf '%s\n' $losses | median)
    if in_range "$ml" 0.15 0.45; then
        pass "$n: link-metrics median loss $ml (expected 0.30 +- 0.15; samples: $(echo $losses))"
    else
        soft_fail "$n: link-metrics median loss $ml, expected 0.30 +- 0.15 (samples: $(echo $losses))"
    fi
done

step "loss actually applied"
if [ "$VIA" = nft ]; then
    for p in SS OS; do
        note "$p: Babel packets dropped/received by X: $(nft_loss "${NSX[$p]}"), by S: $(nft_loss "${NSS[$p]}")"
    done
else
    for p in SS OS; do dl_stop "${p}M"; done
fi
finish
