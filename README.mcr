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

MAC authentication (RFC 8967)
-----------------------------

`key id ID type hmac-sha256|blake2s128 value HEX` defines a key and `interface IF key ID`
turns authentication on for that interface, as in babeld.  Every packet sent there
carries a PC TLV (type 17) as the last TLV of its body and a MAC TLV (type 16) in the
trailer; every packet received there is processed only if a MAC TLV verifies with the
interface's key and its packet counter is fresh.  `accept-bad-signatures true` processes
packets without a valid MAC anyway (they are still counted); replays are dropped
regardless.  What interoperates with Debian's babeld 1.12.1, as observed on the wire:

- The MAC covers the pseudo-header (source address, source port, destination address,
  destination port: 16 + 2 + 16 + 2 bytes; both ports 6696) and the packet from its
  header to the end of the body.  hmac-sha256 is HMAC-SHA-256 of the key as given (1 to
  64 bytes; HMAC pads it); blake2s128 is keyed BLAKE2s with a 16-byte output and the key
  as given (1 to 32 bytes, not padded).  Both come from OpenSSL 3 (EVP_MAC).
- One 8-byte index, random at every start, and one 32-bit counter starting at 0 per
  interface, shared by its multicast and unicast packets.  A receiver keeps, per
  neighbour, the index and the last counter of multicast and of unicast packets apart
  (babeld 1.12.1 does the same: it takes a unicast packet whose counter is below that
  of a multicast packet it accepted, but never one at or below the last unicast one).
- A packet from an unknown index (the neighbour restarted, or we did) is dropped and
  answered with a unicast Challenge Request (type 18, 8-byte random nonce, at most one
  per neighbour every 300 ms); the packet carrying the matching Challenge Reply (type
  19) within 5 s makes its index and counter the reference.  Challenge Requests are
  answered at once by a unicast Challenge Reply.  A restart on either side costs a
  round trip; after adopting a new index we send the neighbour our whole table.
- Key rollover at run time (read-write socket): `key id NEW ...` then
  `interface IF key NEW`.  For 30 s the previous key is still accepted and every packet
  carries one MAC per key, so neighbours still on the old key (stock babeld among them)
  and those already on the new one both accept it.  (babeld 1.12.1 answers `ok` to a
  run-time key change but keeps signing with the key it started with.)

Counters, one record per interface that has (or had) a key, in `dump`:

    add mac-stats if eth0 keys 1 sent 102 received 71 accepted 69 no-mac 0 bad-mac 0 accepted-bad 0 replayed 0 no-pc 0 unknown-index 2 challenge-requests 2 challenge-replies 1 challenges-ok 1 old-key 10

`keys` is the number of keys in use (2 during a rollover); `sent` packets signed;
`received` packets that arrived; `accepted` the authenticated and fresh ones; `no-mac`
packets without a MAC TLV and `bad-mac` those whose MACs all fail (`accepted-bad`: of
those, processed under accept-bad-signatures); `replayed` a counter not above the last;
`no-pc` authenticated packets without a PC TLV; `unknown-index` those dropped pending a
challenge; `challenge-requests` and `challenge-replies` sent; `challenges-ok` indexes
adopted; `old-key` packets that verified only with the previous key.

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
- MAC authentication (RFC 8967, babel/mac.h): hmac-sha256 and blake2s128 keys, replay
  protection, challenges after a restart, run-time key rollover and the mac-stats
  record; interoperates with Debian's babeld (tests/netns/t-mac-*).
- The extension surface (babel/extension.h): handlers for TLV types 224-254, callbacks on
  neighbour and route changes, extra local-interface records.

Not yet:
- IPv4 Babel transport (and so RFC 8967's pseudo-header with 4-byte addresses) does not
  exist; Babel runs over IPv6 link-local, as babeld does by default.
- IPv4 source-specific routes are not installed (the kernel has none; babeld uses rules).
- Unicast Hellos are understood but never sent (`unicast true` sends updates and IHUs to
  each neighbour, Hellos still by multicast, as babeld does).
- Diversity routing (-z, diversity) is accepted and ignored.
- None of the multicast extensions exist yet: no SA TLVs, normalizer, IGMP/PIM, GEM or
  policy.
