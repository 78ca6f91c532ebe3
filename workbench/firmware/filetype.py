"""What a file is, from its name and first bytes: elf (with architecture), script,
certificate, key, config, archive, text, data, empty."""

from __future__ import annotations

import struct

from workbench.firmware import magic

ELF_MACHINES = {
    2: "sparc",
    3: "x86",
    8: "mips",
    20: "powerpc",
    21: "powerpc64",
    40: "arm",
    42: "superh",
    43: "sparcv9",
    50: "ia64",
    62: "x86_64",
    83: "avr",
    87: "v850",
    92: "openrisc",
    94: "xtensa",
    164: "hexagon",
    183: "aarch64",
    189: "microblaze",
    195: "arc",
    243: "riscv",
    258: "loongarch",
}
CONFIG_SUFFIXES = (
    ".conf",
    ".cfg",
    ".cnf",
    ".ini",
    ".json",
    ".xml",
    ".yaml",
    ".yml",
    ".config",
    ".rules",
    ".service",
    ".socket",
    ".network",
    ".properties",
    ".env",
    ".htpasswd",
    ".passwd",
    ".prop",
)
SCRIPT_SUFFIXES = (".sh", ".lua", ".py", ".pl", ".cgi", ".php", ".rb", ".tcl", ".js", ".asp")
CERT_SUFFIXES = (".crt", ".cer", ".der", ".p7b")
KEY_SUFFIXES = (".key", ".p8", ".pk8", ".p12", ".pfx")
KEY_NAMES = (
    "dropbear_rsa_host_key",
    "dropbear_dss_host_key",
    "dropbear_ecdsa_host_key",
    "dropbear_ed25519_host_key",
)
CONFIG_DIRS = ("/etc/", "/var/etc/", "/usr/etc/", "/nvram/", "/config/", "/mnt/config/")
_PEM_KEY_LABELS = (b"PRIVATE KEY-----", b"OPENSSH PRIVATE KEY", b"PUBLIC KEY-----")


def elf_arch(head: bytes) -> str | None:
    if len(head) < 20 or not head.startswith(b"\x7fELF"):
        return None
    bits = {1: 32, 2: 64}.get(head[4], 0)
    endian = "<" if head[5] == 1 else ">"
    machine = struct.unpack_from(endian + "H", head, 18)[0]
    name = ELF_MACHINES.get(machine, f"machine-{machine}")
    return f"{name}-{bits}-{'le' if endian == '<' else 'be'}"


_PRINTABLE = bytes([9, 10, 13, *range(32, 127), *range(0xC2, 256)])


def is_text(head: bytes) -> bool:
    if not head or b"\0" in head:
        return False
    sample = head[:4096]
    printable = len(sample) - len(sample.translate(None, _PRINTABLE))
    return printable / len(sample) > 0.95


def classify(image_path: str, head: bytes, size: int) -> tuple[str, str | None]:
    """(type, arch) for a regular file."""
    if size == 0:
        return "empty", None
    if head.startswith(b"\x7fELF"):
        return "elf", elf_arch(head)
    name = image_path.rpartition("/")[2].lower()  # posixpath.basename's answer, without its calls
    if b"-----BEGIN CERTIFICATE-----" in head:
        return "certificate", None
    if b"-----BEGIN " in head and any(label in head for label in _PEM_KEY_LABELS):
        return "key", None
    if (
        name in KEY_NAMES
        or (name.startswith("ssh_host_") and name.endswith("_key"))
        or head[:11] == b"\0\0\0\x07ssh-rsa"
        or head[:4] + head[4:15] == b"\0\0\0\x0bssh-ed25519"
    ):
        return "key", None
    if head.startswith(b"#!"):
        return "script", None
    kind = magic.sniff(head)
    if kind is not None:
        return "archive", None
    if name.endswith(CERT_SUFFIXES) and head[:1] == b"\x30":
        return "certificate", None
    if name.endswith(KEY_SUFFIXES) and head[:1] == b"\x30":
        return "key", None
    if is_text(head):
        if name.endswith(SCRIPT_SUFFIXES) or "/init.d/" in image_path or "/rc.d/" in image_path:
            return "script", None
        if name.endswith(CONFIG_SUFFIXES) or any(d in image_path for d in CONFIG_DIRS):
            return "config", None
        return "text", None
    return "data", None
