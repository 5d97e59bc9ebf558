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
Other subsystems (the normalizer, later IGMP/PIM) are to originate SAs through
`sa_originate(S, G)` and `sa_withdraw(S, G)` (mcast/sa.h; none calls them yet); an SA
announced both ways stays until both withdraw it.

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
  a route to appear (looked at again whenever Babel's routes change, and every second)
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
  neighbours noticed learns every SA at once.  Nothing is sent to a neighbour that is
  not a peer; what it sends is believed all the same.
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
about 1 s.

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

IGMP and the MRIB
-----------------

Which interfaces take part in IPv4 multicast routing, and how:

    mcast-interface IF [igmp true|false] [pim true|false] [igmp-version 2|3]
                       [dr-priority N] [auto-her true|false]
                       [igmp-robustness N] [igmp-query-interval S]
                       [igmp-query-response-interval S]
                       [igmp-last-member-query-interval S]

Defaults: igmp true, pim true (see PIM-SM), igmp-version 3, dr-priority 1, auto-her
false, robustness 2, query interval 125 s, query response interval 10 s, last member
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
companion is then not made).  GEM outputs do not exist yet.

The excluded sources of an EXCLUDE-mode group are carved out of forwarding: the (S,G)
entries the kernel gets for such a source leave that interface out, unless PIM's (*,G)
or an (S,G) entry wants it there.  IGMP messages arrive on the same
socket as the kernel's upcalls (an upcall is a struct igmpmsg whose protocol byte is 0);
the daemon joins 224.0.0.22 (IGMPv3 reports) and 224.0.0.2 (leaves) on each IGMP
interface, and queries leave by that socket with IP_PKTINFO naming the interface.

Records (dump; monitors get add/change/flush as interfaces, groups and entries come,
change or go; timer countdowns alone do not make a change line):

    add mcast-interface r-h igmp true pim false igmp-version 3 dr-priority 1 auto-her false igmp-robustness 2 igmp-query-interval 125 igmp-query-response-interval 10.0 igmp-last-member-query-interval 1.0
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
  source of G; they go when the SA or the (*,G) interest goes.  This needs no RP.
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
    add pim-stats received 10 sent 17 send-errors 0 hello 2 join-prune 3 assert 0 other 0 truncated 1 bad-checksum 1 bad-version 1 malformed 1 too-many 0 no-pim-interface 1 not-neighbour 1 own 0 jp-not-ours 0 rp-mismatch 0 ssm-star 0 rpt-ignored 0 bad-entry 0 joins-in 2 prunes-in 0 joins-out 0 prunes-out 0 jp-messages-out 0 joins-suppressed 0 prune-overrides 0 asserts-out 0 assert-won 0 assert-lost 0

In pim-stats, `jp-not-ours` counts Join/Prunes for another upstream router (used only
for suppression and override), `joins-suppressed` and `prune-overrides` what they did to
ours, `joins-out` entries and `jp-messages-out` messages.  In pim-neighbour,
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
BSR and Auto-RP, IPv6 (PIM for IPv6 / MLD), and Asserts for (*,G).  Losing an assert
takes away our PIM joins' interface, not an IGMP-only one (that forwards only where we
are the DR anyway, so two routers forward onto one link only through PIM joins).
Prunes and triggered joins go one entry per message.  A `pim-rp` given or flushed at
run time reaches existing (*,G) entries only at their next RPF change (the MRIB does not
offer a recomputation).  The RPF neighbour is Babel's IPv4 next hop: with v4-via-v6
routes there is none to join.  The Hello address list is read but not used.

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
- PIM-SM for IPv4 (mcast/pim*.c): Hellos, neighbours, DR election, (*,G) and (S,G)
  Join/Prune toward the RPF neighbour of Babel's selected route, moved when the route
  moves, received joins as MRIB oifs with expiry, prune override and join suppression on
  multi-access links, Asserts, static RP (`pim-rp`), SSM 232/8 with (S,G) only, (S,G)
  joins toward the sources of the SA table, and the pim-* records; interoperates with
  Debian's pimd 2.3.2 (neighbours, DR, its joins) and dissects cleanly in tshark
  (tests/netns/t-pim-interop, t-pim-stream, t-pim-lan, t-pim-assert, t-pim-dr).
- IGMP (mcast/igmp*.c, RFC 2236 and 3376, router side) on every mcast-interface:
  querier election, general, group-specific and group-and-source-specific queries,
  INCLUDE/EXCLUDE state with source lists and every RFC 3376 timer, IGMPv1/v2 host and
  querier compatibility, bad messages counted by reason; the MRIB (mcast/mrib.c) with
  RPF from connected subnets and Babel's routes, moved in the same event-loop pass as
  the route; the kernel's multicast routing (mcast/mroute.c: MRT_INIT, vifs, MFC entries
  from (S,G) entries and from NOCACHE upcalls for (*,G)); auto-her (mcast/autoher.c)
  and downstream state attached to the user's normalizer rules (mcast/attach.c) through
  rules the daemon makes; the mcast-interface, igmp-interface, igmp-group, igmp-stats
  and mroute records (tests/netns/t-igmp, t-igmp-querier, t-igmp-rpf, t-igmp-her,
  t-igmp-norm).

Not yet:
- IPv4 Babel transport (and so RFC 8967's pseudo-header with 4-byte addresses) does not
  exist; Babel runs over IPv6 link-local, as babeld does by default.
- IPv4 source-specific routes are not installed (the kernel has none; babeld uses rules).
- Unicast Hellos are understood but never sent (`unicast true` sends updates and IHUs to
  each neighbour, Hellos still by multicast, as babeld does).
- Diversity routing (-z, diversity) is accepted and ignored.
- Memory (tests/bench/babel-scale, 10,000 routes): ours converges in 0.07 of stock
  babeld's time with 0.37 of its CPU and 1.03 of its peak memory (A+B); the node that
  learns the routes takes 1.20 of stock's, about 294 bytes per route against 216.
  Sources folded into route entries and a pool allocator would close that gap.
  (libcrypto is loaded only when a key is configured, so an idle router maps 2.4 MB
  against stock's 2.3 MB.)
- Normalizer: one worker thread (PACKET_FANOUT over several is not done); rules match
  IPv4 only; a VLAN tag is not matched on (the rule's interface is); the republished packets'
  source port is an ephemeral one, not the original.
- PIM-SM: no Registers, no (S,G,rpt) prunes or SPT switchover, no BSR/Auto-RP, no IPv6,
  no (*,G) Asserts ("PIM-SM", Not done).
- IGMP/MRIB: no MLD (IPv6); no GEM outputs (GEM does not exist yet); at most 32 vifs
  (the kernel's MAXVIFS); one MRT socket per namespace, so the daemon cannot share one
  with smcrouted or pimd once a mcast-interface is configured.
- No GEM or policy engine yet.
- SAs are originated only by `sa-announce`: a normalizer rule with a VIP does not yet
  announce SA(VIP, G) while packets flow, nor does a native source on an
  mcast-interface (which needs IGMP/PIM).  PIM uses them: (*,G) interest becomes (S,G)
  joins toward each active source of G.  They do not cross a stock babeld
  node.  A link that goes down and comes back without its neighbour being flushed is
  not re-synchronised: SAs lost meanwhile come back with their next refresh.
