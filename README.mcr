babeld-mcr: the multicast extensions
====================================

babeld-mcr is a Babel router first (README.md).  On top of the Babel core it is to carry:

- Source-Active TLVs: every node learns every active multicast source (an MSDP replacement);
- per-peer link metrics (cost, RTT, loss) for other subsystems to read;
- the mcast normalizer: multicast from unroutable sources re-sourced from a routable VIP;
- IGMP/PIM and a multicast RIB whose RPF comes from Babel;
- the GEM gateway: encrypted, signed multicast over a user-space ESP tunnel or a veth;
- a policy engine choosing the egress per peer from live metrics.

The design is in ../shared/DESIGN.md.  This file documents each extension's directives,
local-interface records and wire formats as they land.

Per-peer link metrics
---------------------

babel/metrics.h is the one view of the Babel core that the other subsystems use: for every
neighbour its cost, rxcost, txcost, RTT and the loss rate estimated from its Hello history;
for a destination prefix, an address (longest match, for RPF) or a router-id, the selected
route's metric, next hop, interface and feasibility; and subscriptions to their changes.

The local interface shows the figures in a record of their own, so babeld's neighbour
record stays exactly as babeld prints it:

    add link-metrics 100 address fe80::58ac:88ff:fe7f:b84a if eth0 cost 96 rxcost 96 txcost 96 rtt 0.000 rttcost 0 loss 0.00

The first field is the neighbour's id, as in its `neighbour` record; `rtt` is in
milliseconds (0.000 until timestamps give a sample); `loss` is the fraction of the Hellos
the history expected (up to the last 16) that did not arrive.  `monitor` sends
`change link-metrics ...` when a neighbour's cost changes, and `flush` when it goes.

Status
------

Works today:
- The Babel core (babel/): Hello/IHU with 2-out-of-3 (wired, tunnel) and ETX (wireless)
  link costs, RTT from timestamps when enabled, route selection with feasibility,
  smoothing and hysteresis, triggered and periodic updates, retractions, expiry with a
  route request before it, seqno requests for starvation and their forwarding, split
  horizon, IPv4 (AE 1 with a next hop, or AE 4 v4-via-v6) and IPv6, source-specific IPv6
  routes.  Interoperates with Debian's babeld 1.12 (checked in namespaces: ours - stock -
  ours and stock - ours - stock, metric 192 over two wired hops).
- Kernel through libmnl: routes installed with protocol 42, stale ones flushed at start,
  all removed at exit; local addresses and import tables redistributed through the
  redistribute filters; links, addresses and routes followed through notifications.
- babeld.conf and the command line: every babeld 1.12 option, interface parameter, key and
  filter; errors name the file, line and reason.
- Local interface: TCP on ::1 and UNIX sockets, read-only and read-write, babeld 1.12's
  greeting and record formats, dump, monitor, unmonitor, quit; run-time interface,
  default, filter, key, log-file, debug, link-detect and smoothing-half-life lines.
- Per-peer link metrics (babel/metrics.h) and the link-metrics record.
- The extension surface (babel/extension.h): handlers for TLV types 224-254, callbacks on
  neighbour and route changes, extra local-interface records.

Not yet:
- MAC authentication (RFC 8967): keys are parsed, but the daemon refuses to start (or a
  run-time line is answered `no`) when an interface names one, rather than run
  unauthenticated.
- IPv4 source-specific routes are not installed (the kernel has none; babeld uses rules).
- Unicast Hellos are understood but never sent (`unicast true` sends updates and IHUs to
  each neighbour, Hellos still by multicast, as babeld does).
- Diversity routing (-z, diversity) is accepted and ignored.
- A retracted route is removed from the kernel at once; babeld keeps it installed as
  unreachable until it expires.
- None of the multicast extensions exist yet: no SA TLVs, normalizer, IGMP/PIM, GEM or
  policy.
