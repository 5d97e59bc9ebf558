#!/bin/bash
# A configuration error must stop the daemon at once, before it touches the
# system.  Requirement for ours: exit status non-zero within 1 s, a message on
# stderr naming the file, the line (3) and the reason (the offending word),
# no route installed, no local socket, no pid file, no process left.
#
# Stock babeld 1.12.1 is run on the same inputs first, as the reference for the
# system-side checks; its messages are shown.  What it does (see README.md):
#   exit status 1, on stderr only (even with -L):
#   "Couldn't parse configuration from file F (error at line N)." with no
#   reason, and N is one too high when the error is in a value at the end of
#   a line ("interface X hello-interval foo" on line 3 reports line 4).
#   -C with an error: "Couldn't parse configuration from command line."
#   -c missing file: "... from file F (error at line 0)."
. "$(dirname "$0")/lib.sh"
need_root; need_ours; need_stock

ns_new NSO O; ns_new NSS S
veth "$NSO" o-s "$NSS" s-o
lo_addr "$NSO" 10.254.0.1/32 fd00:bb::1/128
lo_addr "$NSS" 10.254.0.2/32 fd00:bb::2/128
step "roles: S=$(who "$STOCK") announces routes; the daemon under test runs in $NSO on o-s"
start_babeld S "$NSS" "$STOCK" s-o

printf '%s\n' '# babeld-mcr test: the error is on line 3' 'default hello-interval 1' \
    'this-is-not-a-directive 42' 'redistribute local allow' >"$T/unknown.conf"
printf '%s\n' '# babeld-mcr test: the error is on line 3' 'default hello-interval 1' \
    'interface o-s hello-interval notanumber' 'redistribute local allow' >"$T/badvalue.conf"

# run_bad LABEL BIN ARGS...: start, require exit != 0 within 1 s and no trace.
# Sets RB_OUT (stderr+stdout) and RB_RC.
RUNS=0
SENTINEL=192.0.2.77
run_bad() {
    local label=$1 bin=$2 name; shift 2
    RUNS=$((RUNS + 1)); name=bad$RUNS
    step "$label: $(who "$bin") $*"
    # a stale route of ours: a daemon that flushed such routes before reading
    # its configuration would remove it
    ip -n "$NSO" route replace "$SENTINEL" dev o-s proto babel || fail "cannot plant $SENTINEL proto babel"
    has_babel_route "$NSO" "$SENTINEL" || fail "the planted $SENTINEL proto babel is not there"
    BM_EXPECT_EXIT=1 start_raw "$name" "$NSO" "$bin" -I "$T/$name.pid" -L "$T/$name.log" -S "$T/$name.state" \
        -G "$BM_PORT" "$@" o-s
    if ! _poll 1 _not_alive "$name"; then
        soft_fail "$label: $(who "$bin") still running 1 s after start with a bad configuration"
        stop_daemon "$name" KILL
    else
        wait_exit "$name"
    fi
    RB_RC=${BM_RC[$name]}
    RB_OUT=$(cat "$T/$name.out")
    note "exit status $RB_RC; stderr: $(printf '%s' "$RB_OUT" | tr '\n' '|')"
    [ "$RB_RC" != 0 ] || soft_fail "$label: exit status 0 with a bad configuration"
    has_babel_route "$NSO" "$SENTINEL" ||
        soft_fail "$label: the stale route $SENTINEL proto babel was removed"
    if babel_routes "$NSO" | grep -v "^$SENTINEL " | grep -q .; then
        soft_fail "$label: routes installed: $(babel_routes "$NSO" | tr '\n' '|')"
    fi
    ip -n "$NSO" route flush proto babel; ip -n "$NSO" -6 route flush proto babel
    # stock babeld 1.12.1 creates neither either: it stops before opening them
    [ -e "$T/$name.state" ] && soft_fail "$label: state file $T/$name.state created"
    [ -e "$T/$name.log" ] && soft_fail "$label: log file $T/$name.log created"
    ip netns exec "$NSO" ss -ltnH "sport = :$BM_PORT" | grep -q . &&
        soft_fail "$label: something listens on port $BM_PORT"
    [ -e "$T/$name.pid" ] && soft_fail "$label: pid file $T/$name.pid left behind"
    [ -n "$(ip netns pids "$NSO")" ] && soft_fail "$label: processes left in $NSO: $(ip netns pids "$NSO" | tr '\n' ' ')"
    [ -n "$RB_OUT" ] || soft_fail "$label: nothing printed on stderr"
    if [ -s "$T/$name.log" ] && ! grep -q . "$T/$name.out"; then
        soft_fail "$label: the message went to the -L log file only; babeld prints it on stderr"
    fi
}

# message_names FILE LINE WORD: stderr names the file, the line and the reason
message_names() {
    local f=$1 line=$2 word=$3 m
    m=$(grep -F -- "$f" <<<"$RB_OUT")
    [ -n "$m" ] || { soft_fail "ours: the message does not name the file $f: '$RB_OUT'"; return; }
    grep -Eq "(line $line([^0-9]|\$)|$f:$line([^0-9]|\$))" <<<"$m" ||
        soft_fail "ours: the message does not name line $line ('line $line' or '$f:$line'): '$m'"
    grep -qF -- "$word" <<<"$RB_OUT" ||
        soft_fail "ours: the message gives no reason mentioning '$word': '$RB_OUT'"
}

for who_ in stock ours; do
    if [ $who_ = stock ]; then bin=$STOCK; else bin=$OURS; fi
    run_bad "$who_, unknown directive on line 3" "$bin" -c "$T/unknown.conf"
    [ $who_ = ours ] && message_names "$T/unknown.conf" 3 this-is-not-a-directive
    run_bad "$who_, bad value on line 3" "$bin" -c "$T/badvalue.conf"
    [ $who_ = ours ] && message_names "$T/badvalue.conf" 3 notanumber
    run_bad "$who_, bad -C directive" "$bin" -C 'this-is-not-a-directive 42'
    run_bad "$who_, missing -c file" "$bin" -c "$T/does-not-exist.conf"
    [ $who_ = ours ] && { grep -qF "$T/does-not-exist.conf" <<<"$RB_OUT" ||
        soft_fail "ours: the message does not name the missing file: '$RB_OUT'"; }
done
if [ "$OURS" = "$STOCK" ]; then
    note "BABELD is stock babeld: the message checks above are babeld-mcr requirements"
    note "(file + line + reason); stock gives no reason and reports a wrong line for bad values"
fi
finish
