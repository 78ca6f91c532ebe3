"""Components identified by the signatures of data/component_signatures.yaml: a version string
inside a file, or a version in a library's file name, each with its CPE."""

from pathlib import Path

import pytest

from workbench.firmware.components import SIGNATURES, find_components
from workbench.firmware.inventory import FileRecord

# (text inside a binary, component, version, CPE vendor:product): one for every signature
VERSION_STRINGS = [
    (b"BusyBox v1.36.1 (2023-06-01 10:00:00 UTC) multi-call binary.", "busybox", "1.36.1", "busybox:busybox"),
    (b"OpenSSL 1.1.1w  11 Sep 2023", "openssl", "1.1.1w", "openssl:openssl"),
    (b"Dropbear sshd v2022.83", "dropbear", "2022.83", "dropbear_ssh_project:dropbear_ssh"),
    (b"SSH-2.0-OpenSSH_8.9p1 Ubuntu", "openssh", "8.9p1", "openbsd:openssh"),
    (b"Dnsmasq version 2.89  Copyright", "dnsmasq", "2.89", "thekelleys:dnsmasq"),
    (b"Server: lighttpd/1.4.69", "lighttpd", "1.4.69", "lighttpd:lighttpd"),
    (b"User-Agent: libcurl/8.4.0", "curl", "8.4.0", "haxx:curl"),
    (b"Linux version 5.15.137-rt (builder@host)", "linux_kernel", "5.15.137", "linux:linux_kernel"),
    (b"vermagic=5.10.176 SMP mod_unload", "linux_kernel", "5.10.176", "linux:linux_kernel"),
    (b"GNU C Library (GNU libc) stable release version 2.36.", "glibc", "2.36", "gnu:glibc"),
    (b"uClibc-ng 1.0.44", "uclibc", "1.0.44", "uclibc:uclibc"),
    (b"hostapd v2.10", "hostapd", "2.10", "w1.fi:hostapd"),
    (b"wpa_supplicant v2.9", "wpa_supplicant", "2.9", "w1.fi:wpa_supplicant"),
    (b"Server: Boa/0.94.14rc21", "boa", "0.94.14rc21", "boa:boa"),
    (b"mbed TLS 2.28.5", "mbedtls", "2.28.5", "arm:mbed_tls"),
    (b"wolfSSL 5.6.4", "wolfssl", "5.6.4", "wolfssl:wolfssl"),
    (b"SQLite version 3.44.0", "sqlite", "3.44.0", "sqlite:sqlite"),
]


def _record(root: Path, image_path: str, data: bytes, kind: str = "data") -> FileRecord:
    disk = root / image_path.lstrip("/").replace("/", "_")
    disk.write_bytes(data)
    return FileRecord(image_path, disk, "file", len(data), 0o755, 0, 0, kind)


def test_every_version_string_signature_is_tested():
    assert len(VERSION_STRINGS) == len(SIGNATURES)


@pytest.mark.parametrize(("text", "name", "version", "cpe"), VERSION_STRINGS)
def test_a_version_string_names_the_component_and_its_cpe(tmp_path, text, name, version, cpe):
    record = _record(tmp_path, f"/usr/bin/{name}", b"\x7fELF\0\0" + text + b"\0tail")
    [component] = find_components([record])
    assert (component.name, component.version, component.path) == (name, version, f"/usr/bin/{name}")
    assert component.cpe == f"cpe:2.3:a:{cpe}:{version}:*:*:*:*:*:*:*"
    assert component.evidence.startswith("string '") and version in component.evidence


def test_versions_in_library_file_names(tmp_path):
    records = [
        _record(tmp_path, "/lib/libc-2.31.so", b"\x7fELF", "elf"),
        _record(tmp_path, "/lib/ld-uClibc-1.0.40.so", b"\x7fELF", "elf"),
    ]
    found = {(c.name, c.version, c.cpe) for c in find_components(records)}
    assert found == {
        ("glibc", "2.31", "cpe:2.3:a:gnu:glibc:2.31:*:*:*:*:*:*:*"),
        ("uclibc", "1.0.40", "cpe:2.3:a:uclibc:uclibc:1.0.40:*:*:*:*:*:*:*"),
    }
