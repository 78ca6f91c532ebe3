"""Hard-coded credentials and tokens: cloud access keys, API tokens, private key material in
binaries, and password/secret/token assignments in configurations and scripts. Values are
masked unless revealed."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from workbench.firmware.anchors import AnchorSet, Leftmost
from workbench.firmware.crypthash import mask, mask_password
from workbench.firmware.inventory import FileRecord
from workbench.firmware.secrets_binary import compiled_literals
from workbench.firmware.secrets_compared import compared_literals

READ_LIMIT = 16 << 20
# (kind, anchors, pattern): every match holds one of the anchors, a fast pre-filter (one pass
# over the file for all of them). Anchors in CASELESS are matched whatever their case. A pattern
# starts with its literal where it can (the AWS key ids' "no letter or digit before" is a
# lookbehind after it): `re` then searches for the literal, instead of trying every byte (50x).
TOKEN_PATTERNS: tuple[tuple[str, tuple[bytes, ...], re.Pattern[bytes]], ...] = (
    ("aws_access_key_id", (b"AKIA",), re.compile(rb"(AKIA(?<![A-Z0-9]AKIA)[A-Z0-9]{16})(?![A-Z0-9])")),
    ("aws_access_key_id", (b"ASIA",), re.compile(rb"(ASIA(?<![A-Z0-9]ASIA)[A-Z0-9]{16})(?![A-Z0-9])")),
    (
        "aws_secret_access_key",
        (b"secret_access", b"secretaccess"),
        re.compile(
            rb"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    ("google_api_key", (b"AIza",), re.compile(rb"(AIza[0-9A-Za-z_\-]{35})")),
    ("slack_token", (b"xox",), re.compile(rb"(xox[abposr]-[0-9A-Za-z-]{10,72})")),
    (
        "slack_webhook",
        (b"hooks.slack.com",),
        re.compile(rb"(https://hooks\.slack\.com/services/[A-Za-z0-9/_]{20,})"),
    ),
    (
        "github_token",
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
        re.compile(rb"((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36})"),
    ),
    ("github_token", (b"github_pat_",), re.compile(rb"(github_pat_[A-Za-z0-9_]{60,90})")),
    (
        "private_key",
        (b"PRIVATE KEY-----",),
        re.compile(rb"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----)"),
    ),
)
CASELESS = {b"secret_access", b"secretaccess"}  # the AWS secret's pattern ignores case
ASSIGNMENT = re.compile(
    r"(?i)(?:^|[\s;{,(&?])(?:option\s+|export\s+|set\s+)?[\"']?"
    r"([\w.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api_?key|apikey|auth_?key|access_?key|psk))[\"']?"
    r"\s*(?:=|:|\s)\s*(\"[^\"\n]{1,200}\"|'[^'\n]{1,200}'|[^\s\"'#;,&)]{1,200})"
)
# ASSIGNMENT without its case folding, for ASCII text made lower case (where the folding is what
# lower() does: the same matches, found in 0.55 of the time)
ASSIGNMENT_LOWER = re.compile(ASSIGNMENT.pattern.removeprefix("(?i)"))
PLACEHOLDER = re.compile(
    r"^(?:\$|%|\{\{|<|\*+$|x+$|null$|none$|nil$|true$|false$|yes$|no$|0$|1$|on$|off$|-+$|\\|\[|\(|required$"
    r"|optional$|string$|your[_-]?|example$|changeme_later$)",
    re.I,
)
# Every name ASSIGNMENT accepts holds one of these (case-folded): a text without any has no
# assignment to find. Plain `in` on the folded text: a case-insensitive regex costs 10x more.
KEYWORDS = ("passw", "pwd", "secret", "token", "key", "psk")


# every name ASSIGNMENT takes holds one of these, in ASCII text made lower case
NAME_WORDS = (
    "passwd", "password", "pwd", "secret", "token", "psk",
    "apikey", "api_key", "authkey", "auth_key", "accesskey", "access_key",
)  # fmt: skip


NAME_WORDS_ASCII = tuple(word.encode("ascii") for word in NAME_WORDS)
PASSWORD_NAME = re.compile(r"(?i)passw|pwd")  # an assignment's name that makes it a password
COMPARED_OPERATOR = re.compile(r"[=!~<>]=")  # between a name and its value: a comparison
COMPARED_PASSWORD = re.compile(r"pass|pwd|pw|psk|cred")  # a compared name (lower case): a password


def has_keyword(text: str) -> bool:
    folded = text.casefold()
    return any(word in folded for word in KEYWORDS)


# kinds masked as passwords (two characters shown); the compared ones by the name they are compared with
PASSWORD_KINDS = {"password", "compared_password", "strcmp_password"}
SKIP_NAMES = {"passwd", "shadow", "group", "gshadow", "passwd-", "shadow-"}
TEXT_TYPES = ("config", "script", "text")


@dataclass
class Secret:
    path: str
    offset: int
    line: int | None
    kind: str
    name: str | None
    value: str

    def masked(self) -> str | None:
        return mask_password(self.value) if self.kind in PASSWORD_KINDS else mask(self.value)

    def row(self, reveal: bool) -> dict:
        return {
            "path": self.path,
            "offset": self.offset,
            "line": self.line,
            "kind": self.kind,
            "name": self.name,
            "value": self.value if reveal else self.masked(),
        }


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


TOKEN_ANCHORS = AnchorSet((a for _, anchors, _ in TOKEN_PATTERNS for a in anchors), caseless=CASELESS)


def scan_tokens(record: FileRecord, data: bytes, text_file: bool) -> list[Secret]:
    found: list[Secret] = []
    present = TOKEN_ANCHORS.present(data)
    for kind, anchors, pattern in TOKEN_PATTERNS:
        if not present.intersection(anchors):
            continue
        if kind == "private_key" and record.type in ("key", "certificate"):
            continue  # key files are the keys table's business
        if kind == "private_key" and text_file:
            continue
        for match in pattern.finditer(data):
            value = match.group(1).decode("ascii", "replace")
            found.append(
                Secret(
                    record.path,
                    match.start(1),
                    _line_of(data, match.start(1)) if text_file else None,
                    kind,
                    kind,
                    value,
                )
            )
    return found


KEYWORD = re.compile("|".join(KEYWORDS), re.I)  # where a line can hold an assignment
KEYWORD_LOWER = re.compile("|".join(KEYWORDS))  # the same in ASCII text made lower case (what Leftmost finds)


# str.splitlines' line ends in ASCII text besides "\n"; with the keywords, one pass finds them all
BREAKS = (b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")
KEYWORDS_ASCII = tuple(word.encode("ascii") for word in KEYWORDS)
LINE_ANCHORS = AnchorSet(KEYWORDS_ASCII + BREAKS)
NAME_ANCHORS = AnchorSet(NAME_WORDS_ASCII + BREAKS)


def _candidate_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(line number, offset in characters, line with its end) of the lines of `text` (as
    `str.splitlines` cuts them) that hold a keyword: found by a search over the text that goes
    on from the next line after each find, not by a test of every line."""
    if not text.isascii():
        folded = _folded(text)
        search = _regex_search(KEYWORD, text) if folded is None else Leftmost(folded, KEYWORDS).search
        yield from _lines_holding(text, search)
        return
    # ASCII: offsets in characters are offsets in bytes; the keywords' and the line ends' first
    # occurrences in one pass over the bytes made lower case, the next ones by Leftmost
    lowered = text.lower().encode("ascii")
    first = LINE_ANCHORS.first(lowered)
    search = Leftmost(lowered, KEYWORDS_ASCII, first).search
    if any(end in first for end in BREAKS):  # other line ends than "\n": str.splitlines cuts
        yield from _lines_holding(text, search)
        return
    for number, start, end in _lines_around(lowered, search):
        yield number, start, text[start:end]


