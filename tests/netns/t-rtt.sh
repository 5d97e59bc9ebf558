#!/bin/bash
# RTT from Hello/IHU timestamps across a delay line (tests/tools/delayline),
# 20 ms each way, so the RTT is 40 ms:
#
#   X (x-m) ---- [ M: delayline -d 20 ] ---- (s-m) S
#
# Four copies of this topology run side by side; S is stock in all of them:
#   S96, O96:   X = stock, X = ours; max-rtt-penalty 96 (the figures of the
#               issue: rttcost = 96 * (rtt - 10) / 110, about 26 at 40 ms)
#   S1k, O1k:   the same with max-rtt-penalty 1100, i.e. 10 cost units per
#               millisecond of RTT, which makes rttcost show the RTT to 0.1 ms
#               and so whether it is computed from the RTT in microseconds, as
#               babeld does, or from the RTT cut to whole milliseconds.
# Every daemon runs with default hello-interval 1, enable-timestamps true,
# max-rtt-penalty P, rtt-min 10, rtt-max 120, and the checks are the same for
# every daemon (stock's passing in S96 and S1k proves that the expectations
# are babeld 1.12's own):
#   - its dump shows the neighbour with "rtt R rttcost C" within 30 s;
#   - within 90 s more (the smoothed RTT must forget the first samples, which
#     babeld 1.12 often makes about twice too high; it moves 42/256 of the way
#     to each new sample, one per full IHU, every 3 s) R is within 20 % of 40 ms
#     and rxcost = txcost = 96 (wired, 2-out-of-3);
#   - then in each of 5 dumps taken 1 s apart:
#       C = P * (R - 10) / (120 - 10) within 3 (rounding, jitter),
#       cost = 96 + C, the peer's loopbacks (v4 and v6, refmetric 0) have
#       metric 96 + C,
#       and with P = 1100: C = floor(1100 * (R_us - 10000) / 110000) exactly,
#       R_us being the smoothed RTT in microseconds as printed.
. "$(dirname "$0")/lib.sh"
. "$BM_REPO/tests/tools/delayline.sh"
need_root; need_ours; need_stock
dl_find

ONEWAY=20
RTT_NOM=$((2 * ONEWAY))
SNAPSHOTS=5
declare -A PENALTY

# setup P BIN PENALTY: namespaces ${P}X ${P}S ${P}M, daemons ${P}x (BIN) and
# ${P}s (stock)
setup() {
    local p=$1 bin=$2 nsx nss opts
    PENALTY[$p]=$3
    step "$p: $(who "$bin") (x-m) -- delay line ${ONEWAY} ms each way -- (s-m) $(who "$STOCK"), max-rtt-penalty ${PENALTY[$p]}"
    opts=(-C 'default enable-timestamps true' -C "default max-rtt-penalty ${PENALTY[$p]}"
          -C 'default rtt-min 10' -C 'default rtt-max 120')
    ns_new nsx "${p}X"; ns_new nss "${p}S"
    lo_addr "$nsx" "$(lo4 1)/32" "$(lo6 1)/128"
    lo_addr "$nss" "$(lo4 2)/32" "$(lo6 2)/128"
    dl_link "${p}M" "$nsx" x-m "$nss" s-m -d "$ONEWAY"
    start_babeld "${p}x" "$nsx" "$bin" "${opts[@]}" x-m
    start_babeld "${p}s" "$nss" "$STOCK" "${opts[@]}" s-m
}

RE_NBRTT='^add neighbour [0-9a-f]+ address [^ ]+ if ([^ ]+) reach ([0-9a-f]{4}) ureach [0-9a-f]{4} rxcost ([0-9]+) txcost ([0-9]+) rtt ([0-9]+\.[0-9]{3}) rttcost ([0-9]+) cost ([0-9]+)$'

# has_rtt NAME IF: the neighbour on IF is shown with an RTT
has_rtt() { dump "$1" | grep -Eq "^add neighbour .* if $2 .* rtt [0-9.]+ rttcost [0-9]+ cost "; }

# route_metric DUMP PREFIX IF -> metric of the installed route with refmetric 0
route_metric() {
    printf '%s\n' "$1" | awk -v p="$2" -v i="$3" '
        $1 == "add" && $2 == "route" && $5 == p && $9 == "yes" && $NF == i {
            for (k = 1; k < NF; k++) {
                if ($k == "metric") m = $(k + 1)
                if ($k == "refmetric") r = $(k + 1)
            }
            if (r == 0) { print m; exit }
        }'
}

# nb_parse NAME IF: one dump into D; the neighbour's fields into RX TX RTT RC COST
nb_parse() {
    local l
    D=$(dump "$1") || { WHY="no dump"; return 1; }
    l=$(printf '%s\n' "$D" | grep -E "^add neighbour .* if $2 ")
    [[ $l =~ $RE_NBRTT ]] || { WHY="neighbour line without rtt: '$l'"; return 1; }
    RX=${BASH_REMATCH[3]} TX=${BASH_REMATCH[4]} RTT=${BASH_REMATCH[5]}
    RC=${BASH_REMATCH[6]} COST=${BASH_REMATCH[7]}
}

