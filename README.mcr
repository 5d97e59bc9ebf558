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

Source-Active TLVs
------------------

Every node learns every active multicast source: "source S is sending to group G",
originated by one router and flooded reliably through the Babel mesh (what MSDP does
between RPs).  The table lives in mcast/sa.c; the TLV codec, bytes <-> structs only, in
mcast/sa_codec.c.

    sa-announce SOURCE GROUP      # originate an SA (IPv4 or IPv6, same family)
    sa-lifetime SECONDS           # lifetime of the SAs this node originates (3..65535, default 30)

Both work in babeld.conf, with -C and on a read-write local socket; `flush sa-announce
SOURCE GROUP` there withdraws an SA.  A refused line changes nothing and says why
(`no sa-announce: group '10.1.1.1' is not a multicast address`).  SOURCE must be a
unicast address other nodes can route to (see peer-RPF below), GROUP a multicast one.
Other subsystems originate SAs through `sa_originate(S, G)` and `sa_withdraw(S, G)`
(mcast/sa.h): the normalizer does for every rule with a VIP while its stream flows
("Source-Active origination" under the normalizer below), and so does a native source
on a mcast-interface's subnet (below).  An SA announced both ways stays until both
withdraw it.

SA origination for native sources (mcast/native_sa.c).  A host on the subnet of a
`mcast-interface` that starts sending to a group G is announced as SA(S, G) at its
first packet, with nothing to configure, as a first-hop router would register it:

- Every mcast-interface is a vif of the kernel's multicast routing, so the first
  packet of (S,G) with no MFC entry makes the kernel report it (IGMPMSG_NOCACHE).  The
  MRIB installs an entry for it (with no outgoing interface while nobody wants the
  traffic), so its later packets are counted by the kernel instead of reported, and the
  SA is originated in the same pass of the event loop.  Measured (tests/netns/t-sa-
  native, a chain of three of ours): the SA is at the far end of the chain 18-30 ms
  after the source's first datagram.
