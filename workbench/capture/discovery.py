"""Discovery announcements (SSDP/UPnP, mDNS/DNS-SD, LLMNR, NetBIOS, DHCP) and what they disclose."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from workbench.capture import dns
from workbench.capture.http import parse_head

MAX_SEEN = 50_000  # distinct announcements remembered to skip repeats (then forgotten, not dropped)

SERIAL = re.compile(
    r"(?:\bS/?N\b|serial(?:[ _-]?(?:number|no|num))?)\s*[:=#]?\s*([A-Za-z0-9][A-Za-z0-9._-]{3,40})", re.I
)
PRODUCT_VERSION = re.compile(r"([A-Za-z][\w.+-]*)/(\d[\w.+-]*)")
NOT_SOFTWARE = {"upnp", "dlnadoc", "http", "hnap", "rtsp", "sip"}
TXT_MODEL = {"md", "model", "mdl", "ty", "product", "usb_mdl", "modelname", "model_name", "dt"}
TXT_SERIAL = {"sn", "serial", "serialnumber", "serial_number", "serialno", "ser"}
TXT_VERSION = {
    "fw",
    "fwver",
    "fw_ver",
    "fwversion",
    "firmware",
    "firmwareversion",
    "version",
    "ver",
    "sv",
    "swversion",
    "sw_ver",
    "swvers",
    "srcvers",
    "osvers",
    "os_version",
    "fv",
    "vs",
}


def _versions(text: str) -> str | None:
    found = [f"{p}/{v}" for p, v in PRODUCT_VERSION.findall(text) if p.lower() not in NOT_SOFTWARE]
    return ", ".join(found) or None


def _serial(*texts: str | None) -> str | None:
    for text in texts:
        if text and (m := SERIAL.search(text)):
            return m.group(1)
    return None


class DiscoveryLog:
    """Each distinct announcement once, handed to `write` as it is found (in packet order)."""

    def __init__(self, write: Callable[[dict[str, Any]], None]) -> None:
        self.write = write
        self._seen: set[tuple] = set()

    def add(
        self,
        packet: int,
        protocol: str,
        src_ip: str,
        *,
        name: str | None = None,
        server: str | None = None,
        location: str | None = None,
        model: str | None = None,
        serial: str | None = None,
        version: str | None = None,
        banner: str | None = None,
    ) -> None:
        key = (protocol, src_ip, name, server, location, model, serial, version, banner)
        if key in self._seen:
            return
        if len(self._seen) >= MAX_SEEN:
            self._seen.clear()  # a repeat after this is a row again: nothing is lost, little repeated
        self._seen.add(key)
        disclosed = [
            label for label, value in (("model", model), ("serial", serial), ("version", version)) if value
        ]
        self.write(
            {
                "packet": packet,
                "protocol": protocol,
                "src_ip": src_ip,
                "name": name,
                "server": server,
                "location": location,
                "model": model,
                "serial": serial,
                "version": version,
                "disclosed": disclosed,
                "banner": banner,
            }
        )

    # --- SSDP -----------------------------------------------------------------------------------
    def ssdp(self, packet: int, src_ip: str, payload: bytes) -> None:
        head = parse_head(payload.split(b"\r\n\r\n", 1)[0][:4096])
        first = head.first.upper()
        if first.startswith("M-SEARCH"):
            return  # a search discloses only what the searcher wants; its answers are what count
        server = head.get("server") or head.get("user-agent")
        model = next((v for k, v in head.headers.items() if "model" in k), None)
        serial = next((v for k, v in head.headers.items() if "serial" in k), None)
        banner = payload[:512].decode("utf-8", "backslashreplace")
        self.add(
            packet,
            "ssdp",
            src_ip,
            name=head.get("usn") or head.get("nt") or head.get("st"),
            server=server,
            location=head.get("location"),
            model=model,
            serial=serial or _serial(server, head.get("usn")),
            version=_versions(server or ""),
            banner=banner,
        )

    # --- mDNS / LLMNR / NetBIOS -----------------------------------------------------------------
    def mdns(self, packet: int, src_ip: str, msg: dns.Message) -> None:
        records = msg.records()
        if not records:
            return
        txt: dict[str, str] = {}
        strings: list[str] = []
        name = location = None
        for rec in records:
            if rec.rtype == 16 and isinstance(rec.data, list):
                name = name or rec.name
                for item in rec.data:
                    strings.append(item)
                    key, _, value = item.partition("=")
                    txt.setdefault(key.lower(), value)
            elif rec.rtype == 33:
                name = name or rec.name
                location = location or str(rec.data)
            elif rec.rtype == 12 and not name and not rec.name.startswith("_services"):
                name = str(rec.data)
        hostnames = [r.name for r in records if r.rtype in (1, 28)]
        name = name or (hostnames[0] if hostnames else records[0].name)
        model = next((txt[k] for k in TXT_MODEL if txt.get(k)), None)
        serial = next((txt[k] for k in TXT_SERIAL if txt.get(k)), None) or _serial(name, *hostnames)
        version = next((txt[k] for k in TXT_VERSION if txt.get(k)), None)
        banner = "; ".join(strings)[:512] if strings else None
        self.add(
            packet,
            "mdns",
            src_ip,
            name=name,
            location=location,
            model=model,
            serial=serial,
            version=version,
            banner=banner,
            server=hostnames[0] if hostnames else None,
        )

    def llmnr(self, packet: int, src_ip: str, msg: dns.Message) -> None:
        for qname, _ in msg.questions[:1]:
            self.add(
                packet,
                "llmnr",
                src_ip,
                name=qname,
                serial=_serial(qname),
                banner="response" if msg.response else "query",
            )

    def nbns(self, packet: int, src_ip: str, msg: dns.Message) -> None:
        kind = {0: "query", 5: "registration", 6: "release", 8: "refresh"}.get(msg.opcode, f"op {msg.opcode}")
        for qname, _ in msg.questions[:1]:
            name = dns.netbios_name(qname)
            self.add(packet, "netbios-ns", src_ip, name=name, serial=_serial(name), banner=kind)

    # --- DHCP -----------------------------------------------------------------------------------
    def dhcp(self, packet: int, src_ip: str, payload: bytes) -> None:
        if len(payload) < 240 or payload[236:240] != b"\x63\x82\x53\x63":
            return
        options: dict[int, bytes] = {}
        pos = 240
        while pos < len(payload):
            code = payload[pos]
            if code == 255:
                break
            if code == 0:
                pos += 1
                continue
            if pos + 1 >= len(payload):
                break
            n = payload[pos + 1]
            options.setdefault(code, payload[pos + 2 : pos + 2 + n])
            pos += 2 + n
        hostname = options.get(12, b"").decode("utf-8", "backslashreplace") or None
        vendor = options.get(60, b"").decode("utf-8", "backslashreplace") or None
        if not hostname and not vendor:
            return
        self.add(
            packet,
            "dhcp",
            src_ip,
            name=hostname,
            server=vendor,
            serial=_serial(hostname),
            version=_versions(vendor or "")
            or (vendor if vendor and re.search(r"\d+\.\d+", vendor) else None),
            banner=f"hostname={hostname!r} vendor_class={vendor!r}",
        )
