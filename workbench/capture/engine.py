"""The capture engine: one streaming pass over the records, headers parsed by hand.

Per packet: link layer, IPv4/IPv6 (extension headers walked), TCP/UDP ports, flow counters.
Payload is looked at only while a flow is still being identified or analysed (TLS until the
handshake is over, HTTP heads, login dialogues, DNS and discovery datagrams); everything else
costs a dict lookup and a few additions. Streams under analysis are bounded in number and bytes
(least recently used evicted, with a warning), so memory does not grow with the capture.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workbench.capture import appid, dns, downloads
from workbench.capture.credentials import CredentialLog
from workbench.capture.discovery import DiscoveryLog
from workbench.capture.http_stream import HttpStream
from workbench.capture.netutil import ip_text, is_service_port
from workbench.capture.streams import MASK, ChunkStream, TcpStream
from workbench.capture.tls_stream import TlsStream
from workbench.capture.warnings import WarningLog

IP4 = struct.Struct("!BBHHHBBH4s4s")
TCP = struct.Struct("!HHIIBB")
UDP = struct.Struct("!HHH")
VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
IPV6_EXT = (0, 43, 60, 135, 139, 140, 253, 254)
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
UDP_PER_PACKET = {"dns", "mdns", "llmnr", "netbios-ns", "ssdp", "snmp", "dhcp", "tftp"}
TRANSPORTS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", 2: "igmp", 47: "gre", 50: "esp", 132: "sctp"}
SNMP_PDUS = {
    0xA0: "get-request",
    0xA1: "get-next-request",
    0xA2: "response",
    0xA3: "set-request",
    0xA4: "trap",
    0xA5: "get-bulk-request",
    0xA6: "inform-request",
    0xA7: "trap",
    0xA8: "report",
}


@dataclass
class Limits:
    max_streams: int = 4096  # TCP streams analysed at once
    stream_bytes: int = 64 * 1024 * 1024  # bytes held by all of them together
    max_flows: int = 500_000
    max_rows: int = 100_000  # rows of the dns table (others are deduplicated)


class Flow:
    __slots__ = (
        "fid",
        "proto",
        "cip",
        "cport",
        "sip",
        "sport",
        "first_ts",
        "last_ts",
        "first_packet",
        "pc",
        "ps",
        "bc",
        "bs",
        "app",
        "sni",
        "cmac",
        "smac",
        "data_s",
        "stream",
        "inspect",
        "tries",
        "isn_c",
        "isn_s",
        "fins",
    )

    def __init__(
        self, fid: int, proto: int, cip: bytes, cport: int, sip: bytes, sport: int, ts: float, number: int
    ) -> None:
        self.fid, self.proto = fid, proto
        self.cip, self.cport, self.sip, self.sport = cip, cport, sip, sport
        self.first_ts = self.last_ts = ts
        self.first_packet = number
        self.pc = self.ps = self.bc = self.bs = 0
        self.app: str | None = None
        self.sni: str | None = None
        self.cmac: bytes | None = None
        self.smac: bytes | None = None
        self.data_s = False
        self.stream: TcpStream | None = None
        self.inspect = proto in (6, 17)
        self.tries = 0
        self.isn_c: int | None = None
        self.isn_s: int | None = None
        self.fins = 0


class Sink:
    """Where analysers put what they find."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.warnings = engine.warnings
        self.credentials = CredentialLog()
        self.discovery = DiscoveryLog()
        self.tls: list[dict[str, Any]] = []
        self.downloads: list[dict[str, Any]] = []
        self.dns: list[dict[str, Any]] = []
        self.names: dict[str, str] = {}  # address -> the name the capture resolved it from

    @staticmethod
    def endpoints(flow: Flow) -> dict[str, Any]:
        return {"client_ip": ip_text(flow.cip), "server_ip": ip_text(flow.sip), "server_port": flow.sport}

    def credential_emitter(self, flow: Flow):
        ep = self.endpoints(flow)

        def emit(
            protocol: str, username: str | None, secret: str | None, packets: list[int], detail: str = ""
        ):
            self.credentials.add(
                protocol,
                ep["client_ip"],
                ep["server_ip"],
                ep["server_port"],
                username,
                secret,
                packets,
                detail,
            )

        return emit

    def ftp_download_emitter(self, flow: Flow):
        ep = self.endpoints(flow)

        def download(path: str, size: int | None, packets: list[int], detail: str) -> None:
            listed, firmware, reason, _ = downloads.judge(path, None, b"")
            self.download_row(
                {
                    "packets": sorted(set(packets)),
                    "protocol": "ftp",
                    **ep,
                    "host": None,
                    "path": path,
                    "content_type": None,
                    "size": size,
                    "magic": None,
                    "looks_like_firmware": firmware,
                    "encrypted": False,
                    "reason": "; ".join(r for r in (detail, reason) if r),
                }
            )

        return download

    def tls_row(self, row: dict[str, Any]) -> None:
        if len(self.tls) < self.engine.limits.max_rows:
            self.tls.append(row)
        else:
            self.warnings.add("table-truncated", "more TLS handshakes than the table keeps", row["packet"])

    def download_row(self, row: dict[str, Any]) -> None:
        if len(self.downloads) < self.engine.limits.max_rows:
            self.downloads.append(row)