- It stays while packets flow: the entry's packet count (SIOCGETSGCNT) is read every
  0.5 s, and the SA is withdrawn when it has not moved for `sa-idle-time` seconds (the
  normalizer's directive, default 10), so a stream with shorter gaps never flaps and
  one that stops is withdrawn between sa-idle-time and sa-idle-time + 0.5 s after its
  last packet (measured: 3.05-3.2 s at the far end with `sa-idle-time 3`).  An entry the
  MRIB removes meanwhile comes back at the source's next packet, which is reported
  again; one it reinstalls is only a new baseline for the count.
- Only a source whose address is inside a connected subnet of the mcast-interface it
  arrived on (or the far end of a point-to-point link there) is announced: traffic
  routed in from elsewhere arrives off-subnet and is its own first-hop router's to
  announce, and our own addresses (what we send ourselves, a normalizer's VIP included,
  comes back through the kernel's loopback) never are.  Not announced either: groups
  in 224.0.0.0/24 (link-local, never routed; the kernel does not report them anyway)
  and in 232.0.0.0/8, the SSM range, whose receivers name the source themselves
  (RFC 4607; PIM ignores SAs there), and sources that cannot be (zero, loopback,
  169.254/16, a subnet's network or broadcast address).  Each refusal is counted.
- `mcast-interface IF ... sa-originate true|false` (default true) switches it per
  interface: false for a link whose hosts' streams must stay local (or that carries
  chatter such as SSDP's 239.255.255.250).  Turning it off, or `flush mcast-interface
  IF`, withdraws the SAs of that interface's sources at once (measured 32 ms at the
  far end), as does the source's address leaving the subnet (checked at each poll)
  and the daemon's exit.  Turning it on again, or configuring the interface while a
  source already flows (its kernel entry exists, so it is not reported again),
  announces it at the next poll that sees its count move (measured 0.5 s, once
  1.5 s).
- Two of our routers on one source's link both announce it (two originators of the
  same (S,G)); that costs one more SA entry, and PIM joins toward S all the same.  At
  most 4096 native sources are tracked at once; more are counted (`table-full`).

The originator's `sa` records show these SAs like any other; the counters, once a
native source was reported (dump only):

    add sa-native-stats reported 3 originated 1 withdrawn 0 active 1 off-subnet 1 own 0 link-local 0 ssm 1 bad-source 0 not-mcast-interface 0 disabled 0 table-full 0 idle-time 3

`reported` counts the kernel's reports looked at, `originated` and `withdrawn` the SAs
(a source that comes back counts again), `active` those originated now; the refusals
by reason follow (`not-mcast-interface`: arrived on a vif that is no mcast-interface,
e.g. a router link an MRIB entry uses; `disabled`: on one with `sa-originate false`),
and `idle-time` is the sa-idle-time in force.

How it floods:

- An entry is (originator router-id, S, G) with the originator's 16-bit seqno (compared
  as Babel seqnos, modulo 2^16), a withdraw flag and a lifetime in seconds.
- A node that receives an entry newer than what it has (or new to it) installs it and
  sends it to every neighbour except the one it came from, each copy in a unicast packet
  with an Acknowledgment Request; a copy not acknowledged is sent again after 200 ms,
  then 400, 800, 1600 ms and every 2 s, at most 8 times in all.  Up to 10 entries share
  one TLV (one Ack covers them all).
- The same seqno again is a duplicate: not forwarded (and the neighbour that sent it
  needs no copy from us).  An older seqno is answered with what we have.
- Peer-RPF: an announcement is accepted only when Babel has a route to S (a selected
  route with a finite metric, or a local address).  Otherwise it is counted
  (`rpf-failures`) and neither shown nor forwarded: a new SA waits, out of sight, for
  a route to appear (looked at again when a route covering S becomes reachable, and
  every second; only the waiting entries are ever looked at)
  or for its lifetime to run out, so SAs that arrive with the routes to their sources
  are not lost; a refresh of an SA already believed is ignored (the SA expires unless
  the route comes back).  Withdrawals are always accepted.
- The originator refreshes each SA every lifetime/3 (jittered) with a new seqno, and
  withdraws it with a new seqno and the withdraw flag: on `flush sa-announce`, on
  `sa_withdraw` and when it stops (SIGTERM).  A node keeps a withdrawn entry for its
  lifetime, so that an older announcement still in flight cannot bring it back.
- An entry not refreshed within its lifetime expires: an SA of a node that died
  without withdrawing it (kill -9, power loss, partition) goes within the lifetime.
  Copies carry the lifetime that remains (rounded up to the second), so every node
  forgets an SA at about the same time.
- A neighbour becomes a peer when its link comes up (its cost turns finite; the core
  announces a neighbour at its first packet, which may be gone at the next tick).  A
  new peer is sent the whole table and asked for its own (flag 0x80 in the body's
  second byte, acknowledged like an entry), so a node that restarted before its
  neighbours noticed learns every SA at once.  A neighbour whose link goes silent long
  enough for its cost to turn infinite stops being a peer (nothing is retransmitted
  into a dead link) and is a new peer when the link comes back, before the core has
  flushed it: the two exchange their tables again, so SAs announced and withdrawn
  during the outage are made good at once (a withdrawal we missed is answered by the
  newer tombstone the other side holds); tests/netns/t-sa-resync checks it across a
  13 s outage: caught up 3.5 s after the packets flow again, that is as soon as the
  link's cost is finite.  Nothing is sent to a neighbour that is not a peer; what it
  sends is believed all the same.
- A node that hears one of its own SAs with a seqno it did not expect (left over from a
  previous run) announces or withdraws it again above that seqno.
- MAC authentication (RFC 8967) covers SA TLVs like any other: the core authenticates
  every packet, so a node with the wrong key never becomes a peer and never learns an
  SA (tests/netns/t-sa-mac).

Stock babeld (and any Babel router that does not know TLV 224) ignores it but
acknowledges the Acknowledgment Request, so it is a neighbour like any other and keeps
all its routes (tests/netns/t-sa-chain checks it).  SAs do not cross a stock babeld
node: a mesh whose only path between two parts goes through one splits the SA table in
two.

TLV 224, version 1.  Lengths in bytes, integers in network byte order:

    offset  size  field
    0       1     Type = 224
    1       1     Length of the body (2 + the entries; at most 255)
    body:
    0       1     Version = 1 (a TLV of any other version is ignored and counted)
    1       1     Flags: 0x80 table request ("send me every SA you have"); the
                  other bits are sent 0 and ignored.  A TLV may carry the request
                  and entries, or the request alone (no entries)
    2       ...   entries, one after the other, each:
      0     1       AE: 1 IPv4 (4-byte addresses), 2 IPv6 (16-byte addresses); an entry
                    of any other AE is skipped by its length
      1     1       Length of the rest of the entry: 22 for IPv4, 46 for IPv6; a larger
                    value is accepted and the bytes beyond the fields below ignored
      2     1       Flags: 0x80 withdraw; the other bits are sent 0 and ignored
      3     1       Reserved: sent 0, ignored
      4     2       Seqno of the originator
      6     2       Lifetime in seconds (1..65535; 0 makes the entry invalid)
      8     8       Originator router-id
      16    4|16    Source S
      20|32 4|16    Group G

A body is checked whole before anything in it is used: too short, an entry that runs
past the body, or a length too small for its AE makes the TLV malformed (counted,
dropped whole).  An entry whose group is not multicast, whose source is multicast,
zero, link-local or broadcast, whose originator is all zeros or whose lifetime is 0 is
invalid (counted, skipped).  Example, one IPv4 entry (10.254.0.1, 239.1.1.1), seqno
0x1234, lifetime 30, from 02:11:22:ff:fe:33:44:55 (tests/unit/test_sa_codec.c):

    e0 1a  01 00  01 16 00 00 12 34 00 1e  02 11 22 ff fe 33 44 55  0a fe 00 01  ef 01 01 01

Records (dump; monitor gets add, change at every new seqno, flush when withdrawn or
expired):

    add sa c42349c87df2d302 source 10.254.0.1 group 239.1.1.1 origin 02:11:22:ff:fe:33:44:55 seqno 4660 age 3
    add sa-stats received 1010 accepted 1010 duplicates 0 rpf-failures 0 malformed 0 retransmits 0 invalid 0 unknown-version 0 own 0 table-full 0 sent 0 acked 0 gave-up 0 requests 2 entries 1005 lifetime 30

sa-stats appears in a dump once the node has originated, received or sent an SA (a
router that never saw one dumps exactly what babeld dumps).  The id of an sa record is
a hash of (originator, S, G) (64-bit FNV-1a over the 8-byte router-id and the 16-byte
S and G, IPv4 as ::ffff:a.b.c.d): the same SA has the same id on every node.
`age` is the number of seconds since its current seqno arrived (at most about
lifetime/3 while its originator lives).  In sa-stats, `received` counts entries
received, `accepted` the new or newer ones, `duplicates` the same or older,
`rpf-failures` announcements without a route to the source, `malformed` TLVs dropped
whole, `invalid` entries skipped, `unknown-version` TLVs of another version, `own` our
own entries coming back, `table-full` entries dropped beyond 65536, `sent` entry copies
sent (`retransmits` of them for want of an Ack), `acked` copies acknowledged,
`gave-up` copies a neighbour never acknowledged, `requests` table requests received,
`entries` the table's size (withdrawn
entries included until they expire) and `lifetime` this node's sa-lifetime.

Measured (tests/bench/sa, 10 of our daemons in a line of namespaces, hello-interval 1):
an SA reaches the far end of a 2-node chain in about 5 ms and of a 10-node chain in
about 50 ms (one 5 ms send delay per hop), and so does its withdrawal; 1000 SAs
announced at once are all at the far end 0.3 s after the first.  With 10 % of the Babel
packets dropped on every link (tests/netns/t-sa-loss) 40 SAs reach all 10 nodes in
about 1 s.  A new neighbour of a node that holds 10,000 SAs (tests/bench/sa with
SA_NODES=3 SA_BURST=10000) costs that node 30 ms of CPU and has them all 0.35-0.5 s
after the first arrives; it was 0.2-1 s of CPU and 1.0-1.4 s before what a neighbour
is owed was indexed (queueing an entry searched the neighbour's whole queue).
tests/bench/sa-table measures the table alone, at 1,000 and 50,000 entries: a
neighbour joining costs 166 and 317 ns per entry (before: 1.2 and 63 us, 3.2 s per
join at 50,000), and a Babel route change while 10 SAs wait for a route 0.08 and
0.09 us (before: 9 us and 2.1 ms: the whole table was walked).  Figures from a
2-CPU machine shared with other work: noisy, the ratios are what hold.

The mcast normalizer
--------------------

A camera, PLC or test set with a hard-coded address sends multicast that no router
forwards: the reverse-path check finds no route back to its source.  The normalizer
captures such a stream below IP (AF_PACKET) and republishes it from a virtual address
(VIP) that Babel announces, so every router downstream passes its RPF check.

    mcast-rule NAME in IF group G [port P] [source S] [resource VIP]
               out IF [group G2] [port P2] [ttl N] [unicast ADDR] [out ...]

- `in IF group G`: UDP to the IPv4 multicast group G arriving on IF (with or without an
  802.1Q/802.1ad tag); `port P` and `source S` narrow it (0 or absent: any).
- `resource VIP`: the daemon puts VIP/32 on a virtual link it creates (a dummy link
  `mcr-vip0` where the kernel has the dummy kind, otherwise `lo`), so the Babel core
  redistributes it as a local address, and sends the republished packets from it.  The
  last rule using a VIP takes it away when it goes, and so does the daemon's exit.
  Without `resource`, packets leave from the output interface's address.
- `out IF`, one or more: republish on IF to G (or `group G2`), to the original
  destination port (or `port P2`; 0 keeps it), with TTL 64 (or `ttl N`), multicast
  loopback off.  `unicast ADDR` makes the output head-end replication: unicast UDP to
  ADDR, from IF's address, bound to IF; several such outputs on one interface make a hub
  and spoke.  On a point-to-point interface without IFF_MULTICAST (a TUN, a tunnel) the
  output is sent as unicast to the link's peer address, read from netlink and followed
  when it changes.
- The payload is relayed byte for byte; the source port is the egress socket's
  (ephemeral).  A fragmented datagram is reassembled (at most 64 pending, 4 MiB, 2 s)
  and relayed whole; the kernel fragments it again on the way out.

In babeld.conf or with -C, directives take effect when the daemon starts; on a
read-write local socket the same line adds the rule, or replaces the rule of that name
without disturbing any other flow (the capture rings and sockets in use are kept), and
`flush mcast-rule NAME` removes it.  A malformed address, a port out of range, a TTL out
of 1-255, a repeated or unknown keyword or a missing `in`, `group` or `out` is refused
(`no <reason>` on the socket; FILE:LINE: reason and exit status 1 at start-up) and
changes nothing.  A rule naming an interface that does not exist is accepted and waits
for it; interfaces that go down and up, appear or disappear, and point-to-point peer
addresses that change, are followed through the core's netlink notifications (within
about 20 ms; a full re-check every 5 s as a backstop) without a restart.

Records (dump; monitors get add/change/flush when a rule is added, replaced, removed or
its state changes):

    add mcast-rule cam1 in o-s group 239.1.1.1 port 5000 source 10.1.1.50 resource 192.168.100.1 outputs 2 packets 3000 bytes 3948000 drops 0 state active
    add mcast-output cam1/0 rule cam1 if o-t mode multicast dest 239.1.1.1 port 0 ttl 64 state up packets 3000 bytes 3948000 drops 0
    add mcast-output cam1/1 rule cam1 if o-t mode unicast dest 10.0.23.2 port 6000 ttl 64 state up-unicast packets 2000 bytes 2632000 drops 0
    add mcast-input o-s frames 95 ok 30 fragment 30 not-ipv4 5 not-udp 0 truncated 5 bad-ip-header 5 bad-ip-checksum 5 bad-udp-length 5 bad-udp-checksum 5 oversized 5 reassembled 10 unmatched 0 own 0 ring-drops 0

`mcast-rule`: `source any`, `resource none` when absent; packets and bytes matched
(payload bytes), drops those no output could take; `state` is `active`,
`waiting-for-interface`, `interface-down` or `capture-error`.  `mcast-output NAME/K` (K
from 0, in the order of the out clauses): `dest` is what it sends to (`-` while it
cannot send), `state` `up`, `up-unicast` (HER or point-to-point), `down`,
`waiting-for-interface` or `no-peer-address`; packets and bytes sent, drops the sends
that failed or found the interface down.  `mcast-input IF`, one per capturing
interface: frames seen, then what became of them: `ok` and `fragment` were relayed (or
put in reassembly); `not-ipv4` and `not-udp` are traffic the normalizer leaves alone;
`truncated`, `bad-ip-header`, `bad-ip-checksum`, `bad-udp-length`, `bad-udp-checksum`
and `oversized` are drops by reason; `reassembled` datagrams completed, `unmatched` to a
group no rule wants, `own` sourced from one of our VIPs (never relayed), `ring-drops`
frames the kernel dropped because the capture ring was full (the worker fell behind).

Source-Active origination.  A rule with `resource VIP` originates SA(VIP, G) for
every group its multicast outputs send to while its stream flows, so every node of the
mesh learns that VIP is sending to G without anyone configuring `sa-announce`:

    sa-idle-time SECONDS          # withdraw a rule's SAs after this long without a packet (1..86400, default 10)

- The group announced is the one that leaves the normalizer: an output with `group G2`
  announces (VIP, G2), since G2 is what receivers downstream join and what their
  routers will look up; the input group is not announced (its source is unroutable:
  no peer-RPF check could pass).  A rule with outputs to several groups announces one
  SA per distinct group; `unicast ADDR` (HER) outputs send to no group and announce
  nothing, nor does a rule without `resource` (its packets leave from each
  interface's own address, not from one routable source).  Outputs to point-to-point
  links without multicast count as the group they are configured for.
- Originated at the first packet relayed after idleness: the worker, which already
  touches the rule's counters, disarms the rule's activity flag and writes an eventfd
  the control plane polls, so the SA is flooded at once (no periodic poll in between;
  a packet whose every output is down does not count).  Measured
  (tests/netns/t-sa-normalizer, a chain of three of our daemons): the SA is at the
  originating node 11-15 ms and two hops away 24-28 ms after the source's first
  datagram, including the test's 10 ms polling of the monitor output.
- Kept while packets flow: the worker records the millisecond of the last packet
  relayed (one store per millisecond, none per packet; with the check of the flag,
  about 1 ns per packet), and the control plane looks at it only when the idle time
  since the last look could have run out.  A bursty
  stream whose gaps are shorter than `sa-idle-time` never sees its SA withdrawn and
  re-announced.
- Withdrawn `sa-idle-time` seconds after the last packet (measured: 3.0 s for
  `sa-idle-time 3`, at the far end of the chain), and announced again at the next one.
- Rules with the same (VIP, G) share one SA, announced while any of them is active.
  A rule replaced at run time keeps its SAs when its VIP and output groups are the
  same, and otherwise withdraws them and announces the new ones at its next packet;
  `flush mcast-rule` withdraws them; so does the daemon's exit.
- A shorter `sa-idle-time` given at run time applies at once to what is active.  A
  refused value is answered `no sa-idle-time: expected a number of seconds from 1 to
  86400` (FILE:LINE: reason and exit status 1 at start-up).

The VIP must be routable over Babel for other nodes to accept the SA (peer-RPF): the
daemon puts it on its virtual link and the core redistributes it as a local address,
unless a `redistribute` filter of yours denies it.  There is no separate record: the
originating node's own `sa` records (origin = its router-id) are what it originates.

Data plane: one worker thread (`mcast-dp0`) reads a TPACKET_V3 ring per input
interface (PACKET_IGNORE_OUTGOING: it never sees what the host sends, its own output
included) and sends with io_uring, one batch of sendmsg per ring block, from UDP sockets
bound to the VIP (IP_MULTICAST_IF, IP_MULTICAST_TTL, loopback off) or, for unicast, to
the interface's address.  Consecutive datagrams of one size for one output (up to 48,
64 KB) go out in a single sendmsg with UDP_SEGMENT: the kernel cuts them apart again,
each the datagram that arrived (a path that refuses it gets single sends from then on;
BABELD_MCAST_NO_GSO=1 in the environment turns it off).  It reads an immutable forwarding table that the control plane
rebuilds on every change and publishes by swapping one pointer; the old table is freed
once the worker has passed the top of its loop.  Counters are per worker, summed when a
record is written.  The Babel event loop never waits for it.

tests/netns/t-mcast-normalizer: source 10.1.1.50 - ours - Debian's babeld with
smcrouted and rp_filter=1 - receiver.  Forwarded by the kernel (smcrouted on our node)
the stream reaches the stock router and its rp_filter drops all of it; through the
normalizer 1000 of 1000 datagrams arrive byte for byte from the VIP, the stock router
having learned the VIP over Babel; 4000-byte datagrams arrive whole; a HER output added
at run time delivers the same datagrams as unicast while the multicast flow loses none.
tests/netns/t-mcast-robust: configuration errors, malformed frames, VLAN tags, fragments
last-first, links down and up, the point-to-point peer following a change.
tests/bench/relay: the normalizer against smcrouted and socat on one veth chain,
1316-byte datagrams, the sender in its own namespace at full rate; on this 2-CPU
machine (3 s runs): kernel forwarding 191 kpps, socat 59 kpps (80 % lost), ours 303
kpps with no loss (all the sender could send: 1.58 times the kernel, 5.2 times socat),
no loss at 80 % of the kernel's rate, nor with one rule fanning out to 8 interfaces at
a tenth of it; 0.8 us of CPU per relayed packet (socat: 12 us).  Without UDP_SEGMENT
ours was 144 kpps (0.78 of the kernel).  The figures move with the machine's load:
with another test suite running on the same two CPUs, ours delivered 1.1 to 1.5 times
the kernel's rate but lost 4-7 % at the sender's full rate (`ring-drops` in the
mcast-input record: the worker fell behind) and once 1 % at 80 %.  The local interface
answered `dump` within 1.4 to 17 ms throughout the full-rate runs.

GEM gateway: ESP
----------------

A user-space ESP tunnel between two gateways (gem/esp.c, gem/esp_sa.c, gem/tun.c): RFC
4303 tunnel mode with AES-256-GCM and a 16-octet ICV (RFC 4106), 64-bit extended sequence
numbers, a 4096-packet anti-replay window, and optionally UDP encapsulation on port 4500
(RFC 3948) for paths through NAT.  The kernel here has no ESP transform: the daemon
encrypts and decrypts, and the kernel builds and routes the outer IPv4 header.  The ESP
is standard: any implementation given the same SPI and key decodes it (tshark does, in
tests/netns/t-esp-*).

One TUN device per peer (route-based VPN).  `gem-peer` creates a point-to-point TUN
device (`ipsec0` for the first peer, then the first free `ipsecN`, or `tun IF`) and
brings it up.  What the kernel routes into it is encrypted to that peer; what is
decrypted from the peer is offered to the GEM layer first and otherwise written into it,
for the kernel to deliver or forward.  A device per peer, rather than one shared device
with a per-destination peer lookup, lets the kernel's routing table choose the peer (a
route into ipsecN is a route to peer N), gives each peer its own MTU and counters, and is
what a later "Babel over IPsec" needs (a point-to-point `tunnel` interface per peer).
The ESP itself goes out on a raw protocol-50 socket, or a UDP socket bound to port 4500,
with the peer's `local` address as source (IP_PKTINFO): writing whole outer packets into
a TUN would make the kernel see a martian.  The routes into the device are the
operator's:

    ip route add 10.2.0.0/24 dev ipsec0

or Babel's: with `interface ipsec0 type tunnel` on both gateways, each redistributing its
inner subnet, the two become Babel neighbours through the tunnel (over the device's IPv6
link-local addresses, Hellos and updates carried as ESP like everything else) and
install each other's subnets via ipsec0 (tests/netns/t-esp-babel).

Directives (babeld.conf, -C, or a read-write socket at run time, where a new peer's
device is created at once and a refused line answers `no <reason>` and changes nothing;
in a file a bad line stops the daemon with file, line and reason before anything is
created):

    gem-peer NAME address ADDR local ADDR [encap esp|udp] [tun IF] [mtu N] [keepalive S]
    esp-sa peer NAME dir in|out spi N key HEX

- `address`: the far gateway's public IPv4 address; `local`: ours, the outer source.
- `encap esp` (default): IP protocol 50.  `encap udp`: ESP in UDP, both ports 4500;
  the reply port follows the source port of the peer's authenticated packets (a NAT in
  front of it: give the NAT's public address as `address`; tests/netns/t-esp-nat).
  `keepalive S` (0..3600, default 20; 0: none): after S seconds without ESP to the
  peer, a one-octet 0xff NAT keepalive (RFC 3948 section 2.3) keeps a NAT's mapping
  open.  Received, four zero octets first (the non-ESP marker: IKE) and one-octet 0xff
  keepalives are counted and dropped.
- `tun IF`: the device's name; `mtu N` (576..9000, default 1400: room on a 1500-octet
  path for the at most 65 octets of outer IPv4, UDP and ESP, 57 without UDP; the outer
  header is sent without DF, so a narrower path fragments rather than drops).
- `esp-sa`: one SA per direction and peer, manually keyed.  `spi` 256..4294967295
  (0 and 1-255 are reserved), unique among inbound SAs.  `key`: 72 hex digits (an
  optional 0x before them), a 32-octet AES-256 key then a 4-octet salt, as RFC 4106's
  keying material.  The same line again changes nothing; a new key or SPI replaces the
  SA (a new key restarts the sequence at 1, the same key under a new SPI continues it).
- `flush gem-peer NAME` removes the peer, its SAs and its device; `flush esp-sa peer NAME
  dir in|out` removes one SA.

Records (dump; never key material):

    add gem-peer gb address 198.51.100.2 local 203.0.113.1 encap esp tun ipsec0 mtu 1400 no-sa 0
    add esp-sa peer gb dir in spi 8192 packets 11 bytes 728 replay-drops 1 auth-failures 2 malformed 1 errors 0 seq 13
    add esp-sa peer gb dir out spi 4096 packets 9 bytes 724 replay-drops 0 auth-failures 0 malformed 0 errors 0 seq 9
    add esp-input unknown-spi 1 truncated 0 non-esp 1 keepalives 1

`port N keepalive S` follow `mtu` with `encap udp` (N: where we send now).  Monitors get
`add`/`change`/`flush gem-peer ...` and `add`/`change`/`flush esp-sa ...` (the whole
record) when a line adds, replaces or flushes them, and `change gem-peer` when a NAT's
port moves; the counters are read with dump.  `no-sa`: packets to send with no outbound SA.
esp-sa: `packets`/`bytes` sealed (out) or delivered (in), bytes of inner packets;
`replay-drops`: already seen, or below the window; `auth-failures`: ICV mismatch
(forged, tampered, wrong key, and any number older than the window, which Appendix A
reads as ahead); `malformed`: shorter than header, IV, trailer and ICV, or an
authenticated packet whose padding, pad length or next header is wrong; `errors`: not
sent, or not written into the device; `seq`: the last number sent (out) or the highest
accepted (in).  esp-input: drops before any SA is known (`unknown-spi`, `truncated`
outer packet, `non-esp` marker, NAT `keepalives`).  The esp-input record appears once a
peer is configured; a router without peers prints none of these.

Packet (what follows the outer IPv4 header, or the UDP header with `encap udp`;
integers big-endian):

     0  SPI (4)
     4  sequence number, low 32 bits (4)
     8  IV (8): the 64-bit sequence number XOR a random 64-bit mask drawn when the SA
        is keyed
    16  encrypted: the inner IPv4 or IPv6 packet, padding 1, 2, 3... to a 4-octet
        boundary, pad length (1), next header (1): 4 IPv4, 41 IPv6 (59, a dummy
        packet, is accepted and discarded)
    ..  ICV (16)

GCM nonce = salt (4) || IV (8); additional authenticated data = SPI (4) || sequence
number high 32 bits (4) || low 32 bits (4) (RFC 4106 section 5, extended sequence
numbers).  Known answer: tests/unit/test_esp.c (built by tests/unit/esp_kat.py with
python3-cryptography, independently of our code).

SA and sequence rules.  The sender's counter starts at 0, the first packet carries 1;
a number is never used twice: after 2^64-1 the SA refuses to send (`errors` grows)
until it is re-keyed.  The receiver infers the high half from its window (RFC 4303
Appendix A), checks the window first (cheap), then the ICV, then the trailer; only an
authenticated packet moves the window; nothing unauthenticated reaches the GEM layer
or the device.  Manual keys have the usual weakness: a gateway that restarts begins
again at 1, which its peer's window takes as replays (or, past 4096, as forgeries)
until the peer restarts too, or its inbound SA is flushed and given again at run time
(`flush esp-sa peer NAME dir in`, then the `esp-sa` line: a fresh window); the random
IV mask keeps the restarted sender from repeating GCM nonces under the same key.
Negotiated keys (a later issue) will use the same SAs.

Interoperability: tshark 4.0 (Wireshark's esp_sa table, e.g.
`"IPv4","203.0.113.1","198.51.100.2","0x00001000","AES-GCM with 16 octet ICV [RFC4106]","0x<72 hex digits>","NULL",""`
with `esp.enable_encryption_decode:TRUE`) decrypts our ESP and ESP-in-UDP and decodes the
inner packets.  Its ICV check (`esp.enable_authentication_check`) reports every packet
incorrect: it has no extended sequence numbers and puts only SPI and the 32-bit number
in the AAD; tests/netns/esp-tool.py verifies every ICV with the 64-bit AAD instead.

Measured (tests/bench/esp, one core, 2 shared CPUs with other jobs running, so noisy):
sealing 1316-byte packets runs at 1.1-1.2 GB/s of inner packet, 1.2-1.3 times what
`openssl speed -evp aes-256-gcm -bytes 1316` reports for bare AES-256-GCM on the same
size in the same run (openssl speed re-initialises its context per buffer); seal then
open, 0.53-0.56 GB/s (0.56-0.58 of it); 64-byte packets, 0.7-1.3 times.
Through the tunnel (tests/bench/esp-tunnel: 1316-byte UDP from HA to HB, full rate, the
same five namespaces in the clear first): about 100 kpps delivered (1.1 Gb/s of inner
packets), 0.39-0.47 of the kernel's plain forwarding in the same run, the two gateways,
the router, both hosts and other jobs sharing the 2 CPUs; GB keeps up with all GA
sends, GA is the limit (one read per packet from the TUN device; the kernel's
forwarding of what we send is charged to our thread); at 80 % of that rate 98.5 % is
delivered.  Before the sockets were read and written in batches of 32
(recvmmsg/sendmmsg) the figures were 55 kpps and up to 252 ms for a `dump`.
Since the data path moved to its own thread (gem/gem_dp, see "GEM gateway: data
plane"), in the same runs against the event-loop build (medians of 3, load average
1.2-2.4): 106 kpps against 115 kpps delivered, 0.46 against 0.45 of plain forwarding
(the same within the noise: the TUN device's one read per packet is the limit either
way), 98.7-100 % delivered at 80 % of that rate (98.1-100 %), and GA's slowest `dump`
answer during the full-rate run 5 ms against 10-16 ms (one local-interface
connection, a dump every 50 ms).

GEM gateway
-----------

Multicast that must cross the internet or an untrusted network is sealed by a GEM
gateway (gem/gem_*.c): each datagram's payload is encrypted with the group's Source
Encryption Key (SEK) and the packet authenticated with its Group Authorization Key
(GAK).  The GEM packet travels in an IPv4/UDP datagram to the group, port 6698, either
through the user-space ESP tunnel to each listed gem-peer, or written as it is into a
veth (bridged encrypted multicast, for a multicast-capable underlay), or both.  The far
gateway verifies, decrypts and re-emits the original datagram from its original
source, so a PIM router behind it passes its RPF check when that source is routed over
the overlay.

    gem-group G (sek HEX | sek-file PATH) (gak HEX | gak-file PATH) [key-id N]
    gem-send G in IF [port P] [source S] [to PEER ...] [veth IF] [from ADDR] [ttl N]
    gem-receive G (out IF | mrib true | out IF mrib true) [in IF ...] [ttl N]

- `gem-group`: the keys of group G, 32 bytes each (64 hex digits, on the line or alone
  in a file, white space around it allowed), under key id N (0-65535, default 1).  A
  second line with another key id adds a second key for a rollover: packets are sealed
  with the key configured last and both are accepted until `flush gem-group G key-id
  N` retires one; a third key id is refused until then.  The same key id again
  replaces its keys.  `flush gem-group G` removes the group.
- `gem-send` (ingress): takes every UDP datagram to G (to port P and from S, when given)
  seen on IF, arriving or leaving (an AF_PACKET socket bound to IF with ETH_P_ALL and a
  kernel filter for IPv4 UDP to G: so it also takes a local normalizer's output on its
  `out` interface, which a UDP socket would not see, the normalizer sending with
  multicast loopback off).  It joins G's MAC address on IF.  Frames are read with a
  virtio header: a local sender's UDP_SEGMENT super-frame is split back into its
  datagrams, and a checksum the kernel has not yet filled in is not checked; other UDP
  checksums and every IPv4 header checksum are.  Fragments are put together first
  (mcast/reasm.c, as the normalizer does: at most 64 datagrams pending, 4 MiB, 2 s), so
  a datagram larger than the link's MTU is sealed whole.  Each datagram becomes one GEM
  packet, sent to each `to PEER` (a gem-peer defined before the gem-send line; one
  flushed later makes its sends fail, counted) through ESP and/or into `veth IF` (to G's
  multicast MAC; a GEM datagram larger than the veth's MTU is written as IPv4 fragments,
  which the far side's kernel puts together).  The carrying datagram is from ADDR
  (`from`, or the first IPv4 address of the veth, else of IF), to G, UDP 6698 -> 6698,
  TTL 64 (`ttl`).  A datagram to port 6698 is never sealed again.  At most 8 peers; one
  gem-send per group: a new line replaces it, keeping its counters and, when its
  interfaces are the same, its sockets (nothing is lost); `flush gem-send G`.
- `gem-receive` (egress): GEM packets for G arrive through ESP (the ESP layer offers
  every decrypted inner packet to the GEM layer first: an unfragmented IPv4/UDP datagram
  to port 6698 is taken, anything else goes on to the TUN device) and, with `in IF`, as
  bridged encrypted multicast on IF (one UDP socket on port 6698, joined to G on each
  `in` interface, IP_MULTICAST_ALL off).  What verifies is re-emitted on `out IF`
  through a raw socket (IP_HDRINCL, bound to IF, multicast loopback off) with the IPv4
  header we build: source S, destination G, TTL 64 (`ttl`), DF clear, an identification
  that counts up, header checksum; UDP from the original source port to the original
  destination port with its checksum; the payload byte for byte; cut into IPv4 fragments
  when larger than IF's MTU (a raw socket does not fragment).  `flush gem-receive G`.
- `gem-receive G mrib true` (with or without `out IF`): the egress follows the MRIB
  (see "IGMP and the MRIB") as a broadcast engineer expects of a router: each decrypted
  datagram from S is re-emitted on exactly the interfaces where the MRIB has downstream
  interest in (S,G) or (*,G), IGMP members on an mcast-interface or PIM joins from a
  router downstream, and nowhere else (a datagram no interface wants is counted,
  `no-listener`, and dropped).  Outputs come as receivers join (in the pass of the event
  loop after the MRIB changes: within tens of ms of the IGMP report) and go when they
  leave (the IGMP leave latency: the Last Member Query Time, 1 s with a 0.5 s last
  member query interval).  The rules are those of the kernel's MFC entries (mroute.c):
  the (S,G) entry's oifs and the (*,G) entry's, through PIM's forwarding filter (an
  IGMP-only oif only where we are the DR), an IGMP-only (*,G) oif left out for a source
  its members exclude, and never the RPF interface toward S (the stream is never sent
  back toward its source).  `out IF`, when given too, always gets the stream, once.  One
  raw socket per output interface (as for `out`), opened when the first source's
  outputs name it and closed when none does.  Sources: the first datagram from a source
  the egress does not know yet goes by (*,G)'s outputs while the worker tells the
  control plane, which works out that source's outputs ((S,G) state, exclusions, RPF)
  and hands them over held; up to 16 sources per group are known this way (sources
  with (S,G) state first), beyond that a source goes by (*,G)'s outputs.  Exclusions and
  DR changes, which change no MRIB entry, are looked at again every second.

  Why the egress sends, rather than handing the stream to the kernel's MFC as a local
  source: the datagram arrives inside ESP (or bridged) and is never received on the RPF
  interface toward S, so the kernel would forward it only if we wrote it into the TUN
  device as though it had come through the tunnel (one write per packet, the kernel
  decrementing the TTL, and nothing for a bridged `in` interface, which has no TUN), and
  a (*,G) member would depend on the kernel's NOCACHE upcall before the first packet
  moved.  Sending ourselves with the same rules keeps the packet byte for byte from S,
  on the GEM worker's batched path.  It is RPF-correct where it matters: the datagram
  leaves B from its original source S, so a PIM router or host downstream with a
  strict reverse-path filter accepts it when its route to S points at B, i.e. when S is
  routed over the overlay (as with `out IF`).  The MRIB's own entry for (S,G) is not
  changed: its `iif` is what Babel says (ipsec0 when S is routed into the tunnel), and
  the kernel's MFC entry stays (it forwards only what really arrives there).

  At the ingress (Studio A), gem-send still sends to every listed peer whatever its
  far side wants: A does not see B's MRIB (no signalling between them yet; PIM over the
  tunnel would make A's kernel forward the plaintext into it as well).  So the internet
  link carries the group while B's LANs have no listener; B sends nothing on them.

Interfaces are looked up by name every second: a gem-send or gem-receive on a missing
interface waits for it (`state waiting-for-interface`).  Bad lines are refused with the
file, line and reason at start (`FILE:LINE: gem-group: sek: 33 bytes, must be 32 (64
hex digits)`, exit status 1), or `no <reason>` at run time, and change nothing.

GEM packet (all fields big-endian; the byte offsets are within the UDP payload):

    0    1   version = 2 (any other: dropped, bad-version; version 1 had no run)
    1    1   flags: sent 0, ignored
    2    2   key id
    4    4   sender: the ingress gateway's IPv4 address
    8    4   run: drawn at random when the sender's daemon starts
    12   8   sequence number: the sender's wall clock in microseconds, or above
    20   4   original source S
    24   4   group G
    28   2   original UDP source port
    30   2   original UDP destination port
    32   n   payload, AES-256-GCM with the SEK: IV (16 bytes) = bytes 4-19
             (sender || run || sequence), associated data = bytes 0-31, no
             padding (n = the datagram's length)
    32+n 16  GCM tag
    48+n 16  MAC: the first 16 bytes of HMAC-SHA-256 with the GAK over bytes 0 to 47+n
             (header, ciphertext and tag)

A receiver checks, in this order, and counts the first failure: the version
(bad-version) and length (at least 64 bytes: truncated); a gem-receive and gem-group
for G (unknown-group); a key with that id (stale-key); the MAC (bad-mac: forged,
tampered, or another GAK); the sequence number against its own clock (bad-time: more
than 30 s before or after it); the replay window of (sender, run, key id) (replayed);
a window for a sender it has none for (no-window, below); the GCM tag (bad-decrypt:
the right GAK, another SEK).  Only then is the window moved and the datagram
re-emitted, so a forgery never disturbs a real sender.

Replay protection.  A window is 1024 sequence numbers (older ones are refused), one
per (sender, run, key id), up to 16 per gem-receive.  Sequence numbers track time: a
gateway numbers every packet it seals, whatever the group, max(last + 1, its wall
clock in microseconds), and a receiver refuses any number more than 30 s
(GEM_SEQ_AGE_US, gem/gem_replay.h) from its own clock.  So gateways' clocks must agree
within 30 s (NTP); in exchange a fresh window, a sender's first packet or the first
after a receiver restarts, can only be fooled by a capture under 30 s old (once), and
never by an older one.  When the 16 windows are taken, a new (sender, run, key id) gets
one only if some window has been idle for over 60 s (twice the bound: every number that
window accepted is refused as bad-time by then, so dropping it reopens nothing);
otherwise the packet is refused and counted (no-window), rather than a busy window
evicted (an earlier version reused the least recently used one, so captures of 17
senders replayed in rotation each evicted another and were accepted again and again).
A window is given only to a packet that verified and decrypted, so forgeries cannot
take them.  More than 16 sending gateways (counting a restarted one twice for 60 s)
under one group are refused beyond the 16th.

Nonces.  The GCM IV is sender, run and sequence number.  The sequence alone would
repeat if a gateway restarted with its clock set back (no RTC, an NTP step) or if two
gateways sealing with the same SEK had the same sender address (the default, the
veth's or IF's address, may be a private LAN address that repeats from site to site):
GCM under a repeated nonce leaks the XOR of two plaintexts (forgery stays prevented by
the GAK's MAC).  The run, 32 random bits (getrandom) drawn once per daemon start, makes
that a 2^-32 chance per pair of such runs, with nothing to save (babeld's state file
is written only at a clean exit, so a high-water mark there would not survive a crash
or a clock that starts at 1970).  It costs 4 bytes per packet and a 16-byte IV, which
GCM hashes into its counter block (NIST SP 800-38D allows it; the data path stays
allocation-free).  A restarted sender is accepted at once under its new run (a window
of its own), even when its numbers are below the old run's.  Giving such gateways
`from` with an address of their own (their public one, say) still removes even that
chance.

Test vector (tests/unit/test_gem_codec.c; computed apart from our code with Python's
cryptography and hmac): SEK 00 01 02 .. 1f, GAK 20 21 .. 3f, key id 1, sender
10.0.12.1, run 0x89abcdef, sequence 0x0001020304050607, S 192.168.100.1, G 239.1.1.1,
ports 40000 -> 5000, payload "GEM test vector!" (16 bytes):

    02 00 00 01 0a 00 0c 01 89 ab cd ef 00 01 02 03   header
    04 05 06 07 c0 a8 64 01 ef 01 01 01 9c 40 13 88
    b3 37 f7 f0 a6 ac 78 37 d0 6c 6f 35 97 b1 cf 24   ciphertext
    ba ee 78 61 e9 1d 4c 0a c8 2a e8 5c 38 30 e6 c3   GCM tag
    a1 dc 10 bd 43 f2 02 79 34 aa a2 99 ac 68 b0 cb   MAC

Records (dump; monitors get add, change and flush when a line adds, replaces or
removes one, and a change when its state changes; keys never appear):

    add gem-group 239.1.1.1 key-id 1 current yes sealed 1000 accepted 0
    add gem-send 239.1.1.1 in a-l port 5000 source any to b veth a-u from 10.0.1.1 ttl 64 state active captured 427 packets 1000 bytes 1316000 no-key 0 fragments 0 reassembled 0 bad 0 own 0 esp-sent 1000 esp-errors 0 veth-sent 1000 veth-errors 0
    add gem-receive 239.1.1.1 out b-r in b-u ttl 64 state active packets 1000 bytes 1316000 drops 0
    add gem-receive 239.1.1.1 out - mrib true ttl 64 state active packets 1700 bytes 2237200 drops 0 no-listener 200 outputs b-r:1500,b-q:500
    add gem-input packets 1026 accepted 1000 truncated 5 bad-version 0 unknown-group 1 stale-key 5 bad-mac 10 replayed 5 bad-decrypt 0 bad-time 0 no-window 0

`gem-group`, one per key: `current` is the key packets are sealed with, `sealed` and
`accepted` count packets sealed and opened with it.  `gem-send`: `state` is `active`,
`waiting-for-interface`, `no-address` (no sender address) or `socket-error`;
`captured` frames taken off IF (a UDP_SEGMENT frame holds several datagrams),
`packets` and `bytes` datagrams sealed and their payload bytes, `no-key` datagrams
dropped for want of a gem-group, `fragments` seen and datagrams `reassembled` from
them, `bad` (malformed frames), `own` GEM
datagrams seen on IF and left alone, then what each output sent or failed to.
`gem-receive`: `state` `active`, `waiting-for-interface`, `no-key` or `socket-error`;
`packets` and `bytes` re-emitted, `drops` verified packets that could not be sent.
With `mrib true` (`out -` when there is no fixed output): `no-listener` verified
datagrams no interface wanted, and `outputs` the interfaces some source's datagrams go
to now, each with the packets sent there since it became an output (`-`: none).
Monitors get a `change gem-receive` line when the outputs change.
`gem-input` (once a GEM packet has arrived) counts every GEM packet received and its
fate, by the reasons above.

tests/netns/t-gem-veth: source - Studio A (normalizer, gem-send into a veth) - a bridge
(with an attacker's port) - Studio B (gem-receive in the bridge, out to R, whose
rp_filter is strict and whose route to the VIP is through B): R gets 1000 of 1000
datagrams byte for byte from the VIP; the bridge carries only GEM datagrams (no
datagram to port 5000, no plaintext), and tshark finds the headers B builds valid;
4000-byte datagrams (fragmented by the source) arrive whole; packets replayed, tampered, truncated, sealed
with another GAK or under an unknown key id, and random bytes, injected on the
bridge, are counted by reason and none reaches R; a key rollover at run time loses
nothing; bad lines are refused.  tests/netns/t-gem-mrib (Studio A - internet - Studio B
with `gem-receive G mrib true` and IGMP on two LANs, R and Q, both with strict RPF): with
nobody joined, 200 datagrams are verified and counted as `no-listener` and neither LAN
sees one; R joins (a Linux host's IGMPv3 report) and b-r is an output within 25-55 ms, R
gets 1000 of 1000 byte for byte from the VIP, Q's LAN none; Q joins and both get 500 of
500; R leaves while 3000 datagrams flow: b-r stops 0.9-1.2 s after R's socket closed
(last member query interval 0.5 s) and no datagram reaches R's LAN after that, Q gets
3000 of 3000; R joins with INCLUDE {VIP} (an (S,G) entry) and gets 200 of 200, then with
INCLUDE {10.9.9.9} gets none; a PIM router downstream (ours, P, which learns the VIP
over Babel from B, so the VIP is routed over the overlay) turns its host's INCLUDE {VIP}
into an (S,G) join to B: b-p becomes an output within 40 ms and P's kernel forwards 200
of 200 to the host (its MFC entry's iif is p-b, the RPF interface toward the VIP; its
rp_filter drops nothing); the gem-receive and mroute records show the outputs at each
step.  tests/unit/test_gem_mrib checks the rules on the MRIB alone.
tests/netns/t-gem-esp and t-gem-esp-udp: the same
Studio A and B on either side of an internet router, through the ESP tunnel (raw ESP
and ESP in UDP): 1000 of 1000 datagrams byte for byte at R, only ESP (or UDP 4500) on
the router's link, which tshark decrypts (given the SA) to the IPv4/UDP datagrams
carrying the GEM packets; in t-gem-esp R sits behind Debian's babeld with smcrouted and
rp_filter 1, which forwards the stream only because it learned the source over Babel
from B (a static route of the source into the tunnel on B, redistributed); GEM packets replayed, tampered, under another GAK and under a
stale key id, each inside a valid ESP packet (an attacker holding the ESP keys),
are counted by reason and none reaches R.

Measured (tests/bench/gem; 2 CPUs shared with other jobs, load average about 5, so
noisy): sealing as gem-send does (GEM seal, the IPv4/UDP header, ESP seal) runs at
270-300 kpps of 1316-byte datagrams per core; DESIGN.md's reference, 1/(1/a + 1/h +
1/a) with openssl speed's aes-256-gcm (about 1 GB/s) and hmac(sha256) (about 0.85
GB/s) at 1316 bytes, predicts 240 kpps: 0.77-1.26 of it (target 0.6); 0.23-0.40 of
bare `openssl speed -evp aes-256-gcm` in packets/s (three passes of crypto against
one).  End to end through the ESP tunnel (source at full rate, 5 namespaces on 2
CPUs) 29-41 kpps delivered against 155-240 kpps for the plain normalizer relay on the
same host (0.12-0.22): the sending gateway spends about 8 us of CPU per packet (3.3 us
of crypto, the rest one sendto per packet in esp_send and the kernel's path), the
receiving one about 9 us, and the ESP socket's default receive buffer overflows at
full rate.  Those figures are from when both ran on the Babel event loop; since they
run on their own thread (below), the same bench in the same runs against the
event-loop build (medians of 3; 2 CPUs, load average 1.8-2.8, so noisy):

                                       event loop     worker thread
    GEM through ESP, source full rate  47.6 kpps      45.4 kpps   (0.16 / 0.15 of plain)
    GEM through ESP at 80 kpps         56.4 kpps,     75.5 kpps,
                                       29.6 % lost    5.7 % lost
                                       (15-32 %)      (1.6-5.7 %)
    CPU per packet at 80 kpps, A / B   10.5 / 9.8 us  8.7 / 8.3 us
    GEM by veth, source full rate      52.2 kpps      84.7 kpps
    at 10, 20, 40 kpps                 no loss        no loss
    slowest `dump` on A at full rate   48 ms (27-77)  5.3 ms (4.8-5.5)
    largest gap between A's Babel      207 ms         205 ms
    packets (hello-interval 200 ms)    (206-226)      (200-233)

At full rate the source, the normalizer, both gateways, the router and the receiver
share the 2 CPUs: the figure is what is left of them, with or without the thread.  Of
80 kpps offered a third more arrives, the veth egress at full rate delivers 1.6 times
as much, and the control plane no longer waits for the data plane: a `dump` is answered
in a few ms whatever it does (DESIGN.md's target: 100 ms).  The Hellos were on time
within scheduling noise in both builds.

GEM gateway: data plane
-----------------------

Both directions, and the ESP tunnels' TUN devices, run on one worker thread (`gem-dp`,
gem/gem_dp.c), not on the Babel event loop.  It polls the gem-send capture sockets, the
ESP raw and UDP 4500 sockets, the GEM UDP port and the TUN devices, reads in batches
(recvmmsg: 32 frames, 64 ESP packets, 32 GEM datagrams), seals or opens straight into
the slots of a send batch and sends each batch with one sendmmsg per socket (up to 64
packets; a full socket buffer is waited for once, 2 ms, then what does not fit is
counted as an error); 4 MiB receive and send buffers; no allocation and no lock per
packet.  The worker owns the SAs (sequence numbers, replay windows, OpenSSL contexts),
the GEM keys' contexts, the GEM replay windows, the reassembly state and the counters.
The control plane changes any of it only "held": a run-time line (gem-group, gem-send,
gem-receive, gem-peer, esp-sa and their flushes) asks the worker to park at the end of
the batch it is in (it looks once per batch), waits until it has, makes the change and
lets it go on.  So a key rollover or a replaced SA never meets a packet half sealed,
and nothing freed is used afterwards: the park is the grace period.  Records are not
held: every counter has one writer and is read atomically, so `dump` never waits for
the worker.  A port the worker learns behind a NAT reaches the monitors through an
eventfd.  Interfaces are still checked every second on the event loop, which holds only
when something changed.  tests/netns/t-gem-churn rolls A's key over and back and gives
the gem-send, gem-peer, esp-sa and gem-receive lines again, about a hundred times while
6000 datagrams flow: all arrive, none counted as forged, replayed, stale or lost (also
clean under ThreadSanitizer).

IGMP and the MRIB
-----------------

Which interfaces take part in IPv4 multicast routing, and how:

    mcast-interface IF [igmp true|false] [pim true|false] [igmp-version 2|3]
                       [dr-priority N] [auto-her true|false]
                       [igmp-robustness N] [igmp-query-interval S]
                       [igmp-query-response-interval S]
                       [igmp-last-member-query-interval S]
                       [sa-originate true|false]

Defaults: igmp true, pim true (see PIM-SM), igmp-version 3, dr-priority 1, auto-her
false, sa-originate true (native sources on the interface's subnets originate SAs: see
Source-Active TLVs), robustness 2, query interval 125 s, query response interval 10 s, last member
query interval 1 s (the last two in seconds with one decimal, 0.1 to 3174.4; the
response interval must be below the query interval).  The line works in babeld.conf,
with -C and on a read-write local socket, where a later line for the same IF replaces
its settings and `flush mcast-interface IF` removes it.  A bad value (`igmp-version 4`,
`igmp-robustness 0`, an unknown keyword, a value missing) is refused with the reason
(`no <reason>` at run time, FILE:LINE: reason and exit status 1 at start-up) and
changes nothing.  An interface that does not exist yet is accepted and taken up when
it appears (checked every second and on netlink notifications).

IGMP (RFC 2236, RFC 3376), router side, on every mcast-interface with `igmp true`:

- Querier election (6.6.2): each router starts as the querier and sends its Startup
  Queries (robustness of them, a quarter of the query interval apart), then a General
  Query every query interval.  A query from a lower address makes us a non-querier
  until the Other Querier Present Interval (robustness x query interval + half the
  response interval) passes without one; a non-querier adopts the querier's QRV and
  QQIC (4.1.6, 4.1.7).
- Queries go to 224.0.0.1 (general) or to the group (specific) with TTL 1 and the
  Router Alert option, from the interface's address, as version 3 (RFC 3376 4.1), or as
  version 2 when configured so or while an IGMPv2 querier is heard (and version 1 while
  an IGMPv1 querier is heard: Older Version Querier Present, 7.3.1).
- Membership per (interface, group): INCLUDE or EXCLUDE filter mode, source records with
  their timers, a group timer in EXCLUDE mode, following the tables of 6.4.1 (current
  state records) and 6.4.2 (state changes) exactly: Q(G) and Q(G,S) lower the group and
  source timers to the Last Member Query Time and are sent robustness times, a Last
  Member Query Interval apart, with the S flag set for the sources (or the group) whose
  timers are still above it (6.6.3).  A source timer that runs out deletes the source
  in INCLUDE mode and moves it to the excluded list in EXCLUDE mode; the group timer
  running out turns EXCLUDE into INCLUDE of the sources still running (6.5).  A
  non-querier lowers its timers when it hears a specific query with the S flag clear
  (6.6.1), so every router on a link forgets a group at about the same time.
- IGMPv1 and IGMPv2 hosts (7.3.2): a v1 or v2 report starts the group's Older Host
  Present timer and counts as IS_EX({}); a v2 leave as TO_IN({}).  While the group is in
  v2 mode, BLOCK records are ignored and TO_EX(x) counts as TO_EX({}); in v1 mode leaves
  and TO_IN are ignored too, so the group lasts until its membership interval runs out.
- Reports are taken only from hosts on the interface's subnet (or 0.0.0.0, 4.2.13);
  groups in 224.0.0.0/24 are never tracked.  Malformed, truncated, wrongly checksummed
  messages and unknown types are counted by reason (igmp-stats) and dropped; unknown
  group record types are skipped and counted (4.2.12).

Timers (RFC 3376 section 8; S = seconds; defaults in brackets):

    Robustness Variable (RV)           igmp-robustness                [2]
    Query Interval (QI)                igmp-query-interval            [125 s]
    Query Response Interval (QRI)      igmp-query-response-interval   [10 s]
    Group Membership Interval          RV x QI + QRI                  [260 s]
    Other Querier Present Interval     RV x QI + QRI / 2              [255 s]
    Startup Query Interval / Count     QI / 4, RV                     [31.25 s, 2]
    Last Member Query Interval (LMQI)  igmp-last-member-query-interval [1 s]
    Last Member Query Count / Time     RV, RV x LMQI                  [2, 2 s]
    Older Host Present Interval        RV x QI + QRI                  [260 s]

The MRIB (mcast/mrib.h) holds (*,G) and (S,G) entries.  Each has an incoming interface
and RPF neighbour toward S (toward the RP for (*,G), when PIM knows one): the longest
match among the router's connected subnets and Babel's selected routes, a connected
subnet winning a tie (the source is on-link, no neighbour).  Babel's route changes are
followed in the same pass of the event loop (metrics_on_route): the entry's iif moves,
subscribers (PIM) hear of it and the kernel's entries are rewritten at once.  Its
outgoing interfaces come from IGMP (an EXCLUDE-mode group is (*,G) on the interface, an
INCLUDE-mode group one (S,G) per source whose timer runs) and from PIM joins; an entry
goes when its last outgoing interface goes.

Routable traffic is forwarded by the kernel: the daemon opens the namespace's raw IGMP
socket with MRT_INIT once the first mcast-interface exists (a router without one never
takes it, so smcrouted or pimd may), makes every mcast-interface (and any interface an
entry uses) a virtual interface (VIFF_USE_IFINDEX, TTL threshold 1; the kernel has 32),
and keeps the kernel's forwarding cache in step:

- an (S,G) MRIB entry is an MFC entry at once: iif its RPF interface, oifs its own and
  those of (*,G), less the iif;
- a (*,G) entry becomes (S,G) MFC entries when the kernel reports traffic from S that
  it has no entry for (IGMPMSG_NOCACHE): iif the RPF interface toward S, oifs those of
  (*,G).  Such an entry follows Babel's route toward S, goes with its (*,G), and goes
  when its packet count has not moved for 210 s (RFC 7761's keepalive period).
  Traffic from a source with no route gets an entry with no oifs, so the kernel stops
  asking;
- PIM may narrow which oifs forward (mrib_set_forward_filter: an IGMP-only oif only
  where we are the DR), and may ask for the kernel's WRONGVIF upcalls (traffic arriving
  on an oif: mrib_on_wrong_iif turns MRT_ASSERT on) to start Asserts;
- at exit every MFC entry and vif is removed (MRT_DONE).

`auto-her true` on an interface whose link has no IFF_MULTICAST (a TUN, a tunnel):
downstream state there (IGMP members, PIM joins) becomes unicast replication to the
link's far end.  For each MRIB entry with such an oif the daemon keeps a normalizer rule
(see "The mcast normalizer") named `her-SSSSSSSSGGGGGGGG-IFINDEX` (S and G in hex, S
zero for (*,G)) that captures the group (from S, or any source) on the entry's
incoming interface (for a (*,G) without an RP: on every other multicast-capable
mcast-interface) and sends it out of the oif, which the normalizer does as unicast UDP
to the point-to-point peer address, byte for byte, from the interface's address; the
kernel's MFC entries leave that oif out.  The rule comes and goes with the entry, and
shows as `mcast-rule`/`mcast-output` records:

    add mcast-rule her-00000000ef070707-2 in r-s group 239.7.7.7 port 0 source any resource none outputs 1 packets 100 bytes 50000 drops 0 state active
    add mcast-output her-00000000ef070707-2/0 rule her-00000000ef070707-2 if r-tun mode unicast dest 10.9.0.2 port 0 ttl 64 state up-unicast packets 100 bytes 50000 drops 0

IGMP reports from the point-to-point peer address are accepted there.  Links that gain
or lose IFF_MULTICAST are re-checked every second.

Downstream state also attaches to the user's normalizer rules: when IGMP members or PIM
joins want a group that an `mcast-rule NAME` publishes (an output's group, from the
rule's VIP or from any source) on an interface the rule does not already serve, the
daemon keeps a companion rule `mrib-NAME` with the same input, match and VIP whose
outputs are those interfaces (same port and TTL as the user's output), so the
normalized stream reaches them; it follows the MRIB (at the next tick) and goes when
they go.  Rules the daemon makes (`her-...`, `mrib-...`) show in the dump like any
other; a user's rule that already has such a name is never replaced or removed (the
companion is then not made).

GEM outputs attach the same way: a `gem-receive G mrib true` (see "GEM gateway") re-emits
the decrypted stream on the interfaces the MRIB's (S,G) and (*,G) entries for G forward
on, following joins and leaves; the entries then show them as `gem-oifs` (at the end of
the mroute record, only for a group such a gem-receive serves; the (S,G) entry's iif is
ipsec0 when Babel routes S through the tunnel, `-` when nothing routes it):

    add mroute * 239.1.1.1 iif - oifs b-r,b-q igmp-oifs b-r,b-q gem-oifs b-r,b-q
    add mroute 192.168.100.1 239.1.1.1 iif ipsec0 oifs b-r igmp-oifs b-r gem-oifs b-r

A monitor gets them with the entry's next add or change line (a gem-receive line given
after the entry exists does not by itself send one); a dump always shows them.

The excluded sources of an EXCLUDE-mode group are carved out of forwarding: the (S,G)
entries the kernel gets for such a source leave that interface out, unless PIM's (*,G)
or an (S,G) entry wants it there.  IGMP messages arrive on the same
socket as the kernel's upcalls (an upcall is a struct igmpmsg whose protocol byte is 0);
the daemon joins 224.0.0.22 (IGMPv3 reports) and 224.0.0.2 (leaves) on each IGMP
interface, and queries leave by that socket with IP_PKTINFO naming the interface.

Records (dump; monitors get add/change/flush as interfaces, groups and entries come,
change or go; timer countdowns alone do not make a change line):

    add mcast-interface r-h igmp true pim false igmp-version 3 dr-priority 1 auto-her false igmp-robustness 2 igmp-query-interval 125 igmp-query-response-interval 10.0 igmp-last-member-query-interval 1.0 sa-originate true
    add igmp-interface r-h address 10.0.2.1 querier 10.0.2.1 self true version 3 robustness 2 query-interval 125 groups 2
    add igmp-interface r2-l address 10.0.2.3 querier 10.0.2.1 self false version 3 robustness 2 query-interval 125 groups 0 other-querier-expires 251
    add igmp-group 239.1.2.3 if r-h mode exclude version 3 expires 258 reporter 10.0.2.2
    add igmp-group 239.1.2.4 if r-h mode exclude version 3 expires 258 excluded 10.0.1.9 reporter 10.0.2.2
    add igmp-group 232.1.1.1 if r-h mode include version 3 sources 10.0.1.2:259 reporter 10.0.2.2
    add igmp-stats received 24 queries 0 v1-reports 1 v2-reports 1 v3-reports 13 leaves 1 truncated 1 bad-checksum 1 malformed 1 unknown-type 1 not-on-link 0 unknown-records 0 queries-sent 23 send-errors 0
    add mroute * 239.1.2.3 iif - oifs r-h igmp-oifs r-h
    add mroute 10.0.1.2 232.1.1.1 iif r-s oifs r-h igmp-oifs r-h
    add mroute 10.0.1.2 232.5.5.5 iif r-u1 rpf-neighbour 10.0.11.1 oifs r-h igmp-oifs r-h
    add mroute 10.0.1.2 239.1.2.3 iif r-s oifs r-h from *
    add mroute-stats vifs 2 entries 1 nocache 1 wrongvif 0 wholepkt 0 installs 2 removals 0 failures 0

`igmp-interface`: our address there, the querier's, whether we are it, the version we
query with, the robustness and query interval in use (adopted from the querier when we
are not it), the number of groups, and when we are not the querier the seconds until we
take over.  `igmp-group G if IF`: filter mode, the group's compatibility mode
(`version` 1, 2 or 3), the group timer (`expires`, seconds, EXCLUDE mode), the sources
traffic is wanted from with their timers (`sources S:SECONDS,...`), the EXCLUDE mode's
excluded sources, and the last reporter.  `mroute S G` (`*` for (*,G)): `iif -` when
there is no RPF (no route; or, for (*,G), no RP), `rpf-neighbour` when the next hop is
not the source itself, `oifs` all outgoing interfaces (`-` for none) and, by origin,
`igmp-oifs` and `pim-oifs`; an (S,G) the kernel asked about for a (*,G) is shown with
`from *` and the oifs it forwards on (monitors get add/change/flush as the kernel's entry
is written, moves or goes).  `mroute-stats` (once the MRT socket is open): vifs in use,
(S,G) entries we keep in the kernel, the kernel's upcalls by kind (NOCACHE, WRONGVIF,
WHOLEPKT), MFC entries written and removed, and writes the kernel refused.  `igmp-stats` appears once the daemon has
received or sent an IGMP message (a router without multicast dumps what babeld
dumps).

tests/unit/test_igmp drives the router state machine with hand-made reports and a
clock set by hand: all twelve rows of RFC 3376's tables 6.4.1 and 6.4.2,
source and group timers, EXCLUDE turning INCLUDE, the v1/v2 translations, querier
election with QRV/QQIC adoption, a non-querier's timers lowered by the querier's
specific query; test_igmp_codec checks the codec against a Linux host's reports and
hand-written queries and fuzzes it; test_mrib the MRIB's bookkeeping, RPF toward
connected subnets and point-to-point peers, and the directive's refusals.
tests/netns/t-igmp: a Linux host's IGMPv3 join and leave, with and without a source
list, in and out of the records; a stream from a source across our router to the host
through the MFC entries we install (200 of 200 datagrams), the entries gone after the
leave and at exit; a blocked source's traffic not forwarded (exclude lists); IGMPv2 and IGMPv1 hosts (force_igmp_version): their
compatibility modes, a v2 leave honoured, a v1 group expiring after the membership
interval; bad messages counted by reason, and 2000 random ones with right checksums
survived (also under ASan, nothing left at exit); our general, group-specific and
group-and-source-specific queries dissected by tshark (IGMPv3, Router Alert, TTL 1,
checksums good, nothing malformed).  With a last member query interval of 0.5 s
a leave empties the group in 0.9 s (two group-specific queries, then the 1 s Last
Member Query Time).  tests/netns/t-igmp-querier: two of ours on a bridged link, the
lower address wins, the non-querier forgets a group with the querier (within 30 ms of
it) rather than at its own membership interval, follows an IGMPv2 querier, and takes
over 4.3 s after the querier stops (Other Querier Present Interval 4.5 s); against the
kernel's own IGMPv3 querier (a Linux bridge with mcast_querier on a lower address) ours
yields within 0.5 s and adopts its query interval from the QQIC, and so it does to
Debian's pimd 2.3 as IGMPv3 querier (its first query came 5.5 s after it started).
tests/netns/t-igmp-rpf: the link under Babel's route toward the source fails while
(S,G) and (*,G)-derived streams flow: Babel's route moved within 25 ms, the MFC
entries' iif within 100 ms of the link going down (polled every 0.2 s; noisy on this
shared machine), and no datagram was lost (the upstream router sends on both links).
tests/netns/t-igmp-norm: a host joins the group a user's rule republishes from its VIP:
`mrib-NAME` appears within 20 ms of the report and the host gets 200 of 200 datagrams
byte for byte from the VIP; it goes 1.1 s after the host leaves.
tests/netns/t-igmp-her: a join sent into a TUN without IFF_MULTICAST makes the auto-her
rule, 100 of 100 datagrams reach the far end as unicast, none by the kernel; the leave
removes the rule.

PIM-SM
------

PIM-SM (RFC 7761) runs, for IPv4, on every interface that `mcast-interface IF` names with
`pim true` (the default; `dr-priority N` is its DR priority, default 1).  It carries the
MRIB's downstream interest upstream, hop by hop, along Babel's routes: the RPF interface
and neighbour toward a source (or an RP) are those of Babel's selected route
(`mrib_rpf`, from babel/metrics.h), so PIM needs no other unicast routing protocol.

    pim-rp ADDRESS [group PREFIX]       static RP for PREFIX (default 224.0.0.0/4)
    pim-hello-interval SECONDS          Hello_Period (default 30, 1..18000)
    pim-join-prune-interval SECONDS     t_periodic (default 60, 1..18000)

All three work in babeld.conf, with -C and on a read-write local socket, where
`flush pim-rp ADDRESS [group PREFIX]` removes an RP.  A `pim-rp` for the same prefix
replaces the earlier one; the longest matching prefix wins.  A prefix inside
232.0.0.0/8 is refused: that is the SSM range, served with (S,G) only ((*,G) joins for
it are neither sent nor accepted).

What it does:

- Hellos every Hello_Period (jittered), at once on a new interface and soon after a new
  or restarted neighbour is heard, with holdtime 3.5 x Hello_Period, LAN Prune Delay
  (propagation delay 500 ms, override interval 2500 ms, T bit clear), DR priority and a
  generation id chosen when the interface comes up.  A goodbye (holdtime 0) when the
  interface leaves the configuration, loses its address, or the daemon stops.
- Neighbours expire after their holdtime; a new generation id is a restart (our joins
  are sent to it again within 250 ms, after our Hello).  The DR is elected as 4.3.2
  says: the highest priority when every neighbour sends one, else the highest address.
- Upstream: an MRIB entry with downstream interest (a PIM join, or an IGMP receiver on
  an interface where we are the DR: on a link with other PIM routers only the DR joins
  and forwards for IGMP receivers, through the MRIB's forwarding filter) on an
  interface other than its RPF interface makes a Join toward its RPF neighbour, sent at
  once and every t_periodic, holdtime 3.5 x t_periodic.  Periodic joins to one
  neighbour go together (those due within half a period are sent early, so they fall
  into step), in as few messages of at most 1400 bytes as they fit in, each group once
  per message.  When Babel's route moves, the MRIB says so in the same pass of the
  event loop and the old neighbour gets a Prune, the new one a Join, immediately.  Another
  router's Join for the same entry to the same neighbour suppresses ours (4.5.7); its
  Prune makes us override it with a Join within the override interval.  No Join when
  the RPF neighbour is none (the source is on-link, or we are the RP).
- Downstream: a Join addressed to us adds the interface to the MRIB entry (origin PIM)
  until its holdtime runs out; a Prune removes it at once on a link with one neighbour,
  and after the J/P override interval (propagation delay + override interval, 3 s by
  default) on a link with more, unless a Join comes first.
- (*,G): toward the RP `pim-rp` gives, with the RP in the Encoded-Source (S, W and R
  bits); a (*,G) join naming another RP is ignored and counted.  The MRIB derives (S,G)
  forwarding from (*,G) when traffic arrives (mcast/mroute.c).
- Source-Active: the SA table acts as an RP fed by MSDP would.  For every active SA
  (S,G) (outside the SSM range) and every (*,G) entry with downstream interfaces, those
  interfaces become (S,G) interest (origin PIM), so (S,G) joins go toward each active
  source of G; they go when the SA or the (*,G) interest goes.  This needs no RP.  An
  SA whose source is on one of our links (RPF neighbour none: a native source we
  announce ourselves) adds nothing: there is no one to join, and the kernel already
  forwards its traffic to the (*,G) oifs (IGMP exclusions included, and no second
  auto-her copy).
- Asserts (4.6) for (S,G) on the link where we forward.  When the kernel sees (S,G)
  arrive on one of the entry's outgoing interfaces (MRT_ASSERT's WRONGVIF upcall, at
  most one per entry every 3 s) another router forwards there too, and we assert.  An
  Assert better than ours (lower preference, then lower metric, then higher address)
  makes us a loser, and the interface's PIM contribution leaves the MRIB for Assert_Time
  (180 s) or until the winner goes or loses; a worse one is answered with our own Assert
  and we stay the winner (re-asserted every 177 s).  Our metric: preference 0 and metric
  0 for an on-link source, else preference 120 and Babel's route metric.  A router
  downstream on the link (it is its RPF interface) takes the winner as RPF' and sends
  its joins there (4.5.7) until the winner's state times out, the winner goes, or it
  asserts worse than it did.
- Bad input: a message with a bad checksum, version, truncated or with impossible
  contents is counted by reason and dropped; Join/Prune and Assert from a router that
  sent no Hello, and anything received on an interface without PIM, are ignored and
  counted.
  Registers, Bootstrap and other types are counted as `other` and ignored.
- Limits (any router that sends a Hello is a neighbour, and each Join it sends us costs
  memory): at most 2048 downstream entries per interface and 8192 in all
  (PIM_MAX_DOWN_PER_IF, PIM_MAX_DOWN in mcast/pim_int.h); a Join for a new entry beyond
  them is refused and counted (`downstream-refused` in pim-stats), while existing
  entries stay and are refreshed as usual.  Upstream state is one entry per MRIB entry
  at most, so the MRIB's bound (4096 entries) holds it.  A received Join/Prune holdtime
  of 0xffff, which RFC 7761 4.9.5 says means "never time out", is clamped to 0xfffe s
  (about 18 h): a router that sends it and goes away, or a forger, cannot pin state
  forever; a sender relying on it loses an entry it never refreshes after 18 h.
  tests/unit/test_pim.c (join_flood_capped) floods unique (S,G) joins on five
  interfaces.

The messages are those of RFC 7761 4.9, IPv4 only (address family 1, native encoding),
IP protocol 103 to 224.0.0.13 with TTL 1, the checksum over the whole message.  Our
Hello, byte by byte:

    0  0x20 (version 2, type 0 Hello), 0x00, checksum (2)
    4  00 01 00 02 HH HH               holdtime (s)
   10  00 02 00 04 01 f4 09 c4         LAN Prune Delay: T 0, 500 ms, 2500 ms
   18  00 13 00 04 PP PP PP PP         DR priority
   26  00 14 00 04 GG GG GG GG         generation id

and a triggered Join/Prune carries one entry: upstream neighbour (01 00 + 4 bytes),
reserved, one group, holdtime; the group (01 00 00 20 + 4 bytes), 1 joined and 0 pruned
(or 0 and 1), the source (01 00 04 20 + S for (S,G); 01 00 07 20 + RP for (*,G)); a
periodic one has every group joined toward that neighbour, each with its sources.
tests/unit/test_pim_codec.c has golden bytes for Hello, (S,G) and (*,G) Join/Prune and
Assert.

Records (dump, and monitor for all but pim-stats and pim-rp):

    add pim-rp 10.0.10.1 group 239.2.0.0/16
    add pim-interface a-l address 10.0.1.1 dr 10.0.1.2 dr-priority 3 genid ab659aba neighbours 1 hello-interval 2
    add pim-neighbour 10.0.1.2 if a-l dr-priority 5 holdtime 105 genid 542e1fe3 expires 100 dr true uptime 6
    add pim-upstream (10.0.10.2,232.1.1.1) group 232.1.1.1 if 3-2 neighbour 10.0.23.2 rp none next-join 59
    add pim-downstream (10.0.10.2,232.1.1.1)%1-2 if 1-2 expires 210 state join
    add pim-assert (10.0.6.2,232.1.1.1)%u-l if u-l role forwarder winner 10.0.5.9 preference 0 metric 0 lost true
    add pim-stats received 10 sent 17 send-errors 0 hello 2 join-prune 3 assert 0 other 0 truncated 1 bad-checksum 1 bad-version 1 malformed 1 too-many 0 no-pim-interface 1 not-neighbour 1 own 0 jp-not-ours 0 rp-mismatch 0 ssm-star 0 rpt-ignored 0 bad-entry 0 joins-in 2 prunes-in 0 joins-out 0 prunes-out 0 jp-messages-out 0 joins-suppressed 0 prune-overrides 0 asserts-out 0 assert-won 0 assert-lost 0 downstream-refused 0

In pim-stats, `jp-not-ours` counts Join/Prunes for another upstream router (used only
for suppression and override), `joins-suppressed` and `prune-overrides` what they did to
ours, `joins-out` entries and `jp-messages-out` messages, `downstream-refused` joins for a
new entry beyond the limits above.  In pim-neighbour,
`dr-priority none` when the neighbour sends none; `expires` in seconds (`never` for
holdtime 0xffff); `dr` whether it is the link's DR.  `pim-downstream` has `state join` or
`prune-pending`.  `pim-assert` has `role forwarder` where we forward onto the link
(`lost` says whether we stopped) or `role downstream` on our RPF interface (the winner
is where our joins go).  `(*,G)` entries read `(*,239.2.2.2)` and have `rp ADDRESS` in
pim-upstream.  A router without PIM interfaces or RPs prints none of these.

Timers: Hello_Period 30 s (pim-hello-interval), Hello holdtime 3.5 x that, t_periodic
60 s (pim-join-prune-interval), J/P holdtime 3.5 x that (210 s), propagation delay
500 ms, override interval 2500 ms, J/P override interval 3 s, t_suppressed 1.1..1.4 x
t_periodic, t_override 0..2.5 s, Assert_Time 180 s, Assert_Override_Interval 3 s.

With Debian's pimd 2.3.2 (tests/netns/t-pim-interop, on a bridged link): each lists the
other as a neighbour with the other's holdtime and DR priority, both elect the same DR
(in our dump and in `pimd -r`'s VIF flags), also after our dr-priority changes at run
time; pimd's (S,G) join for an IGMPv3 receiver behind it is applied by us and the stream
flows through our kernel's MFC and pimd to the receiver; our (S,G) join and prune toward
pimd (Babel's route to the source learnt from Debian's babeld beside it) appear decoded in
pimd's log; our goodbye makes pimd forget us at once.  pimd 2.3.2 as a source's
first-hop router built no forwarding state from (S,G) joins in our trials, whether ours
or another pimd's, so the stream in that direction is not part of the check.  tshark 4.0
dissects our Hellos and Join/Prunes, a bundled one included, with every checksum
correct (t-pim-stream).

Figures (tests/netns, two cores shared with other jobs, so noisy): a source two Babel
hops from the receiver's router, 200 datagrams/s; the link on the path goes down; over
several runs Babel moved the route at the receiver's router after 3.1 to 8.2 s (its
hello-interval 1 s) and the receiver's longest gap was each time within 50 ms of that
(t-pim-stream requires gap <= convergence + 1 s); the join moved 20-40 ms after Babel's
route and reached the first-hop router over the new path within 60 ms.  A join reaches
the first-hop router about 30 ms after the receiver's IGMP report.  A prune overridden
on a three-router link left the other receiver's stream with a 9 to 55 ms longest gap
(t-pim-lan); a DR hand-over at run time on a receiver's link left an 8 ms longest gap
and no duplicates (t-pim-dr); two forwarders on one link asserted and one stopped within
300 ms of the first datagram, after which each receiver got every datagram once
(t-pim-assert).

Not done: Registers (a source reaches (*,G) receivers only when its first-hop router is
the RP or through an SA), (S,G,rpt) prunes and SPT switchover (counted as rpt-ignored),
BSR and Auto-RP, IPv6 (PIM for IPv6 / MLD), Asserts for (*,G), and downstream routers
do not redirect their joins to an assert winner (they keep joining Babel's next hop).
The kernel's WRONGVIF upcall is not yet wired to `pim_assert_data_on_oif` (mcast/
mroute.c, with MRT_ASSERT), so asserts start only when another router asserts.  Each
Join/Prune carries one entry (no bundling).  There is no `flush pim-rp`, and a `pim-rp`
given at run time reaches existing (*,G) entries only at their next RPF change.  The
RPF neighbour is Babel's IPv4 next hop: with v4-via-v6 routes there is none to join.
Measured (tests/bench/gem; 2 CPUs shared with other jobs, load average 3 to 5, so
noisy; four runs): sealing as gem-send does (GEM seal, the IPv4/UDP header, ESP seal)
runs at 210-300 kpps of 1316-byte datagrams per core; DESIGN.md's reference, 1/(1/a +
1/h + 1/a) with openssl speed's aes-256-gcm (0.94-1.13 GB/s) and hmac(sha256)
(0.81-0.95 GB/s) at 1316 bytes, predicts 226-269 kpps: ours is 0.77-1.26 of it
(target 0.6), and 0.23-0.40 of bare `openssl speed -evp aes-256-gcm` in packets/s
(three passes of crypto against one).  End to end (the source blasting at full rate
on the same 2 CPUs as the 5 namespaces' daemons): through the ESP tunnel 29-44 kpps
delivered against 155-270 kpps for the plain normalizer relay in the same run
(0.12-0.22), by the veth egress 26-67 kpps (0.11-0.25); at fixed rates, through ESP
no loss at 10 kpps, 0-0.1 % at 20 kpps, 0-17 % at 40 kpps; by veth none at 20 kpps,
0-6 % at 40 kpps.  Each gateway spends 7-14 us of CPU per packet (on the sender 3.3-4.7 us of
crypto, the rest the capture and one send per packet, whose cost includes the kernel
delivering it through the veth; on the receiver the receive, GEM's checks and one
sendto per packet).  Both run on the Babel event loop (batches of 8 frames; a
UDP_SEGMENT frame may hold 40 datagrams, about 0.3 ms of work): during the full-rate
runs A's local interface answered `dump` within 41-96 ms at worst (target 100 ms).
BSR and Auto-RP, IPv6 (PIM for IPv6 / MLD), and Asserts for (*,G).  Losing an assert
takes away our PIM joins' interface, not an IGMP-only one (that forwards only where we
are the DR anyway, so two routers forward onto one link only through PIM joins).
Prunes and triggered joins go one entry per message.  A `pim-rp` given or flushed at
run time reaches existing (*,G) entries only at their next RPF change (the MRIB does not
offer a recomputation).  The RPF neighbour is Babel's IPv4 next hop: with v4-via-v6
routes there is none to join.  The Hello address list is read but not used.
Downstream joins are bounded (2048 entries per interface, 8192 in all, a received
J/P holdtime of 0xffff clamped to 0xfffe s); neighbours are capped at 256 per interface,
but a Hello holdtime of 0xffff still keeps a neighbour until it says goodbye or its
interface goes.

Status
------

Works today:
- The Babel core (babel/): Hello/IHU with 2-out-of-3 (wired, tunnel) and ETX (wireless)
  link costs, RTT from timestamps when enabled, route selection with feasibility,
  smoothing and hysteresis, triggered and periodic updates, retractions, expiry with a
  route request before it, seqno requests for starvation (to every neighbour that has a
  route) and their forwarding, per-neighbour route lists (a cost change or flush walks
  only that neighbour's routes), split horizon, IPv4 (AE 1 with a next hop, or AE 4
  v4-via-v6) and IPv6, source-specific IPv6 routes.  Interoperates with Debian's babeld
  1.12 (checked in namespaces: ours - stock - ours and stock - ours - stock, metric 192
  over two wired hops).
- Kernel through libmnl: routes installed with protocol 42, stale ones flushed at start,
  all removed at exit; local addresses and import tables redistributed through the
  redistribute filters; links, addresses and routes followed through notifications.
- babeld.conf and the command line: every babeld 1.12 option, interface parameter, key and
  filter; errors name the file, line and reason.
- Local interface: TCP on ::1 and UNIX sockets, read-only and read-write, babeld 1.12's
  greeting and record formats, dump, monitor, unmonitor, quit; on read-write sockets
  babeld's run-time lines (interface, default, key, flush interface, log-file,
  link-detect, smoothing-half-life) answered as babeld answers them, and the extensions'
  directives, refused with `no <reason>`.
- Per-peer link metrics (babel/metrics.h) and the link-metrics record.
- MAC authentication (RFC 8967, babel/mac.h): hmac-sha256 and blake2s128 keys, replay
  protection, challenges after a restart, run-time key rollover and the mac-stats
  record; interoperates with Debian's babeld (tests/netns/t-mac-*).
- The extension surface (babel/extension.h): handlers for TLV types 224-254, callbacks on
  neighbour and route changes, extra local-interface records.
- Source-Active TLVs (mcast/sa.c): sa-announce and sa-lifetime, flooding with
  acknowledgments and retransmission, peer-RPF, refresh, withdrawal and expiry, the sa
  and sa-stats records; stock babeld neighbours acknowledge them and keep their routes
  (tests/netns/t-sa-chain, t-sa-loss, t-sa-mac; tests/bench/sa).
- The mcast normalizer (mcast/rule, frame, reasm, capture, egress, fwd, dataplane, vip,
  norm, report): mcast-rule at start-up and at run time, flush mcast-rule, VIPs on a
  virtual link, TPACKET_V3 capture with checks and drop counters, reassembly, io_uring
  egress, HER and point-to-point outputs, the mcast-rule, mcast-output and mcast-input
  records (tests/netns/t-mcast-*, tests/bench/relay).
- SA origination by normalizer rules (mcast/norm_sa): SA(VIP, output group) from the
  first packet, withdrawn after `sa-idle-time` (tests/netns/t-sa-normalizer); a link
  that comes back after an outage re-synchronises the SA tables (t-sa-resync).
- SA origination for native sources (mcast/native_sa): a host on a mcast-interface's
  subnet sending to G (outside 224.0.0.0/24 and SSM 232/8) is announced at its first
  packet (the kernel's NOCACHE report) and withdrawn after `sa-idle-time` without
  packets (the MFC entry's counters); off-subnet, own-address and SSM sources are
  counted, not announced; `sa-originate false`, a flushed mcast-interface and exit
  withdraw; the sa-native-stats record.  With PIM, a receiver's IGMP (*,G) join
  becomes (S,G) joins toward the source with no RP: the whole of issue 7 end to end
  (tests/netns/t-sa-native; tests/unit/test_native_sa).
- GEM gateway, ESP (gem/esp, esp_sa, tun): gem-peer and esp-sa, one TUN device per
  peer, AES-256-GCM ESP with 64-bit sequence numbers and a 4096-packet window over raw
  protocol 50 or UDP 4500, forged/tampered/replayed/truncated/unknown-SPI packets
  counted and dropped, the gem-peer, esp-sa and esp-input records; tshark decrypts it;
  Babel runs over the device as a tunnel interface; ESP in UDP crosses a NAT
  (tests/netns/t-esp-tunnel, t-esp-udp, t-esp-babel, t-esp-nat; tests/bench/esp,
  esp-tunnel).
- GEM gateway (gem/gem, gem_codec, gem_crypto, gem_keys, gem_replay, gem_seq, gem_send,
  gem_receive): gem-group with two key ids for a rollover, gem-send from an AF_PACKET
  socket (a local normalizer's output included) through ESP and/or a veth, gem-receive
  from ESP and bridged multicast, re-emission from the original source, replayed,
  tampered, truncated, wrong-GAK, stale-key and forged packets counted by reason, the
  gem-group, gem-send, gem-receive and gem-input records (tests/netns/t-gem-veth,
  t-gem-esp, t-gem-esp-udp; tests/unit/test_gem_codec; tests/bench/gem); replays of
  many senders in rotation and old captures after a receiver restart refused, a
  sender restarted with its clock set back accepted with fresh nonces
  (tests/unit/test_gem: replay_many_senders, sender_restart_clock_back); with `mrib
  true` the egress re-emits exactly where IGMP members and PIM joins want the group,
  added and removed as they join and leave (gem/gem_mrib; tests/netns/t-gem-mrib,
  tests/unit/test_gem_mrib).  GEM and ESP
  run on a worker thread of their own with batched sends; run-time changes hand over
  to it without a lock per packet (gem/gem_dp; tests/netns/t-gem-churn).
- PIM-SM for IPv4 (mcast/pim*.c): Hellos, neighbours, DR election, (*,G) and (S,G)
  Join/Prune toward the RPF neighbour of Babel's selected route, moved when the route
  moves, received joins as MRIB oifs with expiry, prune override and join suppression on
  multi-access links, Asserts, static RP (`pim-rp`), SSM 232/8 with (S,G) only, (S,G)
  joins toward the sources of the SA table, and the pim-* records; interoperates with
  Debian's pimd 2.3.2 (neighbours, DR, its joins) and dissects cleanly in tshark
  (tests/netns/t-pim-interop, t-pim-stream, t-pim-lan, t-pim-assert, t-pim-dr).
- Memory and speed (tests/bench/babel-scale, 10,000 routes, VmHWM at convergence;
  three runs of 3, shared CPUs): ours converges in 0.05-0.09 of stock babeld's time with
  0.33-0.35 of its CPU (A+B) and 0.77-0.80 of its peak memory (A+B); the node that
  learns the routes (B) peaks at 3.55-3.68 MB against stock's 4.42-4.82 MB, 0.75-0.82
  of stock's in every run (medians 0.78-0.82), the redistributing one (A) at 0.77-0.79.
  A learned route costs 144 bytes (route 64, entry 56, source 24, from fixed-size pools
  with no allocator overhead) against stock's ~216: next hops, router-ids and what is
  installed in the kernel (gateway, interface, metric, table: babel/inst_intern.c) are
  interned and named by 32-bit handles; an entry stores its source prefix only when it
  is source-specific; a destination's route list ends in a tagged link back to its
  entry and the selected route is a flag on the route, so neither needs a pointer.  Of
  B's peak about 1.5 MB are these pools and about 2 MB libc, ld.so and our text
  (file-backed pages stock maps too).  An idle router is 2.0-2.1 MB resident against
  stock's 2.3-2.4 MB: no thread, io_uring ring or GEM worker until a mcast-rule or GEM
  socket needs one, libcrypto loaded only when a key is configured, large statics in
  .lbss (x86-64) so the small variables in use share a few pages, no .eh_frame.
- IGMP (mcast/igmp*.c, RFC 2236 and 3376, router side) on every mcast-interface:
  querier election, general, group-specific and group-and-source-specific queries,
  INCLUDE/EXCLUDE state with source lists and every RFC 3376 timer, IGMPv1/v2 host and
  querier compatibility, bad messages counted by reason; the MRIB (mcast/mrib.c) with
  RPF from connected subnets and Babel's routes, moved in the same event-loop pass as
  the route; the kernel's multicast routing (mcast/mroute.c: MRT_INIT, vifs, MFC entries
  from (S,G) entries and from NOCACHE upcalls for (*,G)); auto-her (mcast/autoher.c)
  and downstream state attached to the user's normalizer rules (mcast/attach.c) through
  rules the daemon makes; GEM egress outputs (`gem-receive G mrib true`) on the
  interfaces with downstream interest; the mcast-interface, igmp-interface, igmp-group,
  igmp-stats and mroute records (tests/netns/t-igmp, t-igmp-querier, t-igmp-rpf,
  t-igmp-her, t-igmp-norm, t-gem-mrib).

Not yet:
- IPv4 Babel transport (and so RFC 8967's pseudo-header with 4-byte addresses) does not
  exist; Babel runs over IPv6 link-local, as babeld does by default.
- IPv4 source-specific routes are not installed (the kernel has none; babeld uses rules).
- Unicast Hellos are understood but never sent (`unicast true` sends updates and IHUs to
  each neighbour, Hellos still by multicast, as babeld 1.12.1 does: checked on the wire,
  two stock daemons with `unicast true` on a veth exchange only multicast Hellos and
  unicast IHUs).
- Diversity routing (-z, diversity) is accepted and ignored.
- Normalizer: one worker thread (PACKET_FANOUT over several is not done); rules match
  IPv4 only; a VLAN tag is not matched on (the rule's interface is); the republished packets'
  source port is an ephemeral one, not the original.
- No policy engine yet, and no key negotiation.
- GEM: keys are configured, not negotiated; IPv4 only; gateways' clocks must agree
  within 30 s (sequence numbers are wall-clock time; a receiver refuses others,
  bad-time), and a group takes at most 16 sending gateways at once (a 17th is refused,
  no-window, until a window has been idle 60 s); the sender address defaults to an
  interface's address, which two sites may share (the random run in the nonce keeps
  their nonces apart but for a 2^-32 chance; `from` with an address of their own
  removes it; the ESP peer's local address would make a better default); the
  data plane is one worker thread for every GEM and ESP socket (not one per core),
  reading with recvmmsg rather than a TPACKET_V3 ring and sending with sendmmsg rather
  than io_uring with UDP_SEGMENT, and a TUN device is read and written one packet per
  system call; on this 2-CPU machine, end to end through ESP with the source at full
  rate, it delivers 0.10-0.16 of the plain relay's rate (CPU-bound: every namespace
  shares the 2 CPUs), and of 80 kpps offered it delivers about 75; the re-emitted
  datagram's TTL is the gem-receive's, not the original's; gem-send captures on
  Ethernet-framed interfaces only (not on a TUN or other L3 device).
- ESP: keys are manual only (no IKE or negotiation yet), so a restarted gateway's
  peer drops its packets until it restarts too or gets new SPIs; IPv4 outer headers
  only; no SA lifetimes (bytes or time) other than the sequence number space; routes
  into the ipsecN devices are not added by the daemon; no TFC padding is sent; an
  authenticated inner packet is delivered whatever its inner source (no RFC 4301
  selector check yet): keep rp_filter on the ipsecN devices so that one peer cannot
  inject another site's addresses; `encap udp` follows a new NAT port from a single
  authenticated packet (RFC 3948's rule), which an on-path attacker can use to stall
  the tunnel.
- Kernel MFC entries derived from (*,G) are capped at 8192 and not evicted: traffic
  from many spoofed sources can fill the table until its entries idle out.
- PIM-SM: no Registers, no (S,G,rpt) prunes or SPT switchover, no BSR/Auto-RP, no IPv6,
  no (*,G) Asserts ("PIM-SM", Not done).
- IGMP/MRIB: no MLD (IPv6); the GEM egress follows the MRIB, but the ingress does not:
  gem-send sends to every listed peer whether or not anyone behind it listens (there
  is no interest signalling between gateways yet), and a PIM join at the egress is not
  carried to the ingress; a GEM egress knows the outputs of at most 16 sources per
  group (others go by (*,G)); at most 32 vifs (the kernel's MAXVIFS); one MRT socket per namespace, so the
  daemon cannot share one with smcrouted or pimd once a mcast-interface is configured.
- SAs do not cross a stock babeld node.  Native sources: IPv4 only (no MLD/IPv6
  multicast routing); their activity is sampled every 0.5 s rather than per packet.
