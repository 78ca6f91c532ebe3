"""The content finders' shortcuts held to the code they replaced (copied here as it was), on
random texts built from troublesome pieces: other line ends, non-ASCII text, the long s and the
Kelvin sign (which case-insensitive expressions take for `s` and `k`), dotted capital I (whose
lower case is two characters), comparisons and assignments, quotes and comments."""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from itertools import accumulate

from workbench.firmware import secrets
from workbench.firmware import secrets_compared as sc
from workbench.firmware.anchors import Leftmost
from workbench.firmware.inventory import FileRecord

PIECES = [
    "password=x", "TOKEN: y", "monKEY", "api_key", "words", "Pwd", " ", "  ", "\t", "#", "//", ";", "--",
    "PSK", "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
    "secreT", "passw", "ord", "user = bob", "Login: root", "ACCOUNT", "café", "caſe", "\u017f", "\u212a",
    "\u0130", "\u0131", "ß", "\ufb06", "ﬅ", "K", "paſſword", "\u212aey", "to\u212aen", "ſecret", "p\u017fk",
    " == 'abc'", '[ "$PASS" = "hunter2" ]', "pw", 'strcmp($pass, "xyz123")', "case $pw in\n abc) ;;\nesac\n",
    "x" * 70, "a=b", "!=", "~=", "<=", ">=", "if [ $token != 'q1w2e3r4t5' ]", "cred",
    "hash_equals($secret, 'k9k9k9k9')", "'", '"', "option ", "export ", "set ", "auth_key", "accessKey",
    "apikey:", "PASSWD", "db_password = 's3cr3tpw'", '"lua_secret" then', "$PASSWORD", "none", "changeme",
    "${x}", "<y>", "=", ":", ",", "(", "&", "?", "{", "ü", "\x00", "é=1", "token=abc123def456",
    "passwd\t'hunter2'", "pwd=`cat x`", "key=\u0130value", "\u212a" * 3, "#!/bin/sh\n",
]  # fmt: skip

rng = random.Random(25)


def _texts(count: int, longest: int = 50) -> list[str]:
    texts = ["", "\n", "nothing here\n", "PASSW\nORD", "key", "\nkey\n", "k\ney", "pa\u017f\u017fword=abc"]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, longest))) for _ in range(count)]
    texts += ["padding " * 40 + text for text in texts[:300]]  # hyperscan's anchors from 256 bytes
    return texts


def _datas(texts: list[str]) -> list[bytes]:
    """Each text as UTF-8, and some cut inside a character (bytes that do not decode)."""
    datas = [text.encode("utf-8") for text in texts]
    return datas + [data[: rng.randint(0, len(data))] for data in datas if not data.isascii()]


# ---- secrets.scan_assignments as it was -------------------------------------------------------


def _old_candidate_lines(text: str) -> Iterator[tuple[int, int, str]]:
    if not text.isascii():
        yield from _old_lines_holding(text, _old_regex_search(secrets.KEYWORD, text))
        return
    lowered = text.lower().encode("ascii")
    first = secrets.LINE_ANCHORS.first(lowered)
    search = Leftmost(lowered, secrets.KEYWORDS_ASCII, first).search
    if any(end in first for end in secrets.BREAKS):
        yield from _old_lines_holding(text, search)
        return
    at = search(0)
    number, counted = 1, 0
    while at >= 0:
        start = lowered.rfind(b"\n", 0, at) + 1
        end = lowered.find(b"\n", at)
        end = len(lowered) if end < 0 else end + 1
        number += lowered.count(b"\n", counted, start)
        counted = start
        yield number, start, text[start:end]
        at = search(end)


def _old_lines_holding(text: str, search: Callable[[int], int]) -> Iterator[tuple[int, int, str]]:
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


def _old_regex_search(pattern: re.Pattern[str], text: str) -> Callable[[int], int]:
    def search(start: int) -> int:
        match = pattern.search(text, start)
        return -1 if match is None else match.start()

    return search


def _old_compared(line: str, match: re.Match[str]) -> bool:
    between, value = line[match.end(1) : match.start(2)], match.group(2)
    if value[:1] in "=!~<>" or re.search(r"[=!~<>]=", between):
        return True
    quoted = line[match.start(1) - 1 : match.start(1)] in ("'", '"')
    option = line[: match.start(1)].rstrip("\"' ").endswith("option")
    return quoted and not option and not any(c in between for c in ":=")


def _old_scan_assignments(record: FileRecord, data: bytes) -> list[secrets.Secret]:
    found: list[secrets.Secret] = []
    text = data.decode("utf-8", "replace")
    ascii_text = text.isascii()
    if not ascii_text and not secrets.has_keyword(text):
        return found
    encoded_to, encoded = 0, 0
    for number, start, line in _old_candidate_lines(text):
        if ascii_text:
            encoded = start
        else:
            encoded += len(text[encoded_to:start].encode("utf-8", "replace"))
            encoded_to = start
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", ";", "--")) or (not ascii_text and not secrets.has_keyword(line)):
            continue
        if ascii_text and not any(word in line.lower() for word in secrets.NAME_WORDS):
            continue
        for match in secrets.ASSIGNMENT.finditer(line):
            name, value = match.group(1), match.group(2).strip("\"'")
            if _old_compared(line, match):
                continue
            if not value or secrets.PLACEHOLDER.match(value) or value.lower() == name.lower():
                continue
            kind = (
                "password"
                if re.search(r"(?i)passw|pwd", name)
                else "token"
                if "token" in name.lower()
                else "secret"
            )
            found.append(secrets.Secret(record.path, encoded + match.start(2), number, kind, name, value))
    return found