class Engine:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.warnings = WarningLog()
        self.sink = Sink(self)
        self.flows: dict[tuple, Flow] = {}
        self.flow_list: list[Flow] = []
        self.synacks: dict[tuple[bytes, int], list[Any]] = {}
        self.streams: OrderedDict[int, Flow] = OrderedDict()
        self.stream_bytes = 0
        self.packets = 0
        self.bytes = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.tftp_pending: dict[tuple[bytes, int], dict[str, Any]] = {}
        self.flows_full = False

    # --- the pass -------------------------------------------------------------------------------
    def run(self, records: Iterable[tuple[int, float, int, bytes, int]]) -> None:  # noqa: C901
        flows = self.flows
        warn = self.warnings.add
        ip4 = IP4.unpack_from
        tcp = TCP.unpack_from
        udp = UDP.unpack_from
        packets = 0
        total = 0
        first_ts = None
        ts = 0.0
        unsupported: set[int] = set()
        try:
            for number, ts, link, data, origlen in records:
                packets += 1
                total += origlen
                if first_ts is None:
                    first_ts = ts
                n = len(data)
                cut = origlen > n
                if cut:
                    warn("snaplen-cut", "packets cut short by the capture's snap length", number)
                # --- link layer -----------------------------------------------------------------
                mac = None
                if link == 1:
                    if n < 14:
                        warn("malformed-packet", "frame shorter than an Ethernet header", number)
                        continue
                    etype = (data[12] << 8) | data[13]
                    off = 14
                    mac = data[6:12]
                    while etype in VLAN_TYPES and n >= off + 4:
                        etype = (data[off + 2] << 8) | data[off + 3]
                        off += 4
                    if etype <= 1500 and data[off : off + 3] == b"\xaa\xaa\x03" and n >= off + 8:
                        etype = (data[off + 6] << 8) | data[off + 7]  # 802.3 + LLC/SNAP
                        off += 8
                elif link in (101, 12, 14, 228, 229):
                    off = 0
                    version = data[0] >> 4 if n else 0
                    etype = 0x0800 if version == 4 else 0x86DD if version == 6 else 0
                elif link == 113:
                    if n < 16:
                        warn("malformed-packet", "frame shorter than a Linux cooked header", number)
                        continue
                    etype, off = (data[14] << 8) | data[15], 16
                    alen = min((data[4] << 8) | data[5], 8)
                    mac = data[6 : 6 + alen] if alen == 6 else None
                elif link == 276:
                    if n < 20:
                        warn("malformed-packet", "frame shorter than a Linux cooked v2 header", number)
                        continue
                    etype, off = (data[0] << 8) | data[1], 20
                    mac = data[12:18] if data[11] == 6 else None
                elif link in (0, 108):
                    if n < 4:
                        warn("malformed-packet", "frame shorter than a loopback header", number)
                        continue
                    family = int.from_bytes(data[:4], "big" if link == 108 else "little")
                    if family > 0xFFFF:
                        family = int.from_bytes(data[:4], "little" if link == 108 else "big")
                    etype = 0x0800 if family == 2 else 0x86DD if family in (10, 24, 28, 30) else 0
                    off = 4
                elif link in (9, 50):
                    off = 2 if data[:2] == b"\xff\x03" else 0
                    if n > off and data[off] & 1:
                        pproto, off = data[off], off + 1
                    else:
                        pproto, off = int.from_bytes(data[off : off + 2], "big"), off + 2
                    etype = 0x0800 if pproto == 0x21 else 0x86DD if pproto == 0x57 else 0
                    if pproto == 0xC023:
                        self._pap(data[off:], number)
                else:
                    if link not in unsupported:
                        unsupported.add(link)
                    warn(
                        "unsupported-link-type", f"link type {link} is not supported; packets skipped", number
                    )
                    continue
                # --- network layer --------------------------------------------------------------
                if etype == 0x0800:
                    if n < off + 20:
                        warn("malformed-packet", "IPv4 header cut short", number)
                        continue
                    vihl, _, tot, _, frag, _, proto, _, src, dst = ip4(data, off)
                    ihl = (vihl & 15) << 2
                    if vihl >> 4 != 4 or ihl < 20:
                        warn("malformed-packet", "bad IPv4 version or header length", number)
                        continue
                    end = off + tot if tot else n
                    if end > n:
                        if not cut:
                            warn("malformed-packet", "IPv4 total length beyond the end of the packet", number)
                            cut = True
                        end = n
                    l4 = off + ihl
                    if frag & 0x3FFF:
                        warn("ip-fragment", "IP fragments (not reassembled; first fragments only)", number)
                        if frag & 0x1FFF:
                            self._other(number, ts, origlen, 0, src, dst)
                            continue
                        cut = True
                elif etype == 0x86DD:
                    if n < off + 40:
                        warn("malformed-packet", "IPv6 header cut short", number)
                        continue
                    plen = (data[off + 4] << 8) | data[off + 5]
                    proto = data[off + 6]
                    src, dst = data[off + 8 : off + 24], data[off + 24 : off + 40]
                    l4 = off + 40
                    end = l4 + plen if plen else n
                    if end > n:
                        if not cut:
                            warn(
                                "malformed-packet", "IPv6 payload length beyond the end of the packet", number
                            )
                            cut = True
                        end = n
                    hops = 0
                    fragment = False
                    while (proto in IPV6_EXT or proto == 44 or proto == 51) and hops < 8 and l4 + 8 <= end:
                        hops += 1
                        nxt = data[l4]
                        if proto == 44:
                            offset_flags = (data[l4 + 2] << 8) | data[l4 + 3]
                            fragment = True
                            if offset_flags & 0xFFF8:
                                break
                            cut = cut or bool(offset_flags & 1)
                            l4 += 8
                        elif proto == 51:
                            l4 += (data[l4 + 1] + 2) * 4
                        else:
                            l4 += (data[l4 + 1] + 1) * 8
                        proto = nxt
                    if fragment:
                        warn("ip-fragment", "IP fragments (not reassembled; first fragments only)", number)
                        if proto == 44:
                            self._other(number, ts, origlen, 44, src, dst)
                            continue
                else:
                    continue  # ARP, LLDP, ...: counted, not tabulated
                # --- transport ------------------------------------------------------------------
                if proto == 6:
                    if l4 + 20 > end:
                        warn("malformed-packet", "TCP header cut short", number)
                        continue
                    sport, dport, seq, _, doff, flags = tcp(data, l4)
                    thl = (doff >> 4) << 2
                    if thl < 20 or l4 + thl > end:
                        warn("malformed-packet", "TCP header length beyond the packet", number)
                        continue
                    key = (6, src, sport, dst, dport)
                    flow = flows.get(key)
                    if flow is None:
                        flow = self._new_flow(key, flags, number, ts, mac)
                        if flow is None:
                            continue
                    if sport == flow.cport and src == flow.cip:
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
                                self._synack(flow, number)
                        if flow.smac is None:
                            flow.smac = mac
                    flow.last_ts = ts
                    start = l4 + thl
                    if end > start:
                        if not c2s:
                            flow.data_s = True
                        if flow.inspect:
                            self._tcp_payload(flow, c2s, seq, data[start:end], number, ts, cut)
                    if flags & 5 and flow.stream is not None:
                        self._tcp_close(flow, flags, c2s)
                elif proto == 17:
                    if l4 + 8 > end:
                        warn("malformed-packet", "UDP header cut short", number)
                        continue
                    sport, dport, ulen = udp(data, l4)
                    uend = l4 + ulen
                    if ulen < 8:
                        warn("malformed-packet", "UDP length smaller than its header", number)
                        uend = end
                    elif uend > end:
                        if not cut:
                            warn("malformed-packet", "UDP length beyond the end of the packet", number)
                        uend = end
                    key = (17, src, sport, dst, dport)
                    flow = flows.get(key)
                    if flow is None:
                        flow = self._new_flow(key, 0, number, ts, mac)
                        if flow is None:
                            continue
                    if sport == flow.cport and src == flow.cip:
                        flow.pc += 1
                        flow.bc += origlen
                        c2s = True
                    else:
                        flow.ps += 1
                        flow.bs += origlen
                        c2s = False
                        if flow.smac is None:
                            flow.smac = mac
                    flow.last_ts = ts
                    if flow.inspect and uend > l4 + 8:
                        self._udp_payload(flow, c2s, data[l4 + 8 : uend], number, ts)
                else:
                    self._other(number, ts, origlen, proto, src, dst)
        except Exception as exc:  # never lose the analysis of what was read
            import traceback

            warn(
                "analysis-error",
                f"analysis stopped early: {exc!r} ({traceback.extract_tb(exc.__traceback__)[-1].name})",
                packets or None,
            )
        self.packets, self.bytes = packets, total
        self.first_ts = first_ts
        self.last_ts = ts if packets else None
        for link in sorted(unsupported):
            self.warnings.add("unsupported-link-type", f"link type {link} is not supported", None, 0)

    def _pap(self, data: bytes, number: int) -> None:
        """PPP PAP: Authenticate-Request carries the peer id and password in clear."""
        if len(data) < 4:
            self.warnings.add("malformed-packet", "PPP PAP packet shorter than its header", number)
            return
        code, length = data[0], int.from_bytes(data[2:4], "big")
        body = data[4:length]
        if length > len(data) or (code in (1, 2, 3) and len(body) < 1):
            self.warnings.add("malformed-packet", "PPP PAP packet shorter than its fields", number)
            return
        if code == 1 and len(body) >= 2:
            peer = body[1 : 1 + body[0]]
            rest = body[1 + body[0] :]
            password = rest[1 : 1 + rest[0]] if rest else b""
            self.sink.credentials.add(
                "ppp-pap",
                None,
                None,
                0,
                peer.decode("utf-8", "backslashreplace"),
                password.decode("utf-8", "backslashreplace"),
                [number],
                "PPP PAP Authenticate-Request",
            )

    # --- flows ----------------------------------------------------------------------------------
    def _new_flow(self, key: tuple, flags: int, number: int, ts: float, mac: bytes | None) -> Flow | None:
        proto, src, sport, dst, dport = key
        if len(self.flow_list) >= self.limits.max_flows:
            self.warnings.add(
                "flow-table-full",
                f"more than {self.limits.max_flows} flows: packets of new "
                "flows are counted in the summary only",
                number,
            )
            return None
        transport = "tcp" if proto == 6 else "udp"
        if proto == 6:
            if flags & 0x12 == 0x12:
                server_first = True
            elif flags & 2:
                server_first = False
            else:
                server_first = is_service_port(transport, sport) and not is_service_port(transport, dport)
        else:
            to_group = dst[0] >= 224 if len(dst) == 4 else dst[0] == 0xFF
            server_first = (
                is_service_port(transport, sport) and not is_service_port(transport, dport) and not to_group
            )
        if server_first:
            flow = Flow(len(self.flow_list) + 1, proto, dst, dport, src, sport, ts, number)
            flow.smac = mac
        else:
            flow = Flow(len(self.flow_list) + 1, proto, src, sport, dst, dport, ts, number)
            flow.cmac = mac
        self.flows[key] = flow
        self.flows[(proto, dst, dport, src, sport)] = flow
        self.flow_list.append(flow)
        return flow

    def _other(self, number: int, ts: float, origlen: int, proto: int, src: bytes, dst: bytes) -> None:
        key = (proto, src, 0, dst, 0)
        flow = self.flows.get(key)
        if flow is None:
            if len(self.flow_list) >= self.limits.max_flows:
                return
            flow = Flow(len(self.flow_list) + 1, proto, src, 0, dst, 0, ts, number)
            flow.inspect = False
            self.flows[key] = flow
            self.flows[(proto, dst, 0, src, 0)] = flow
            self.flow_list.append(flow)
        if src == flow.cip:
            flow.pc += 1
            flow.bc += origlen
        else:
            flow.ps += 1
            flow.bs += origlen
        flow.last_ts = ts

    def _synack(self, flow: Flow, number: int) -> None:
        key = (flow.sip, flow.sport)
        entry = self.synacks.get(key)
        if entry is None:
            if len(self.synacks) < 100_000:
                self.synacks[key] = [number, {flow.cip}]
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
                return
            flow.app = app
            stream = self._make_stream(flow, app)
            if stream is None:
                flow.inspect = False
                return
            if flow.tries == 0:
                if flow.isn_c is not None:
                    stream.dirs[1].next = (flow.isn_c + 1) & MASK
                if flow.isn_s is not None:
                    stream.dirs[0].next = (flow.isn_s + 1) & MASK
            flow.stream = stream
            self.streams[flow.fid] = flow
        before = stream.size
        stream.segment(c2s, seq, payload, number, ts, cut)
        self.stream_bytes += stream.size - before
        if stream.done:
            self._finish(flow)
        else:
            self.streams.move_to_end(flow.fid)
            if len(self.streams) > self.limits.max_streams or self.stream_bytes > self.limits.stream_bytes:
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
        if flags & 4:
            self._finish(flow)
            return
        flow.fins |= 1 if c2s else 2
        if flow.fins == 3:
            self._finish(flow)

    def _finish(self, flow: Flow) -> None:
        stream = flow.stream
        if stream is None:
            return
        flow.stream = None
        flow.inspect = False
        self.streams.pop(flow.fid, None)
        self.stream_bytes -= stream.size
        try:
            stream.finish()
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

    def finish_streams(self) -> None:
        for flow in list(self.streams.values()):
            self._finish(flow)

    # --- UDP payload ----------------------------------------------------------------------------
    def _udp_payload(self, flow: Flow, c2s: bool, payload: bytes, number: int, ts: float) -> None:
        app = flow.app
        if app is None:
            if payload[:4] == b"\x00\x03\x00\x01" and self._tftp_data(flow, c2s, payload, number):
                return
            app = appid.udp(payload, flow.cport, flow.sport)
            if app is None:
                flow.tries += 1
                if flow.tries >= 3:
                    flow.inspect = False
                return
            flow.app = app
            if app not in UDP_PER_PACKET:
                flow.inspect = False
                return
        src, dst = (flow.cip, flow.sip) if c2s else (flow.sip, flow.cip)
        try:
            if app in ("dns", "mdns", "llmnr", "netbios-ns"):
                self._dns(app, flow, c2s, payload, number, ts, src, dst)
            elif app == "ssdp":
                self.sink.discovery.ssdp(number, ip_text(src), payload)
            elif app == "dhcp":
                self.sink.discovery.dhcp(number, ip_text(src), payload)
            elif app == "snmp":
                self._snmp(flow, c2s, payload, number)
            elif app == "tftp":
                self._tftp_request(flow, c2s, payload, number)
        except (IndexError, ValueError, UnicodeError) as exc:
            self.warnings.add("malformed-packet", f"malformed {app} datagram: {exc}", number)

    def _dns(
        self, app: str, flow: Flow, c2s: bool, payload: bytes, number: int, ts: float, src: bytes, dst: bytes
    ) -> None:
        try:
            msg = dns.parse(payload)
        except dns.DnsLoop as exc:
            self.warnings.add("dns-compression-loop", f"DNS name compression loop: {exc}", number)
            return
        except dns.DnsError as exc:
            self.warnings.add("malformed-dns", f"malformed DNS message: {exc}", number)
            return
        src_text = ip_text(src)
        if app == "mdns":
            self._learn_names(msg)
            if msg.response:
                self.sink.discovery.mdns(number, src_text, msg)
            return
        if app == "llmnr":
            self.sink.discovery.llmnr(number, src_text, msg)
            return
        if app == "netbios-ns":
            self.sink.discovery.nbns(number, src_text, msg)
            return
        self._learn_names(msg)
        if len(self.sink.dns) >= self.limits.max_rows:
            self.warnings.add("table-truncated", "more DNS messages than the dns table keeps", number)
            return
        qname, qtype = msg.questions[0] if msg.questions else (None, None)
        self.sink.dns.append(
            {
                "packet": number,
                "ts": ts,
                "client_ip": ip_text(dst) if msg.response else src_text,
                "resolver_ip": src_text if msg.response else ip_text(dst),
                "qname": qname,
                "qtype": dns.type_name(qtype) if qtype is not None else None,
                "answers": [
                    f"{dns.type_name(r.rtype)} {r.data if not isinstance(r.data, list) else ' '.join(r.data)}"
                    for r in msg.answers[:32]
                ],
                "rcode": dns.RCODES.get(msg.rcode, str(msg.rcode)) if msg.response else None,
            }
        )

    def _learn_names(self, msg: dns.Message) -> None:
        if not msg.response:
            return
        names = self.sink.names
        asked = msg.questions[0][0] if msg.questions else None
        for rec in msg.answers:
            if rec.rtype in (1, 28) and len(names) < 200_000:
                names.setdefault(str(rec.data), asked or rec.name)

    def _snmp(self, flow: Flow, c2s: bool, payload: bytes, number: int) -> None:
        found = snmp_community(payload)
        if found is None:
            return
        version, community, pdu = found
        sender, sender_port = (flow.cip, flow.cport) if c2s else (flow.sip, flow.sport)
        receiver, receiver_port = (flow.sip, flow.sport) if c2s else (flow.cip, flow.cport)
        if pdu == 0xA2:  # a response: the client is the one it answers
            client, server, port = receiver, sender, sender_port
        else:
            client, server, port = sender, receiver, receiver_port
        self.sink.credentials.add(
            "snmp",
            ip_text(client),
            ip_text(server),
            port,
            None,
            community.decode("utf-8", "backslashreplace"),
            [number],
            f"SNMP{'v1' if version == 0 else 'v2c'} community, {SNMP_PDUS.get(pdu, 'pdu')}",
        )

    def _tftp_request(self, flow: Flow, c2s: bool, payload: bytes, number: int) -> None:
        if len(payload) < 4 or payload[1] not in (1, 2) or not c2s:
            return
        parts = payload[2:].split(b"\x00")
        name = parts[0].decode("utf-8", "backslashreplace")
        listed, firmware, reason, _ = downloads.judge(name, None, b"")
        row = {
            "packets": [number],
            "protocol": "tftp" + (" upload" if payload[1] == 2 else ""),
            **Sink.endpoints(flow),
            "host": None,
            "path": name,
            "content_type": None,
            "size": None,
            "magic": None,
            "looks_like_firmware": firmware,
            "encrypted": False,
            "reason": "; ".join(r for r in ("TFTP " + ("RRQ" if payload[1] == 1 else "WRQ"), reason) if r),
        }
        self.sink.download_row(row)
        if payload[1] == 1 and len(self.tftp_pending) < 1000:
            self.tftp_pending[(flow.cip, flow.cport)] = row

    def _tftp_data(self, flow: Flow, c2s: bool, payload: bytes, number: int) -> bool:
        receiver = (flow.sip, flow.sport) if c2s else (flow.cip, flow.cport)
        row = self.tftp_pending.pop(receiver, None)
        if row is None:
            return False
        flow.app = "tftp"
        flow.inspect = False
        name, firmware = downloads.magic(payload[4:])
        row["magic"] = name
        row["packets"] = sorted(set(row["packets"]) | {number})
        if firmware:
            row["looks_like_firmware"] = True
        if name:
            row["reason"] += f"; body starts with {name} magic"
        return True


def _ber_len(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 3:
        raise ValueError("unsupported BER length")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def snmp_community(payload: bytes) -> tuple[int, bytes, int | None] | None:
    """(version, community, PDU tag) of an SNMPv1/v2c message, or None."""
    if len(payload) < 8 or payload[0] != 0x30:
        return None
    _, pos = _ber_len(payload, 1)
    if payload[pos] != 0x02:
        return None
    length, pos = _ber_len(payload, pos + 1)
    version = int.from_bytes(payload[pos : pos + length], "big")
    pos += length
    if version not in (0, 1) or pos >= len(payload) or payload[pos] != 0x04:
        return None
    length, pos = _ber_len(payload, pos + 1)
    community = payload[pos : pos + length]
    pos += length
    return version, community, payload[pos] if pos < len(payload) else None