# converged NAME IF: RTT within 20 % of the nominal one, wired costs 96
converged() {
    local lo hi
    WHY=
    nb_parse "$1" "$2" || return 1
    lo=$(awk -v n=$RTT_NOM 'BEGIN { print n * 0.8 }'); hi=$(awk -v n=$RTT_NOM 'BEGIN { print n * 1.2 }')
    awk -v r="$RTT" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(r >= lo && r <= hi) }' ||
        { WHY="rtt $RTT ms not within 20 % of $RTT_NOM ms"; return 1; }
    [ "$RX" = 96 ] && [ "$TX" = 96 ] || { WHY="rxcost $RX txcost $TX, expected 96 96 (wired)"; return 1; }
}

# costs_ok NAME IF PEER PENALTY: one dump, the cost checks; sets WHY and FIG
costs_ok() {
    local name=$1 ifn=$2 peer=$3 pen=$4 approx exact us m4 m6
    WHY= FIG=
    nb_parse "$name" "$ifn" || return 1
    approx=$(awk -v r="$RTT" -v p="$pen" 'BEGIN { e = p * (r - 10) / 110; if (e < 0) e = 0; if (e > p) e = p; printf "%.1f", e }')
    us=$((10#${RTT/./}))
    if [ $us -le 10000 ]; then exact=0
    elif [ $us -ge 120000 ]; then exact=$pen
    else exact=$(( pen * (us - 10000) / 110000 )); fi
    m4=$(route_metric "$D" "$(lo4 "$peer")/32" "$ifn")
    m6=$(route_metric "$D" "$(lo6 "$peer")/128" "$ifn")
    FIG="rtt $RTT ms, rttcost $RC ($pen*(rtt-10)/110 = $approx), rxcost $RX txcost $TX cost $COST, route metric v4 ${m4:-none} v6 ${m6:-none}"
    if [ "$pen" -gt 96 ] && [ "$RC" != "$exact" ]; then
        WHY="rttcost $RC, but babeld's formula on rtt $RTT ms gives exactly $exact"
        [ $((RC % (pen / 110))) = 0 ] && WHY="$WHY (a multiple of $((pen / 110)): rtt cut to whole milliseconds?)"
        return 1
    fi
    awk -v c="$RC" -v e="$approx" 'BEGIN { d = c - e; if (d < 0) d = -d; exit !(d <= 3) }' ||
        { WHY="rttcost $RC, expected $approx +-3"; return 1; }
    [ "$COST" = $((96 + RC)) ] || { WHY="cost $COST, expected 96 + rttcost $RC = $((96 + RC))"; return 1; }
    [ "${m4:-}" = $((96 + RC)) ] || { WHY="v4 route metric ${m4:-none}, expected $((96 + RC))"; return 1; }
    [ "${m6:-}" = $((96 + RC)) ] || { WHY="v6 route metric ${m6:-none}, expected $((96 + RC))"; return 1; }
    return 0
}

# check P SIDE PEER LABEL: daemon ${P}SIDE on SIDE-m, whose neighbour has loopback PEER
check() {
    local p=$1 name=$1$2 ifn=$2-m peer=$3 label="$1 $4" s k bad=0 first=
    s=$(_now_ms)
    soft_wait_for 30 "$label ($name) shows an RTT for its neighbour on $ifn" has_rtt "$name" "$ifn" ||
        return
    nb_parse "$name" "$ifn"
    note "$label: first RTT shown after $(( $(_now_ms) - s )) ms: rtt $RTT ms"
    s=$(_now_ms)
    if ! _poll 90 converged "$name" "$ifn"; then
        converged "$name" "$ifn"
        soft_fail "$label: not converged after 90 s: $WHY"
        return
    fi
    note "$label: converged after $(( $(_now_ms) - s )) ms: rtt $RTT ms"
    for k in $(seq $SNAPSHOTS); do
        [ "$k" = 1 ] || sleep 1       # sampling interval, not a wait for a state
        if costs_ok "$name" "$ifn" "$peer" "${PENALTY[$p]}"; then
            note "$label: dump $k: $FIG"
        else
            bad=$((bad + 1)); [ -n "$first" ] || first=$WHY
            note "$label: dump $k: WRONG: $WHY [$FIG]"
        fi
    done
    if [ $bad = 0 ]; then
        pass "$label: $SNAPSHOTS dumps agree with babeld's RTT cost"
    else
        soft_fail "$label: $bad of $SNAPSHOTS dumps wrong, first: $first"
    fi
}

setup S96 "$STOCK" 96
setup O96 "$OURS" 96
setup S1k "$STOCK" 1100
setup O1k "$OURS" 1100

for p in S96 O96 S1k O1k; do
    if [ "${p#S}" != "$p" ]; then xw=stock; else xw=ours; fi
    step "$p: $xw -- stock, max-rtt-penalty ${PENALTY[$p]}"
    check "$p" x 2 "$xw(x) sees stock(s)"
    check "$p" s 1 "stock(s) sees $xw(x)"
done

step "delay lines"
for p in S96 O96 S1k O1k; do dl_stop "${p}M"; done
finish
