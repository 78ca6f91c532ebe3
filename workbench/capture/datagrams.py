"""Datagram analysers (DNS and its kin, SSDP, DHCP, SNMP, TFTP) and PPP PAP, mixed into the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.capture import appid, dns, downloads
from workbench.capture.flow import Flow
from workbench.capture.netutil import ip_text
from workbench.capture.sink import Sink

if TYPE_CHECKING:
    from workbench.capture.flow import Limits
    from workbench.capture.warnings import WarningLog

UDP_PER_PACKET = {"dns", "mdns", "llmnr", "netbios-ns", "ssdp", "snmp", "dhcp", "tftp"}
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


class Datagrams:
    """The engine's UDP side: `sink`, `warnings`, `limits` and `tftp_pending` come from the engine."""

    sink: Sink
    warnings: WarningLog
    limits: Limits
    tftp_pending: dict[tuple[bytes, int], dict[str, Any]]

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
        qname, qtype = msg.questions[0] if msg.questions else (None, None)
        self.sink.dns_row(
            (
                number,
                ts,
                ip_text(dst) if msg.response else src_text,
                src_text if msg.response else ip_text(dst),
                qname,
                dns.type_name(qtype) if qtype is not None else None,
                [
                    f"{dns.type_name(r.rtype)} {r.data if not isinstance(r.data, list) else ' '.join(r.data)}"
                    for r in msg.answers[:32]
                ],
                dns.RCODES.get(msg.rcode, str(msg.rcode)) if msg.response else None,
            )
        )

    def _learn_names(self, msg: dns.Message) -> None:
        if not msg.response:
            return
        names = self.sink.names
        asked = msg.questions[0][0] if msg.questions else None
        for rec in msg.answers:
            if rec.rtype in (1, 28):
                if len(names) < self.limits.max_names:
                    names.setdefault(str(rec.data), asked or rec.name)
                elif str(rec.data) not in names:
                    self.warnings.add(
                        "table-truncated", "more resolved addresses than are remembered with their name"
                    )

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
        if payload[1] == 1 and len(self.tftp_pending) < 1000:  # written when its data comes, or at the end
            earlier = self.tftp_pending.pop((flow.cip, flow.cport), None)
            if earlier is not None:
                self.sink.download_row(earlier)
            self.tftp_pending[(flow.cip, flow.cport)] = row
        else:
            self.sink.download_row(row)

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
        self.sink.download_row(row)
        return True

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
