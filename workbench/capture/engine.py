"""The capture engine: one streaming pass over the records, headers parsed by hand.

The loop walks the reader's buffer in place: link layer, IPv4/IPv6 (extension headers walked),
TCP/UDP. A flow is found by one dict lookup on the address and port bytes sliced straight from
the headers (both directions are keyed), so a packet of a flow that is not analysed costs that
lookup and a few additions. Payload is copied out only while a flow is still being identified
or analysed (TLS until the handshake is over, HTTP heads, login dialogues, DNS and discovery
datagrams). Streams under analysis are bounded in number and bytes (least recently used
evicted, with a warning) and flows in memory in number: a flow is written out (to the sink's
flows spill) when it has ended and lingered, or when too many are active at once, so memory does
not grow with the capture while every flow becomes a row.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from operator import attrgetter
from typing import Any

from workbench.capture import appid
from workbench.capture.datagrams import Datagrams
from workbench.capture.flow import TRANSPORTS, Flow, Limits, reverse_key
from workbench.capture.http_stream import HttpStream
from workbench.capture.netutil import TCP_PORTS, UDP_PORTS
from workbench.capture.reader import MAX_RECORD, Records
from workbench.capture.sink import Sink
from workbench.capture.streams import HALF, MASK, ChunkStream, TcpStream
from workbench.capture.tls_stream import TlsStream
from workbench.columnar import ResultWriteError

__all__ = ["LINK_NAMES", "TRANSPORTS", "Engine", "Flow", "Limits", "Sink"]

IP4 = struct.Struct("!BxH2xH1xB")  # version/IHL, total length, flags/fragment offset, protocol
TCP = struct.Struct("!4xI4xBB")  # sequence number, data offset, flags
UDP_LEN = struct.Struct("!4xH")
# Ethernet + IPv4 (20 bytes) + the first 14 bytes of TCP or UDP: ethertype, version/IHL, total
# length, flags/fragment offset, protocol, TCP sequence (UDP length in its top half), offset, flags
FAST = struct.Struct("!12xHBxH2xH1xB10x4xI4xBB")
VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
IPV6_EXT = (0, 43, 60, 135, 139, 140, 253, 254)
RAW_LINKS = (101, 12, 14, 228, 229)
MIN_SWEEP = 8192  # live flows below which ended ones are not looked for
MAX_ORIENTED = 65_536  # flows written out whose orientation is remembered (then forgotten)
WRITTEN = 8  # a flow's `fins` bit: written out already
MAX_SYNACKS = 100_000  # (server, port) pairs seen answering a SYN: a content limit of open_ports
LINK_NAMES = {
    0: "null",
    1: "ethernet",
    9: "ppp",
    50: "ppp-hdlc",
    12: "raw",
    14: "raw",
    101: "raw",
    108: "loop",
    113: "linux-sll",
    228: "ipv4",
    229: "ipv6",
    276: "linux-sll2",
}


class Engine(Datagrams):
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.limits = sink.limits
        self.max_streams, self.max_stream_bytes = self.limits.max_streams, self.limits.stream_bytes
        self.warnings = sink.warnings
        self.tcp_flows: dict[bytes, Flow] = {}
        self.udp_flows: dict[bytes, Flow] = {}
        self.other_flows: dict[tuple[int, bytes], Flow] = {}
        self.live: list[Flow] = []  # flows in memory (some written out since: fins & WRITTEN)
        self.oriented: OrderedDict[bytes, None] = OrderedDict()  # client keys of flows written out
        self.flows = 0  # flows numbered so far
        self.sweep_at = min(MIN_SWEEP, self.limits.live_flows)  # live flows at the next sweep
        self.synacks: dict[tuple[bytes, int], list[Any]] = {}
        self.streams: OrderedDict[Flow, Flow] = OrderedDict()  # least recently active first
        self.stream_bytes = 0
        self.packets = 0
        self.bytes = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.tftp_pending: dict[tuple[bytes, int], dict[str, Any]] = {}
        self.macs = _Interned()  # one bytes object per MAC address, not one per flow

    def finish(self) -> None:
        """After the pass: every stream analysed with what arrived, every flow written out."""
        for flow in list(self.streams.values()):
            self._finish(flow)
        self.tcp_flows.clear()
        self.udp_flows.clear()
        self.other_flows.clear()
        live, self.live = self.live, []
        while live:  # each flow freed once written (the spill sorts them back)
            flow = live.pop()
            if not flow.fins & WRITTEN:
                self.sink.flow_row(flow)
        self.oriented.clear()
        for row in self.tftp_pending.values():  # read requests whose data never came
            self.sink.download_row(row)
        self.tftp_pending.clear()
        self.macs.clear()

    # --- the pass -------------------------------------------------------------------------------
    def run(self, records: Records) -> None:
        walk(self, records)

    # --- flows ----------------------------------------------------------------------------------
    def _new_flow(
        self, proto: int, key: bytes, flags: int, number: int, ts: float, mac: bytes | None
    ) -> Flow:
        size = 4 if len(key) == 12 else 16
        sport = (key[2 * size] << 8) | key[2 * size + 1]
        dport = (key[2 * size + 2] << 8) | key[2 * size + 3]
        back = (
            key[size : 2 * size]
            + key[:size]
            + key[2 * size + 2 : 2 * size + 4]
            + key[2 * size : 2 * size + 2]
        )
        if proto == 6 and flags & 2:
            server_first = flags & 0x12 == 0x12  # a SYN/ACK comes from the server
        elif key in self.oriented or back in self.oriented:  # a flow written out before, resumed
            server_first = back in self.oriented
        else:  # no handshake seen: the well-known port is the server's (not a group address's)
            known = TCP_PORTS if proto == 6 else UDP_PORTS
            server_first = (
                (sport < 1024 or sport in known)
                and not (dport < 1024 or dport in known)
                and not (proto == 17 and (key[size] >= 224 if size == 4 else key[size] == 0xFF))
            )
        if server_first:
            flow = Flow(proto, back, ts, number, dport, sport)
            flow.smac = mac
        else:
            flow = Flow(proto, key, ts, number, sport, dport)
            flow.cmac = mac
        table = self.tcp_flows if proto == 6 else self.udp_flows
        table[key] = flow
        table[back] = flow
        self._number(flow, ts, number)
        return flow

    def _other(self, number: int, ts: float, origlen: int, proto: int, addresses: bytes) -> None:
        flow = self.other_flows.get((proto, addresses))
        if flow is None:
            flow = Flow(proto, addresses, ts, number)
            flow.inspect = False
            self.other_flows[(proto, addresses)] = flow
            self.other_flows[(proto, reverse_key(addresses, False))] = flow
            self._number(flow, ts, number)
        if addresses == flow.ckey:
            flow.pc += 1
            flow.bc += origlen
        else:
            flow.ps += 1
            flow.bs += origlen
        flow.last_ts = ts

    def _number(self, flow: Flow, ts: float, number: int) -> None:
        self.flows += 1
        flow.id = self.flows
        self.live.append(flow)
        if len(self.live) > self.sweep_at:
            self._write_out(ts, number)

    def _reopens(self, flow: Flow, flags: int, ts: float) -> bool:
        """A packet of an ended TCP connection starts a new one (and the old one is written out)
        when it is a new SYN (the port pair reused) or comes more than close_linger after the
        end: decided by the packets alone, so no row depends on when memory was swept."""
        ended = flow.fins & 4 or flow.fins & 3 == 3
        if not ended or not (flags & 0x12 == 0x02 or ts - flow.last_ts > self.limits.close_linger):
            return False
        self._forget(flow)
        return True

    def _write_out(self, now: float, number: int) -> None:
        """Free memory: write out the TCP flows that ended more than close_linger ago (what their
        next packet would do anyway); if more than `live_flows` are still in memory, the least
        recently active too (said: a later packet of one starts a new row). The next sweep comes
        when the flows in memory have doubled: a cost of O(1) a flow."""
        live_flows = self.limits.live_flows
        linger = now - self.limits.close_linger
        live: list[Flow] = []
        ended: list[Flow] = []
        for flow in self.live:  # a loop, not comprehensions: the compiled copy types `flow`
            if flow.fins & WRITTEN:
                continue
            if (flow.fins & 4 or flow.fins & 3 == 3) and flow.last_ts < linger:
                ended.append(flow)
            else:
                live.append(flow)
        for flow in ended:
            self._forget(flow)
        excess = len(live) - int(live_flows * 0.6)
        if len(live) > live_flows and excess > 0:
            early = sorted(live, key=attrgetter("last_ts"))[:excess]
            self.warnings.add(
                "flow-written-early",
                f"more than {self.limits.live_flows} flows active at once: the least recently active "
                "were written out before they ended (or lingered): a later packet of one starts a new row",
                number,
                len(early),
            )
            for flow in early:
                self._forget(flow)
            live = [f for f in live if not f.fins & WRITTEN]
        self.live = live
        self.sweep_at = min(live_flows, max(MIN_SWEEP, 2 * len(self.live)))

    def _forget(self, flow: Flow) -> None:
        """Write the flow out and drop it from the index; its orientation is remembered, so a
        later packet of it is a new row oriented as it was, not by a guess from the ports."""
        if flow.stream is not None:
            self._finish(flow)
        if flow.proto == 6 or flow.proto == 17:
            table = self.tcp_flows if flow.proto == 6 else self.udp_flows
            table.pop(flow.ckey, None)
            table.pop(reverse_key(flow.ckey, True), None)
            oriented = self.oriented
            oriented[flow.ckey] = None
            if len(oriented) > MAX_ORIENTED:
                oriented.popitem(last=False)  # O(1); a dict's first key after deletions is not
        else:
            self.other_flows.pop((flow.proto, flow.ckey), None)
            self.other_flows.pop((flow.proto, reverse_key(flow.ckey, False)), None)
        flow.fins |= WRITTEN
        self.sink.flow_row(flow)

    def _synack(self, flow: Flow, number: int) -> None:
        key = (flow.sip, flow.sport)
        entry = self.synacks.get(key)
        if entry is None:
            if len(self.synacks) < MAX_SYNACKS:
                self.synacks[key] = [number, {flow.cip}]
            else:
                self.warnings.add(
                    "open-ports-full",
                    f"more than {MAX_SYNACKS} listening ports answered a SYN: later ones are not listed",
                    number,
                )
        elif len(entry[1]) < 20:
            entry[1].add(flow.cip)

    # --- TCP payload ----------------------------------------------------------------------------
    def _tcp_payload(
        self, flow: Flow, c2s: bool, seq: int, payload: bytes, number: int, ts: float, cut: bool
    ) -> None:
        stream = flow.stream
        if stream is None:
            app = appid.tcp(payload, c2s, flow.sport)
            if app is None:
                flow.tries += 1
                if flow.tries >= 4:
                    flow.inspect = False
                    flow.isn_c = flow.isn_s = None
                return
            flow.app = app
            stream = self._make_stream(flow, app)
            if stream is None:
                flow.inspect = False
                flow.isn_c = flow.isn_s = None
                return
            if flow.tries == 0:
                if flow.isn_c is not None:
                    stream.dirs[1].next = (flow.isn_c + 1) & MASK
                if flow.isn_s is not None:
                    stream.dirs[0].next = (flow.isn_s + 1) & MASK
            flow.stream = stream
            flow.isn_c = flow.isn_s = None  # only needed to start the stream
            self.streams[flow] = flow
        else:
            d = stream.dirs[c2s]
            skip_end = d.skip_end
            if (
                skip_end is not None
                and seq == d.next
                and not cut
                and not d.pending
                and len(payload) <= (skip_end - seq) & MASK < HALF
            ):  # in order, wholly inside a body skipped unseen (a download): nothing to look at
                d.next = (seq + len(payload)) & MASK
                self.streams.move_to_end(flow)
                return
        before = stream.size
        try:
            stream.segment(c2s, seq, payload, number, ts, cut)
        except ResultWriteError:
            raise  # the result cannot be written: not a parser's problem
        except Exception as exc:  # one broken stream must not stop the analysis of the rest
            self.warnings.add("parser-error", f"{stream.protocol} analysis failed: {exc!r}", number)
            stream.done = True
        self.stream_bytes += stream.size - before
        if stream.done:
            self._finish(flow)
        else:
            self.streams.move_to_end(flow)
            if len(self.streams) > self.max_streams or self.stream_bytes > self.max_stream_bytes:
                self._evict(number)

    def _make_stream(self, flow: Flow, app: str) -> TcpStream | None:
        if app == "tls":
            return TlsStream(flow, self.sink)
        if app in ("http", "rtsp"):
            return HttpStream(flow, self.sink, app)
        if app in ("telnet", "ftp", "pop3", "imap", "smtp"):
            return ChunkStream(flow, self.sink, app, cap=16 * 1024)
        if app == "mqtt":
            return ChunkStream(flow, self.sink, app, cap=4 * 1024)
        return None

    def _tcp_close(self, flow: Flow, flags: int, c2s: bool) -> None:
        flow.fins |= 4 if flags & 4 else 1 if c2s else 2
        if flow.stream is not None and (flow.fins & 4 or flow.fins & 3 == 3):
            self._finish(flow)

    def _finish(self, flow: Flow) -> None:
        stream = flow.stream
        if stream is None:
            return
        flow.stream = None
        flow.inspect = False
        self.streams.pop(flow, None)
        self.stream_bytes -= stream.size
        try:
            stream.finish()
        except ResultWriteError:
            raise  # the result cannot be written: not a parser's problem
        except Exception as exc:  # one broken stream must not stop the analysis
            self.warnings.add(
                "parser-error", f"{stream.protocol} analysis failed: {exc!r}", flow.first_packet
            )
        stream.close()

    def _evict(self, number: int) -> None:
        while self.streams and (
            len(self.streams) > self.limits.max_streams or self.stream_bytes > self.limits.stream_bytes
        ):
            _, flow = self.streams.popitem(last=False)
            self._finish(flow)
            self.warnings.add(
                "stream-evicted",
                "too many streams under analysis at once: the least recently "
                "active were analysed early, with what had arrived",
                number,
            )


def walk(engine: Engine, records: Records) -> None:  # noqa: C901 - one loop, kept flat for speed
    """The pass over every record: a function of its own, so that a compiled build can give its
    variables C types (engine.pxd); as Python it is the same code."""
    tcp_flows, udp_flows = engine.tcp_flows, engine.udp_flows
    warn = engine.warnings.add
    ip4 = IP4.unpack_from
    tcph = TCP.unpack_from
    udph = UDP_LEN.unpack_from
    fast = FAST.unpack_from
    macs = engine.macs
    hdr, hsize, unit = records.hdr.unpack_from, records.hsize, records.unit
    buf, pos, link = records.buf, records.pos, records.link
    blen = len(buf)
    ether = link == 1
    packets = 0
    total = 0
    first_ts = None
    ts = 0.0
    seq = flags = thl = uend = 0  # set by each packet's transport header before use
    unsupported: set[int] = set()
    try:
        while True:
            # `while True` + break, not `while cond`: CPython 3.11 specialises a function only
            # after unconditional backward jumps, and this one is entered once per capture
            while True:
                if pos + hsize > blen:
                    break
                sec, frac, caplen, origlen = hdr(buf, pos)
                o = pos + hsize  # the frame is buf[o:fend]
                fend = o + caplen
                if fend > blen or caplen > MAX_RECORD:
                    break
                pos = fend
                packets += 1
                number = packets
                total += origlen
                ts = sec + frac * unit
                if first_ts is None:
                    first_ts = ts
                # --- the common case in one unpack: Ethernet, IPv4 without options, whole ---------
                proto = 0
                if ether and caplen >= 54 and origlen == caplen:
                    etype, vihl, tot, frag, proto, seq, doff, flags = fast(buf, o)
                    end = o + 14 + tot
                    if etype != 0x0800 or vihl != 0x45 or frag & 0x3FFF or end > fend:
                        proto = 0
                    elif proto == 6:
                        thl = (doff >> 4) << 2
                        if thl < 20 or tot < 20 + thl:
                            proto = 0
                    elif proto == 17:
                        uend = o + 34 + (seq >> 16)
                        if uend > end or uend < o + 42:
                            proto = 0
                    else:
                        proto = 0
                if proto:
                    key = buf[o + 26 : o + 38]
                    l4 = o + 34
                    macoff = o + 6
                    cut = False
                else:
                    # --- anything else, header by header --------------------------------------
                    cut = origlen > caplen
                    if cut:
                        warn("snaplen-cut", "packets cut short by the capture's snap length", number)
                    macoff = -1
                    if link == 1:
                        if caplen < 14:
                            warn("malformed-packet", "frame shorter than an Ethernet header", number)
                            continue
                        etype = (buf[o + 12] << 8) | buf[o + 13]
                        off = o + 14
                        macoff = o + 6
                        while etype in VLAN_TYPES and fend >= off + 4:
                            etype = (buf[off + 2] << 8) | buf[off + 3]
                            off += 4
                        if etype <= 1500 and fend >= off + 8 and buf[off : off + 3] == b"\xaa\xaa\x03":
                            etype = (buf[off + 6] << 8) | buf[off + 7]  # 802.3 + LLC/SNAP
                            off += 8
                    elif link in RAW_LINKS:
                        off = o
                        version = buf[o] >> 4 if caplen else 0
                        etype = 0x0800 if version == 4 else 0x86DD if version == 6 else 0
                    elif link == 113:
                        if caplen < 16:
                            warn("malformed-packet", "frame shorter than a Linux cooked header", number)
                            continue
                        etype, off = (buf[o + 14] << 8) | buf[o + 15], o + 16
                        if ((buf[o + 4] << 8) | buf[o + 5]) == 6:
                            macoff = o + 6
                    elif link == 276:
                        if caplen < 20:
                            warn("malformed-packet", "frame shorter than a Linux cooked v2 header", number)
                            continue
                        etype, off = (buf[o] << 8) | buf[o + 1], o + 20
                        if buf[o + 11] == 6:
                            macoff = o + 12
                    elif link in (0, 108):
                        if caplen < 4:
                            warn("malformed-packet", "frame shorter than a loopback header", number)
                            continue
                        family = int.from_bytes(buf[o : o + 4], "big" if link == 108 else "little")
                        if family > 0xFFFF:
                            family = int.from_bytes(buf[o : o + 4], "little" if link == 108 else "big")
                        etype = 0x0800 if family == 2 else 0x86DD if family in (10, 24, 28, 30) else 0
                        off = o + 4
                    elif link in (9, 50):
                        off = o + 2 if caplen >= 2 and buf[o : o + 2] == b"\xff\x03" else o
                        if fend > off and buf[off] & 1:
                            pproto, off = buf[off], off + 1
                        else:
                            pproto, off = int.from_bytes(buf[off : min(off + 2, fend)], "big"), off + 2
                        etype = 0x0800 if pproto == 0x21 else 0x86DD if pproto == 0x57 else 0
                        if pproto == 0xC023:
                            engine._pap(buf[off:fend], number)
                    else:
                        unsupported.add(link)
                        warn(
                            "unsupported-link-type",
                            f"link type {link} is not supported; packets skipped",
                            number,
                        )
                        continue
                    # network layer: the addresses are buf[a0:a1] (source then destination)
                    if etype == 0x0800:
                        if fend < off + 20:
                            warn("malformed-packet", "IPv4 header cut short", number)
                            continue
                        vihl, tot, frag, proto = ip4(buf, off)
                        ihl = (vihl & 15) << 2
                        if vihl >> 4 != 4 or ihl < 20:
                            warn("malformed-packet", "bad IPv4 version or header length", number)
                            continue
                        end = off + tot if tot else fend
                        if end > fend:
                            if not cut:
                                warn(
                                    "malformed-packet",
                                    "IPv4 total length beyond the end of the packet",
                                    number,
                                )
                                cut = True
                            end = fend
                        a0, a1 = off + 12, off + 20
                        l4 = off + ihl
                        if frag & 0x3FFF:
                            warn(
                                "ip-fragment",
                                "IP fragments (not reassembled; first fragments only)",
                                number,
                            )
                            if frag & 0x1FFF:
                                engine._other(number, ts, origlen, 0, buf[a0:a1])
                                continue
                            cut = True
                    elif etype == 0x86DD:
                        if fend < off + 40:
                            warn("malformed-packet", "IPv6 header cut short", number)
                            continue
                        plen = (buf[off + 4] << 8) | buf[off + 5]
                        proto = buf[off + 6]
                        a0, a1 = off + 8, off + 40
                        l4 = a1
                        end = l4 + plen if plen else fend
                        if end > fend:
                            if not cut:
                                warn(
                                    "malformed-packet",
                                    "IPv6 payload length beyond the end of the packet",
                                    number,
                                )
                                cut = True
                            end = fend
                        if proto in IPV6_EXT or proto == 44 or proto == 51:
                            proto, l4, cut, fragment = _ipv6_extensions(buf, proto, l4, end, cut)
                            if fragment:
                                warn(
                                    "ip-fragment",
                                    "IP fragments (not reassembled; first fragments only)",
                                    number,
                                )
                                if proto == 44:
                                    engine._other(number, ts, origlen, 44, buf[a0:a1])
                                    continue
                    else:
                        continue  # ARP, LLDP, ...: counted, not tabulated
                    # transport headers
                    if proto == 6:
                        if l4 + 20 > end:
                            warn("malformed-packet", "TCP header cut short", number)
                            continue
                        seq, doff, flags = tcph(buf, l4)
                        thl = (doff >> 4) << 2
                        if thl < 20 or l4 + thl > end:
                            warn("malformed-packet", "TCP header length beyond the packet", number)
                            continue
                    elif proto == 17:
                        if l4 + 8 > end:
                            warn("malformed-packet", "UDP header cut short", number)
                            continue
                        ulen = udph(buf, l4)[0]
                        uend = l4 + ulen
                        if ulen < 8:
                            warn("malformed-packet", "UDP length smaller than its header", number)
                            uend = end
                        elif uend > end:
                            if not cut:
                                warn("malformed-packet", "UDP length beyond the end of the packet", number)
                            uend = end
                    else:
                        engine._other(number, ts, origlen, proto, buf[a0:a1])
                        continue
                    # the key: the addresses then the two ports
                    key = buf[a0 : l4 + 4] if a1 == l4 else buf[a0:a1] + buf[l4 : l4 + 4]
                # --- flow accounting ----------------------------------------------------------
                if proto == 6:
                    flow = tcp_flows.get(key)
                    if flow is None or (flow.fins and engine._reopens(flow, flags, ts)):
                        flow = engine._new_flow(
                            6,
                            key,
                            flags,
                            number,
                            ts,
                            macs[buf[macoff : macoff + 6]] if macoff >= 0 else None,
                        )
                    if key == flow.ckey:
                        flow.pc += 1
                        flow.bc += origlen
                        c2s = True
                        if flags & 2 and flow.isn_c is None:
                            flow.isn_c = seq
                    else:
                        flow.ps += 1
                        flow.bs += origlen
                        c2s = False
                        if flags & 2:
                            if flow.isn_s is None:
                                flow.isn_s = seq
                            if flags & 0x10:
                                engine._synack(flow, number)
                        if flow.smac is None and macoff >= 0:
                            flow.smac = macs[buf[macoff : macoff + 6]]
                    flow.last_ts = ts
                    start = l4 + thl
                    if end > start:
                        if not c2s and not flow.served:
                            flow.served = number
                        if flow.inspect:
                            engine._tcp_payload(flow, c2s, seq, buf[start:end], number, ts, cut)
                    if flags & 5:
                        engine._tcp_close(flow, flags, c2s)
                else:
                    flow = udp_flows.get(key)
                    if flow is None:
                        flow = engine._new_flow(
                            17,
                            key,
                            0,
                            number,
                            ts,
                            macs[buf[macoff : macoff + 6]] if macoff >= 0 else None,
                        )
                    if key == flow.ckey:
                        flow.pc += 1
                        flow.bc += origlen
                        c2s = True
                    else:
                        flow.ps += 1
                        flow.bs += origlen
                        c2s = False
                        if not flow.served:
                            flow.served = number
                        if flow.smac is None and macoff >= 0:
                            flow.smac = macs[buf[macoff : macoff + 6]]
                    flow.last_ts = ts
                    if flow.inspect and uend > l4 + 8:
                        engine._udp_payload(flow, c2s, buf[l4 + 8 : uend], number, ts)
            if pos + hsize <= blen and hdr(buf, pos)[2] > MAX_RECORD:
                warn(
                    "corrupt-record",
                    f"record claims {hdr(buf, pos)[2]} captured bytes; "
                    "the rest of the file cannot be trusted",
                    packets + 1,
                )
                break
            if not records.refill(pos, packets):
                break
            buf, pos, link = records.buf, records.pos, records.link
            blen = len(buf)
            ether = link == 1
    except ResultWriteError:
        raise  # the disk is full: no partial result, the writer removes what it wrote
    except Exception as exc:  # never lose the analysis of what was read
        import traceback

        warn(
            "analysis-error",
            f"analysis stopped early: {exc!r} ({traceback.extract_tb(exc.__traceback__)[-1].name})",
            packets or None,
        )
    engine.packets, engine.bytes = packets, total
    engine.first_ts = first_ts
    engine.last_ts = ts if packets else None
    for link in sorted(unsupported):
        engine.warnings.add("unsupported-link-type", f"link type {link} is not supported", None, 0)


class _Interned(dict):
    def __missing__(self, key: bytes) -> bytes:
        if len(self) < 100_000:
            self[key] = key
        return key


def _ipv6_extensions(buf: bytes, proto: int, l4: int, end: int, cut: bool) -> tuple[int, int, bool, bool]:
    """Walk IPv6 extension headers: (upper protocol, its offset, cut, is a fragment)."""
    hops = 0
    fragment = False
    while (proto in IPV6_EXT or proto == 44 or proto == 51) and hops < 8 and l4 + 8 <= end:
        hops += 1
        nxt = buf[l4]
        if proto == 44:
            offset_flags = (buf[l4 + 2] << 8) | buf[l4 + 3]
            fragment = True
            if offset_flags & 0xFFF8:
                break
            cut = cut or bool(offset_flags & 1)
            l4 += 8
        elif proto == 51:
            l4 += (buf[l4 + 1] + 2) * 4
        else:
            l4 += (buf[l4 + 1] + 1) * 8
        proto = nxt
    return proto, l4, cut, fragment
