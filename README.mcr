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
