#!/bin/sh
# The quick start: install the dependencies, build, and run our babeld in one
# network namespace next to Debian's babeld in another.  It shows the route
# each learned from the other, a ping across, and our local interface's dump.
# Everything it creates is removed when it ends.  Run as root.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it creates network namespaces)" >&2; exit 1; }
if [ "${SKIP_INSTALL:-}" != 1 ]; then
    sh tools/install-deps >/dev/null
fi
./configure >/dev/null
make -s
tmp=$(mktemp -d)
a=demoA$$ b=demoB$$
cleanup() {
    [ -f "$tmp/a.pid" ] && kill "$(cat "$tmp/a.pid")" 2>/dev/null || true
    [ -f "$tmp/b.pid" ] && kill "$(cat "$tmp/b.pid")" 2>/dev/null || true
    sleep 0.5
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add $a
ip netns add $b
ip link add demo0 netns $a type veth peer name demo1 netns $b
for ns in $a $b; do ip -n $ns link set lo up; done
ip -n $a link set demo0 up
ip -n $b link set demo1 up
ip -n $a addr add 192.0.2.1/32 dev lo
ip -n $a addr add 2001:db8::1/128 dev lo
ip -n $b addr add 192.0.2.2/32 dev lo
ip -n $b addr add 2001:db8::2/128 dev lo
echo "== starting our babeld in $a and Debian's babeld in $b"
ip netns exec $a ./babeld -D -I "$tmp/a.pid" -L "$tmp/a.log" -S "$tmp/a.state" -g 33123 \
    -C 'default hello-interval 1' demo0
ip netns exec $b /usr/sbin/babeld -D -I "$tmp/b.pid" -L "$tmp/b.log" -S "$tmp/b.state" \
    -C 'default hello-interval 1' demo1
i=0
until ip -n $a route show proto babel | grep -q 192.0.2.2 &&
      ip -n $b route show proto babel | grep -q 192.0.2.1; do
    i=$((i + 1))
    [ $i -lt 150 ] || { echo "no route after 15 s; logs:"; cat "$tmp"/*.log; exit 1; }
    sleep 0.1
done
echo "== routes learned over Babel in $a (ours):"
ip -n $a route show proto babel
ip -n $a -6 route show proto babel
echo "== routes learned over Babel in $b (Debian's babeld):"
ip -n $b route show proto babel
echo "== ping from $a to $b's loopback:"
ip netns exec $a ping -c 1 -W 1 -I 192.0.2.1 192.0.2.2 | tail -2
echo "== our local interface (echo dump | nc ::1 33123):"
ip netns exec $a sh -c 'echo dump | nc -q 1 ::1 33123'