def _folded(text: str) -> str | None:
    """`text` with each character that KEYWORD's case-insensitive match takes for a letter of the
    KEYWORDS made that lower-case letter, the others as `lower()` makes them: the same length, so
    that `find` of a keyword in it is KEYWORD.search in `text` (8x faster than the expression
    over non-ASCII text). Python's expressions take a character for an ASCII letter when its
    lower case is that letter (the Kelvin sign for k), and besides for `s` the long s; `lower()`
    makes one character two only of U+0130 (then None: the expression it is)."""
    folded = text.lower()
    if len(folded) != len(text):
        return None
    return folded.replace("\u017f", "s") if "\u017f" in folded else folded


def _name_lines(data: bytes) -> Iterator[tuple[int, int, str]]:
    """(line number, offset, line with its end) of the lines of ASCII `data` (decoded, as
    `str.splitlines` cuts them) that hold a NAME_WORDS word in lower case: the lines of
    _candidate_lines that scan_assignments does not skip for want of one, found by a search for
    those words (`key` alone is common in programs), each line decoded alone."""
    lowered = data.lower()  # in ASCII, the decoded text's lower() encoded
    first = NAME_ANCHORS.first(lowered)
    search = Leftmost(lowered, NAME_WORDS_ASCII, first).search
    if any(end in first for end in BREAKS):  # other line ends than "\n": str.splitlines cuts
        yield from _lines_holding(data.decode("ascii"), search)
        return
    for number, start, end in _lines_around(lowered, search):
        yield number, start, data[start:end].decode("ascii")


def _lines_around(lowered: bytes, search: Callable[[int], int]) -> Iterator[tuple[int, int, int]]:
    """(line number, start, end) of each line of `lowered` holding a find of `search(start)`, where
    every line ends with "\n" (the last one may not): cut around each find, the next one searched
    from the next line on."""
    at = search(0)
    number, counted = 1, 0  # the line number at offset `counted`
    while at >= 0:
        start = lowered.rfind(b"\n", 0, at) + 1
        end = lowered.find(b"\n", at)
        end = len(lowered) if end < 0 else end + 1
        number += lowered.count(b"\n", counted, start)
        counted = start
        yield number, start, end
        at = search(end)


