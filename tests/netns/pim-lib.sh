#!/bin/bash
# tests/netns/pim-lib.sh -- what the PIM tests share (bash, sourced after
# lib.sh):
#   need_pimd                 FAIL unless Debian's pimd is unpacked (tools/install-deps)
#   pimd_start NAME NS CONF   run pimd in NS with its own config and a private
#                             /run (a tmpfs in a mount namespace of its own);
#                             its debug output goes to $T/NAME.pimd.out
#   pimd_show NAME            pimd -r (its VIF and routing tables) in its mount namespace
#   pimd_vif_line NAME IF     the line of pimd's VIF table for interface address IF
#   pim_inject NS IF DST HEX [fix]   one raw PIM message (tests/tools/pim_tool.py)
#   pim_stat NAME KEY         a counter of NAME's pim-stats record
PIMD=${PIMD:-/opt/babeld-mcr-peers/pimd/usr/sbin/pimd}
PIM_TOOL="$BM_REPO/tests/tools/pim_tool.py"
declare -A PIMD_PID

need_pimd() {
    [ -x "$PIMD" ] || fail "pimd not found at $PIMD (tools/install-deps unpacks Debian's pimd there)"
    command -v python3 >/dev/null || fail "python3 is needed"
}

pimd_start() {
    local name=$1 ns=$2 conf=$3
    note "start pimd $name in $ns: $(tr '\n' ';' <"$conf")"
    ip netns exec "$ns" unshare -m sh -c \
        "mount -t tmpfs tmpfs /run && exec $PIMD -f -c $conf --debug=pim_hello,pim_neighbors,pim_jp,pim_asserts -s debug" \
        >"$T/$name.pimd.out" 2>&1 </dev/null &
    PIMD_PID[$name]=$!
    BM_EXTRA_PIDS+=("$!")
    wait_for 10 "pimd $name answers pimd -r" pimd_show "$name"
}

pimd_show() {
    local pid=${PIMD_PID[$1]}
    kill -0 "$pid" 2>/dev/null || { BM_WHY="pimd $1 is not running"; return 1; }
    nsenter -t "$pid" -m -n timeout 5 "$PIMD" -r 2>&1
}

pimd_stop() {
    local pid=${PIMD_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    PIMD_PID[$1]=
}

pim_inject() {
    local ns=$1 ifn=$2 dst=$3 hex=$4 fix=${5:-}
    ip netns exec "$ns" python3 "$PIM_TOOL" inject --ifname "$ifn" --dst "$dst" --hex "$hex" \
        ${fix:+--fix-checksum} || fail "pim_tool inject $hex from $ns failed"
}

pim_stat() {
    dump "$1" | awk -v k="$2" '$2 == "pim-stats" {for (i = 3; i < NF; i++) if ($i == k) {print $(i + 1); exit}}'
}

# pim_stop_checked NAME...: SIGTERM each of our daemons (their goodbyes and
# prunes go out), then fail if any reported a sanitizer error (an ASan build)
# or exited with a non-zero status.
pim_stop_checked() {
    local name
    for name; do
        stop_daemon "$name"
        grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/$name.out" \
            && fail "$name reported a sanitizer error: $(grep -Em1 'ERROR|runtime error' "$T/$name.out")"
        [ "${BM_RC[$name]:-0}" = 0 ] || fail "$name exited with status ${BM_RC[$name]}"
    done
}

# pim_count NAME [unique]: datagrams a pim_tool listener NAME received so far
# (or how many distinct ones); pim_progress NAME N: at least N received.
pim_count() {
    local r u
    read -r r u <"$T/$1.progress" 2>/dev/null || { echo 0; return; }
    if [ "${2:-}" = unique ]; then echo "${u:-0}"; else echo "${r:-0}"; fi
}
pim_progress() { [ "$(pim_count "$1")" -ge "$2" ]; }