CONFIG = FileRecord("/etc/x.conf", None, "file", 1, None, None, None, "config")


def test_assignments_are_those_the_old_search_found():
    """scan_assignments (ASCII bytes searched for the names themselves, each line decoded alone;
    non-ASCII text searched by `find` in its folded copy) finds what the old code found."""
    found = 0
    for data in _datas(_texts(6000)):
        expected = [s.row(True) for s in _old_scan_assignments(CONFIG, data)]
        assert [s.row(True) for s in secrets.scan_assignments(CONFIG, data)] == expected, data
        found += len(expected)
    assert found > 2000


def test_the_folded_text_s_keywords_are_the_expression_s():
    """`find` of a keyword in _folded(text) is where KEYWORD matches in text: of every character,
    the case-insensitive expression takes it for a keyword's letter exactly where the folded copy
    holds that letter; U+0130 alone folds to two characters (no folded copy)."""
    assert secrets._folded("\u0130") is None and secrets._folded("x\u0130") is None
    every = "".join(chr(code) for code in range(0x110000) if code != 0x130)
    folded = secrets._folded(every)
    assert folded is not None and len(folded) == len(every)
    for letter in sorted(set("".join(secrets.KEYWORDS))):
        taken = {m.start() for m in re.finditer(re.escape(letter), every, re.IGNORECASE)}
        assert taken == {i for i, char in enumerate(folded) if char == letter}, letter
        assert len(taken) >= 2
    for text in _texts(3000):
        folded = secrets._folded(text)
        if folded is None:
            continue
        for start in range(0, len(text) + 1, 7):
            match = secrets.KEYWORD.search(text, start)
            expected = -1 if match is None else match.start()
            assert Leftmost(folded, secrets.KEYWORDS).search(start) == expected


# ---- secrets_compared.compared_literals as it was ---------------------------------------------


def _old_compared_literals(data: bytes) -> Iterator[tuple[str, str, int]]:
    lowered = data.lower()
    search = Leftmost(lowered, sc.KEYWORD_WORDS, sc.KEYWORD_ANCHORS.first(lowered)).search
    seen: set[int] = set()
    at = search(0)
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        line = data[start:end]
        if not line.lstrip().startswith(sc.COMMENT):
            found = list(sc._in_line(line, start)) if b"=" in line or b"(" in line else []
            head = sc.CASE_HEAD.search(line) if b"case" in line else None
            if head and sc.secret_name(head[1].decode("utf-8", "replace")):
                found += sc._case_patterns(
                    data, head[1].decode("utf-8", "replace").strip('"'), start + head.end()
                )
            for comparison in found:
                if comparison[2] not in seen:
                    seen.add(comparison[2])
                    yield comparison
        at = search(end + 1)


COMPARED_PIECES = [
    "monkey", "keys", "api_key", "API-KEY", "authkey", "wifi_key", "LoginKey", "rootkey", "privatekey",
    "\u212a", "to\u212aen", "api_\u212aey", "\u0130", "$x['to\u212aen']", "$_POST['api_\u212aey']",
    "$key", "${key}", "$apikey", "$PASS", "$pw", "req.body.password", "$_POST['passwd']", "token",
    " == ", " = ", " != ", " === ", " ~= ", "==", "=", "strcmp(", "hash_equals(", ", ", ")", "[ ", " ]",
    "[[ ", " ]]", "test ", "'abc123xyz'", '"hunter22"', "'s3cr3t!'", "q1w2e3r4t5", "case ", " in\n",
    "abc) ;;\n", "esac\n", "\n", "\r\n", "#", "// ", "-- ", ";", "/* ", "* ", " ", "if ", "then", "\t",
    "é", "\xff", "x", "key=", "monkey == 'abcdefgh1'", "$api_key == 'zzz999aaa'",
]  # fmt: skip


def _compared_texts(count: int) -> list[bytes]:
    texts = ["".join(rng.choice(COMPARED_PIECES) for _ in range(rng.randint(1, 40))) for _ in range(count)]
    texts += _texts(count // 2)
    datas = [text.encode("utf-8", "surrogateescape") for text in texts]
    return datas + [b"padding " * 40 + data for data in datas[:500]]


def test_compared_literals_are_those_the_old_search_found():
    """compared_literals, lines with `key` alone and no Kelvin sign not looked at, finds what the
    old search over every line with a keyword found."""
    found = 0
    for data in _compared_texts(8000):
        expected = list(_old_compared_literals(data))
        assert list(sc.compared_literals(data)) == expected, data
        found += len(expected)
    assert found > 1000


def test_lower_makes_an_ascii_letter_only_of_the_kelvin_sign_and_dotted_i():
    """What compared_literals' skip of lines with `key` alone rests on."""
    made = [code for code in range(0x80, 0x110000) if any(c.isascii() for c in chr(code).lower())]
    assert made == [0x130, 0x212A]
    assert "\u0130".lower() == "i\u0307" and "\u212a".lower() == "k"
