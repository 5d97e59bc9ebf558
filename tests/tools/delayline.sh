#!/bin/bash
# tests/tools/delayline.sh -- sourced by netns tests (after tests/netns/lib.sh)
# to put delay lines between endpoint namespaces.  Several can run at once,
# each known by its ROLE (the middle namespace is "$BM_PFX$ROLE").
#
#   dl_find                      set $DELAYLINE: $DELAYLINE if set, else the one
#                                `make tools` built (if not older than its
#                                source), else compile tests/tools/delayline.c
#                                into $T
#   dl_link ROLE NSA IFA NSB IFB ARGS...
#                                create the middle namespace with two veths,
#                                IFA (in NSA) <-> m-a and IFB (in NSB) <-> m-b,
#                                no addresses in the middle (IPv6 disabled there),
#                                and start "delayline -a m-a -b m-b ARGS..." in
#                                it; returns once it reports ready
#   dl_restart ROLE ARGS...      stop it (frames it still holds are lost) and
#                                start it again in the same place with ARGS
#   dl_stop ROLE                 SIGTERM it, wait for it, check it exited with
#                                status 0 and print its summary line (the
#                                cleanup trap of lib.sh kills it on any exit)
#   dl_summary ROLE              its summary line (after dl_stop)

DL_SRC="$BM_REPO/tests/tools/delayline.c"
declare -A DL_PID DL_NS

dl_find() {
    local built="$BM_REPO/${BUILD:-build}/tests/tools/delayline"
    if [ -n "${DELAYLINE:-}" ]; then
        [ -x "$DELAYLINE" ] || fail "DELAYLINE=$DELAYLINE is not executable"
    elif [ -x "$built" ] && [ ! "$DL_SRC" -nt "$built" ]; then
        DELAYLINE=$built
    else
        note "compiling $DL_SRC into $T (make tools builds $built)"
        ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -O2 -o "$T/delayline" "$DL_SRC" \
            >"$T/delayline.cc" 2>&1 || { cat "$T/delayline.cc" >&2; fail "cannot compile $DL_SRC"; }
        DELAYLINE=$T/delayline
    fi
}

_dl_ready() { grep -q ': ready:' "$T/dl-$1.err" 2>/dev/null; }
_dl_gone() { ! kill -0 "${DL_PID[$1]}" 2>/dev/null; }
_dl_ready_or_gone() { _dl_ready "$1" || _dl_gone "$1"; }

dl_link() {
    local role=$1 nsa=$2 ifa=$3 nsb=$4 ifb=$5 dl_ns; shift 5
    [ -n "${DELAYLINE:-}" ] || dl_find
    ns_new dl_ns "$role"
    DL_NS[$role]=$dl_ns
    # The middle is a wire, not a host: no IPv6 addresses (nor RS, MLD) there.
    ip netns exec "$dl_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 || fail "disable IPv6 in $dl_ns"
    veth "$nsa" "$ifa" "$dl_ns" m-a
    veth "$nsb" "$ifb" "$dl_ns" m-b
    _dl_start "$role" "$@"
}

_dl_start() {
    local role=$1 dl_ns=${DL_NS[$1]}; shift
    note "start delay line $role in $dl_ns: delayline -a m-a -b m-b $*"
    ip netns exec "$dl_ns" "$DELAYLINE" -a m-a -b m-b "$@" >"$T/dl-$role.err" 2>&1 </dev/null &
    DL_PID[$role]=$!
    BM_EXTRA_PIDS+=("$!")
    wait_for 5 "delay line $role reports ready" _dl_ready_or_gone "$role"
    if _dl_gone "$role"; then
        sed 's/^/    /' "$T/dl-$role.err" >&2
        fail "delay line $role exited at start"
    fi
    note "$role: $(grep ': ready:' "$T/dl-$role.err")"
}

dl_restart() {
    local role=$1; shift
    dl_stop "$role"
    _dl_start "$role" "$@"
}

dl_stop() {
    local role=$1 rc
    [ -n "${DL_PID[$role]:-}" ] || return 0
    kill -TERM "${DL_PID[$role]}" 2>/dev/null
    wait_for 5 "delay line $role (pid ${DL_PID[$role]}) exits on SIGTERM" _dl_gone "$role"
    wait "${DL_PID[$role]}" 2>/dev/null
    rc=$?
    DL_PID[$role]=
    [ $rc = 0 ] || soft_fail "delay line $role exited with status $rc on SIGTERM (expected 0)"
    note "$role: $(dl_summary "$role")"
}

dl_summary() { grep -v ': ready:' "$T/dl-$1.err" | tail -n 1; }
