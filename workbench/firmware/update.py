"""How the device updates: update tools, the URLs they fetch (http vs https), the signature
verification tools they call and the public keys those use, or the absence of both."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from workbench.firmware.anchors import AnchorSet
from workbench.firmware.inventory import FileRecord

READ_LIMIT = 4 << 20
TOOL_NAMES = re.compile(
    r"^(?:sysupgrade|swupdate|rauc|mender|fwupdate|fw_update|fwupgrade|fw_upgrade|firmware_update|"
    r"firmware_upgrade|upgrade|ota|ota_update|otad|update_firmware|upgrade_firmware|fwupd|hawkbit\w*|"
    r"[\w-]*(?:upgrade|update|ota)[\w-]*\.(?:sh|lua|py|cgi))$",
    re.I,
)
URL = re.compile(rb"\b((?:https?|ftp|tftp)://[A-Za-z0-9.\-_~:%@\[\]]+(?:/[^\s\"'<>`;|)\\\x00]*)?)")
UPDATE_WORDS = re.compile(
    r"(?i)firmware|upgrade|update|/fw/|fw[_-]|\.bin\b|\.img\b|ota|sysupgrade|\.trx|\.ipk"
)
# UPDATE_WORDS' alternatives without `\b`, in lower case; the others hold one of UPDATE_ENDINGS. A
# URL is ASCII but for U+FFFD (it is decoded from ASCII bytes, errors replaced), where the
# expression's case folding is what lower() does.
UPDATE_LITERALS = ("firmware", "upgrade", "update", "/fw/", "fw_", "fw-", "ota", ".trx", ".ipk")
UPDATE_ENDINGS = (".bin", ".img")
VERIFIERS = (
    ("usign", re.compile(r"\busign\b[^\n]*-V"), "usign -V (OpenWrt signify-compatible)"),
    ("signify", re.compile(r"\bsignify\b[^\n]*-V"), "signify -V"),
    (
        "openssl",
        re.compile(
            r"\bopenssl\s+(?:dgst\b[^\n]*-verify|smime\b[^\n]*-verify|cms\b[^\n]*-verify|"
            r"pkeyutl\b[^\n]*-verify)"
        ),
        "openssl signature verification",
    ),
    ("gpgv", re.compile(r"\bgpgv2?\b|\bgpg\b[^\n]*--verify"), "GnuPG signature verification"),
    ("rauc", re.compile(r"\brauc\b[^\n]*\binstall\b"), "RAUC bundles (signature checked on install)"),
    ("swupdate", re.compile(r"\bswupdate\b[^\n]*\s-k\s"), "swupdate -k public key"),
    ("fwtool", re.compile(r"\bfwtool\b[^\n]*-s\b"), "fwtool signature"),
)
VERIFIER_WORDS = ("usign", "signify", "openssl", "gpg", "rauc", "swupdate", "fwtool")  # in each one's matches
KEY_OPTION = re.compile(r"(?:-P|-p|-verify|-k|--keyring|-certfile|-CAfile)\s+[\"']?(/[\w./-]+)")
KEY_DIRS = ("/etc/opkg/keys/", "/etc/swupdate/", "/etc/rauc/", "/usr/share/keys/", "/etc/keys/")
NEWLINE = b"\n"
FETCHERS = re.compile(r"\b(?:wget|curl|uclient-fetch|tftp|ftpget|fetch)\b")


SCHEMES = (b"https", b"tftp", b"http", b"ftp")


def _word_byte(byte: int) -> bool:
    return byte == 0x5F or 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def find_urls(data: bytes):
    """URL.finditer(data), found from each `://` instead of trying the pattern at every byte
    (the same matches; 20x faster on binaries)."""
    end = 0
    pos = data.find(b"://")
    while pos != -1:
        for scheme in SCHEMES:
            start = pos - len(scheme)
            if start >= end and data.startswith(scheme, start):  # data[start:pos] == scheme
                if start == 0 or not _word_byte(data[start - 1]):
                    match = URL.match(data, start)
                    if match:
                        yield match
                        end = match.end()
                break
        pos = data.find(b"://", max(pos + 3, end))


@dataclass
class UpdateFinding:
    kind: str  # tool | url | public_key | verifier
    path: str
    value: str
    secure: bool | None
    detail: str

    def row(self) -> dict:
        return dict(self.__dict__)


FETCHER_WORDS = ("wget", "curl", "uclient-fetch", "tftp", "ftpget", "fetch")  # FETCHERS' literals
# An ASCII word is in the UTF-8 decoded text exactly when its bytes are in the data (a byte below
# 0x80 is always decoded as itself, also next to bytes replaced): one pass over the bytes.
FETCHER_ANCHORS = AnchorSet(word.encode("ascii") for word in FETCHER_WORDS)


WRITES = re.compile(r"(?i)\bmtd\s+write|sysupgrade|flashcp|dd\s+if=.*of=/dev/mtd|firmware|fw_?upgrade")
WRITE_WORDS = ("sysupgrade", "flashcp", "firmware")  # WRITES' literal alternatives


def _writes_firmware(text: str) -> bool:
    """WRITES.search(text): in ASCII text (where lower() is what the expression's case folding
    does) first by substring tests, the expression only when they cannot answer."""
    if not text.isascii():
        return WRITES.search(text) is not None
    lowered = text.lower()
    if any(word in lowered for word in WRITE_WORDS):
        return True
    if "mtd" not in lowered:  # WRITES' alternatives left without it: `fw_?upgrade` (no expression)
        return "fwupgrade" in lowered or "fw_upgrade" in lowered
    return WRITES.search(text) is not None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what `\b` of a str expression takes for a word character


def _names_fetcher(text: str, present: set[bytes]) -> bool:
    """FETCHERS.search(text) is not None, `present` the FETCHER_WORDS in the text: each
    occurrence of those found by `find` and its ends tested as `\b` tests them (every word
    begins and ends with a word character), instead of the expression tried at every character."""
    for word in FETCHER_WORDS:
        if word.encode("ascii") not in present:
            continue
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not _is_word(text[at - 1])) and (end == len(text) or not _is_word(text[end])):
                return True
            at = text.find(word, at + 1)
    return False


URL_MARK = b"://"  # in every URL find_urls finds
# the fetchers' words and the URLs' mark in one pass over a text's bytes
TEXT_ANCHORS = AnchorSet((*(word.encode("ascii") for word in FETCHER_WORDS), URL_MARK))
# every name TOOL_NAMES matches holds one of these, made lower case (of characters besides ASCII,
# its case folding takes only the Kelvin sign for one of their letters, which lower() makes k)
TOOL_WORDS = ("upgrade", "update", "ota", "rauc", "mender", "fwupd", "hawkb")


def _tool_name(name: str) -> bool:
    """TOOL_NAMES.match(name) is not None: first by substring tests (one name in a hundred holds
    one of TOOL_WORDS); lower() makes U+0130 two characters (then the expression decides)."""
    lowered = name.lower()
    if len(lowered) == len(name) and not any(word in lowered for word in TOOL_WORDS):
        return False
    return TOOL_NAMES.match(name) is not None


def _text_update(tool: bool, data: bytes) -> tuple[bool, str, bool]:
    """(whether the text is an update script: its name is a tool's or it names a fetcher and
    writes firmware; the text, whether `data` holds `://`) of a text whose name is a tool's
    name or not (`tool`), with one pass over the bytes for the fetchers' words and the URLs'
    mark, and `data` decoded only when a test needs the text (else the text is "")."""
    present = TEXT_ANCHORS.present(data)
    urls = URL_MARK in present
    present.discard(URL_MARK)
    if not tool and not present:
        return False, "", urls
    text = data.decode("utf-8", "replace")
    return tool or (_names_fetcher(text, present) and _writes_firmware(text)), text, urls


def _update_url(url: str) -> bool:
    """UPDATE_WORDS.search(url) is not None, by substring tests (the expression only for the
    endings that it wants a word's end after)."""
    lowered = url.lower()
    if any(word in lowered for word in UPDATE_LITERALS):
        return True
    return any(ending in lowered for ending in UPDATE_ENDINGS) and UPDATE_WORDS.search(url) is not None


def wants_update(record: FileRecord) -> bool:
    """Whether `update_in` reads the file's content."""
    return record.kind == "file" and record.type in ("script", "config", "text", "elf")


def update_in(record: FileRecord, data: bytes | None) -> tuple[list[UpdateFinding], set[str]]:
    """What one entry tells of the update mechanism, and the key files it names; `data`: the
    first bytes of a file `wants_update` (READ_LIMIT at most are searched)."""
    found: list[UpdateFinding] = []
    key_paths: set[str] = set()
    if record.kind not in ("file", "symlink"):
        return found, key_paths
    tool = _tool_name(record.name)
    if tool and (record.kind == "symlink" or record.type in ("elf", "script")):
        found.append(UpdateFinding("tool", record.path, record.name, None, f"update tool ({record.type})"))
    if (
        record.kind == "file"
        and record.name in ("usign", "signify", "gpgv", "gpgv2")
        and record.type == "elf"
    ):
        found.append(UpdateFinding("verifier", record.path, record.name, True, "verification tool present"))
    if (
        record.kind == "file"
        and any(d in record.path for d in KEY_DIRS)
        and record.type in ("key", "certificate", "text", "config", "data")
    ):
        key_paths.add(record.path)
    if not wants_update(record):
        return found, key_paths
    data = (data or b"")[:READ_LIMIT]
    update_file = False
    urls = True
    if record.type != "elf":
        update_file, text, urls = _text_update(tool, data)
        if update_file and not tool:
            found.append(
                UpdateFinding(
                    "tool", record.path, record.name, None, "script that downloads and writes firmware"
                )
            )
        if update_file:
            for (tool_name, pattern, detail), word in zip(VERIFIERS, VERIFIER_WORDS, strict=True):
                if word not in text:
                    continue  # no match without it: the expression not tried at every character
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    where = f"{detail}, line {line}"
                    found.append(UpdateFinding("verifier", record.path, tool_name, True, where))
            for match in KEY_OPTION.finditer(text):
                key_paths.add(match.group(1))
    if not urls:  # no `://` in the text: no URL
        return found, key_paths
    for match in find_urls(data):
        url = match.group(1).decode("ascii", "replace").rstrip(".,")
        if not (update_file or _update_url(url)):
            continue
        secure = url.lower().startswith("https://")
        line = data.count(NEWLINE, 0, match.start()) + 1
        where = f"line {line}" if record.type != "elf" else f"offset {match.start()}"
        found.append(
            UpdateFinding(
                "url", record.path, url, secure, f"{'encrypted' if secure else 'cleartext'} transfer, {where}"
            )
        )
    return found, key_paths


def update_rows(found: list[UpdateFinding], key_paths: set[str], present: set[str]) -> list[UpdateFinding]:
    """The update table: what the files showed, the key files named (in the image or not), each once."""
    found = list(found)
    for path in sorted(key_paths):
        found.append(
            UpdateFinding(
                "public_key",
                path,
                posixpath.basename(path),
                True if path in present else None,
                "key used for update verification"
                + ("" if path in present else " (referenced, not in the image)"),
            )
        )
    unique: dict[tuple, UpdateFinding] = {}
    for item in found:
        unique.setdefault((item.kind, item.path, item.value), item)
    return list(unique.values())