def _lines_holding(text: str, search: Callable[[int], int]) -> Iterator[tuple[int, int, str]]:
    """_candidate_lines with the lines cut by str.splitlines; `search(start)`: the next keyword."""
    at = search(0)
    if at < 0:
        return
    lines = text.splitlines(keepends=True)
    starts = list(accumulate(map(len, lines), initial=0))
    while at >= 0:
        index = bisect_right(starts, at) - 1
        if index >= len(lines):
            return
        yield index + 1, starts[index], lines[index]
        at = search(starts[index + 1])


def _regex_search(pattern: re.Pattern[str], text: str) -> Callable[[int], int]:
    def search(start: int) -> int:
        match = pattern.search(text, start)
        return -1 if match is None else match.start()

    return search


def _compared(line: str, match: re.Match[str]) -> bool:
    """The name is compared (`password == "x"`, `pwd ~= x`), or is a quoted word followed by
    another (`"lua_secret" then`): no assignment."""
    between, first = line[match.end(1) : match.start(2)], line[match.start(2) : match.start(2) + 1]
    if first in "=!~<>" or COMPARED_OPERATOR.search(between):
        return True
    quoted = line[match.start(1) - 1 : match.start(1)] in ("'", '"')
    option = line[: match.start(1)].rstrip("\"' ").endswith("option")
    return quoted and not option and not any(c in between for c in ":=")


def scan_assignments(record: FileRecord, data: bytes) -> list[Secret]:
    found: list[Secret] = []
    if data.isascii():  # the text is the bytes: no decoding but of the lines with a name in them
        for number, start, line in _name_lines(data):
            if not line.lstrip().startswith(("#", "//", ";", "--")):
                _assignments(record, line, number, start, found, ASSIGNMENT_LOWER.finditer(line.lower()))
        return found
    # (a text without a keyword once case-folded gives no candidate line: no has_keyword(text) first)
    text = data.decode("utf-8", "replace")
    encoded_to, encoded = 0, 0  # byte length of the text before line `encoded_to` characters
    for number, start, line in _candidate_lines(text):
        encoded += len(text[encoded_to:start].encode("utf-8", "replace"))
        encoded_to = start
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", ";", "--")) or not has_keyword(line):
            continue
        # an ASCII line of the text: the expression without case folding on the line made lower case
        matches = ASSIGNMENT_LOWER.finditer(line.lower()) if line.isascii() else ASSIGNMENT.finditer(line)
        _assignments(record, line, number, encoded, found, matches)
    return found


def _assignments(
    record: FileRecord, line: str, number: int, encoded: int, found: list[Secret], matches: Iterator[re.Match]
) -> None:
    """The assignments of one line into `found`, `encoded` the line's offset in bytes; `matches`:
    ASSIGNMENT's in the line, or ASSIGNMENT_LOWER's in the ASCII line made lower case (the same
    spans: names and values are taken from the line by them)."""
    for match in matches:
        name, value = line[match.start(1) : match.end(1)], line[match.start(2) : match.end(2)].strip("\"'")
        if _compared(line, match):
            continue  # a comparison, not an assignment: compared_literals finds its literal
        if not value or PLACEHOLDER.match(value) or value.lower() == name.lower():
            continue
        kind = "password" if PASSWORD_NAME.search(name) else "token" if "token" in name.lower() else "secret"
        found.append(Secret(record.path, encoded + match.start(2), number, kind, name, value))


def secrets_in(record: FileRecord, data: bytes) -> list[Secret]:
    """The secrets of one file, `data` its first bytes (READ_LIMIT at most are read)."""
    if record.kind != "file" or record.size == 0 or record.name in SKIP_NAMES:
        return []
    text_file = record.type in TEXT_TYPES
    if not text_file and record.type not in ("elf", "data"):
        return []
    data = data[:READ_LIMIT]
    found = scan_tokens(record, data, text_file)
    more = scan_assignments(record, data) + compared(record, data) if text_file else compiled(record, data)
    taken = {s.offset for s in found}
    found += [
        s
        for s in more
        if s.offset not in taken and not any(t.offset <= s.offset < t.offset + len(t.value) for t in found)
    ]
    return found


def compared(record: FileRecord, data: bytes) -> list[Secret]:
    """Literals a script compares a password, token or secret with (secrets_compared)."""
    found = []
    for name, value, offset in compared_literals(data):
        folded = name.lower()
        kind = "compared_token" if "token" in folded else "compared_secret"
        if COMPARED_PASSWORD.search(folded):
            kind = "compared_password"
        found.append(Secret(record.path, offset, _line_of(data, offset), kind, name, value))
    return found


def compiled(record: FileRecord, data: bytes) -> list[Secret]:
    """Literals beside a login prompt in a program that compares strings (secrets_binary)."""
    if record.type != "elf":
        return []
    return [
        Secret(record.path, offset, None, "strcmp_password", prompt, value)
        for prompt, value, offset in compiled_literals(data)
    ]


def wants_secrets(record: FileRecord) -> bool:
    return (
        record.kind == "file"
        and record.size > 0
        and record.name not in SKIP_NAMES
        and record.type in (*TEXT_TYPES, "elf", "data")
    )
