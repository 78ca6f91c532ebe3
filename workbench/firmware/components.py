"""Software components and their versions, each with the evidence that shows the version:
a version string in a binary or library, a file name, or a package database entry."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from workbench.firmware.anchors import AnchorSet
from workbench.firmware.inventory import FileRecord
from workbench.firmware.schema import TABLES

COMPONENTS = TABLES["components"]

READ_LIMIT = 64 << 20


@dataclass(frozen=True)
class Signature:
    name: str
    anchor: bytes
    pattern: re.Pattern[bytes]
    vendor: str  # CPE vendor
    product: str  # CPE product


def _sig(name: str, anchor: bytes, pattern: bytes, vendor: str, product: str | None = None) -> Signature:
    return Signature(name, anchor, re.compile(pattern), vendor, product or name)


SIGNATURES: tuple[Signature, ...] = (
    _sig("busybox", b"BusyBox v", rb"BusyBox v(\d+\.\d+(?:\.\d+)?)", "busybox"),
    _sig(
        "openssl",
        b"OpenSSL ",
        rb"OpenSSL (\d+\.\d+\.\d+[a-z]{0,2})(?:-fips|-dev)?\s+\d{1,2} [A-Z][a-z]{2} \d{4}",
        "openssl",
    ),
    _sig(
        "dropbear",
        b"ropbear",
        rb"(?:dropbear_|Dropbear (?:sshd |SSH |multi-purpose )?v)(20\d\d\.\d+)",
        "dropbear_ssh_project",
        "dropbear_ssh",
    ),
    _sig("openssh", b"OpenSSH_", rb"OpenSSH_(\d+\.\d+(?:p\d+)?)", "openbsd", "openssh"),
    _sig("dnsmasq", b"nsmasq", rb"[Dd]nsmasq[- ](?:version )?(\d+\.\d+(?:\.\d+)?)", "thekelleys", "dnsmasq"),
    _sig("lighttpd", b"lighttpd/", rb"lighttpd/(\d+\.\d+\.\d+)", "lighttpd"),
    _sig("curl", b"curl/", rb"(?<![\w/])(?:lib)?curl/(\d+\.\d+\.\d+)", "haxx", "curl"),
    _sig(
        "linux_kernel",
        b"Linux version ",
        rb"Linux version (\d+\.\d+(?:\.\d+)?)[^\s]* \(",
        "linux",
        "linux_kernel",
    ),
    _sig("linux_kernel", b"vermagic=", rb"vermagic=(\d+\.\d+\.\d+)", "linux", "linux_kernel"),
    _sig(
        "glibc", b"GNU C Library", rb"GNU C Library [^\n]{0,80}?version (\d+\.\d+(?:\.\d+)?)", "gnu", "glibc"
    ),
    _sig("uclibc", b"uClibc", rb"uClibc(?:-ng)?[ -](\d+\.\d+\.\d+(?:\.\d+)?)", "uclibc", "uclibc"),
    _sig("hostapd", b"hostapd v", rb"hostapd v(\d+\.\d+(?:\.\d+)?)", "w1.fi", "hostapd"),
    _sig(
        "wpa_supplicant",
        b"wpa_supplicant v",
        rb"wpa_supplicant v(\d+\.\d+(?:\.\d+)?)",
        "w1.fi",
        "wpa_supplicant",
    ),
    _sig("boa", b"Boa/", rb"Boa/(\d+\.\d+\.\d+(?:rc\d+)?)", "boa", "boa"),
    _sig("mbedtls", b"mbed TLS ", rb"mbed TLS (\d+\.\d+\.\d+)", "arm", "mbed_tls"),
    _sig("wolfssl", b"wolfSSL", rb"wolfSSL[ _v]+(\d+\.\d+\.\d+)", "wolfssl", "wolfssl"),
    _sig("sqlite", b"SQLite", rb"SQLite version (\d+\.\d+\.\d+)", "sqlite", "sqlite"),
)
FILE_NAME_VERSIONS: tuple[tuple[str, re.Pattern[str], str, str], ...] = (
    ("glibc", re.compile(r"^(?:libc|ld)-(\d+\.\d+(?:\.\d+)?)\.so$"), "gnu", "glibc"),
    ("uclibc", re.compile(r"^(?:lib|ld-)uClibc-(\d+\.\d+\.\d+(?:\.\d+)?)\.so$"), "uclibc", "uclibc"),
)
MODULES_DIR = re.compile(r"^/lib/modules/(\d+\.\d+\.\d+)[^/]*$")
PRESENT_WITHOUT_VERSION = {"uhttpd": ("openwrt", "uhttpd"), "musl": ("musl-libc", "musl")}


@dataclass
class Component:
    name: str
    version: str | None
    path: str
    evidence: str
    vendor: str
    product: str
    package_type: str = "generic"

    @property
    def purl(self) -> str:
        version = f"@{self.version}" if self.version else ""
        if self.package_type == "deb":
            return f"pkg:deb/{self.name}{version}"
        if self.package_type == "opkg":
            return f"pkg:generic/openwrt/{self.name}{version}"
        return f"pkg:generic/{self.name}{version}"

    @property
    def cpe(self) -> str | None:
        if not self.version:
            return None
        version = re.sub(r"[^A-Za-z0-9._-]", "_", self.version)
        return f"cpe:2.3:a:{self.vendor}:{self.product}:{version}:*:*:*:*:*:*:*"

    def row(self) -> dict:
        return {column: getattr(self, column) for column in COMPONENTS.names}


def _strings_evidence(data: bytes, match: re.Match[bytes]) -> str:
    start = max(0, match.start() - 0)
    end = min(len(data), match.end() + 40)
    text = data[start:end].split(b"\0", 1)[0].split(b"\n", 1)[0]
    return text.decode("ascii", "replace").strip()


def from_binaries(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    anchors = AnchorSet(sig.anchor for sig in SIGNATURES)
    for record in files:
        if record.kind != "file" or record.type not in ("elf", "data", "text", "config"):
            continue
        data = record.read(READ_LIMIT)
        present = anchors.present(data)
        for sig in SIGNATURES:
            if sig.anchor not in present:
                continue
            match = sig.pattern.search(data)
            if match:
                version = match.group(1).decode("ascii")
                found.append(
                    Component(
                        sig.name,
                        version,
                        record.path,
                        f"string '{_strings_evidence(data, match)}' at offset {match.start()}",
                        sig.vendor,
                        sig.product,
                    )
                )
    return found


def from_file_names(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        name = posixpath.basename(record.path)
        for comp, pattern, vendor, product in FILE_NAME_VERSIONS:
            match = pattern.match(name)
            if match and match.groups():
                found.append(
                    Component(comp, match.group(1), record.path, f"file name {name}", vendor, product)
                )
        modules = MODULES_DIR.match(record.path)
        if modules and record.kind == "directory":
            found.append(
                Component(
                    "linux_kernel",
                    modules.group(1),
                    record.path,
                    f"kernel modules directory {record.path}",
                    "linux",
                    "linux_kernel",
                )
            )
        if name.startswith("ld-musl-") and name.endswith(".so.1"):
            found.append(Component("musl", None, record.path, f"file name {name}", "musl-libc", "musl"))
        if name == "uhttpd" and record.type == "elf":
            found.append(Component("uhttpd", None, record.path, "binary uhttpd", "openwrt", "uhttpd"))
    return found


def _stanzas(text: str):
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if ":" in line and not line.startswith((" ", "\t")):
                key, value = line.split(":", 1)
                fields[key.strip()] = value.strip()
        if "Package" in fields:
            yield fields


def from_package_databases(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        if record.kind != "file":
            continue
        if record.path.endswith(("/usr/lib/opkg/status", "/var/lib/opkg/status")) or (
            "/opkg/info/" in record.path and record.path.endswith(".control")
        ):
            kind, label = "opkg", "opkg status"
        elif record.path.endswith("/var/lib/dpkg/status"):
            kind, label = "deb", "dpkg status"
        else:
            continue
        for fields in _stanzas(record.text(READ_LIMIT)):
            if "Status" in fields and "installed" not in fields["Status"].split():
                continue
            name, version = fields["Package"], fields.get("Version")
            found.append(
                Component(
                    name,
                    version,
                    record.path,
                    f"{label}: Package {name}, Version {version}",
                    name,
                    name,
                    package_type=kind,
                )
            )
    return found


def find_components(files: list[FileRecord]) -> list[Component]:
    components = from_package_databases(files) + from_binaries(files) + from_file_names(files)
    unique: dict[tuple, Component] = {}
    for comp in components:
        unique.setdefault((comp.name, comp.version, comp.path), comp)
    versioned = {(c.name, c.path) for c in unique.values() if c.version}
    return [c for c in unique.values() if c.version or (c.name, c.path) not in versioned]
