"""The content finders' shortcuts held to the code they replaced (copied here as it was), on
random texts built from troublesome pieces: other line ends, non-ASCII text, the long s and the
Kelvin sign (which case-insensitive expressions take for `s` and `k`), dotted capital I (whose
lower case is two characters), comparisons and assignments, quotes and comments."""

from __future__ import annotations

import posixpath
import random
import re
import struct
from bisect import bisect_right
from collections.abc import Callable, Iterator
from itertools import accumulate

from workbench.firmware import accounts, crypthash, filetype, magic, secrets, update
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


# ---- update.update_in as it was ---------------------------------------------------------------


def _old_find_urls(data: bytes):
    end = 0
    pos = data.find(b"://")
    while pos != -1:
        for scheme in update.SCHEMES:
            start = pos - len(scheme)
            if start >= end and data[start:pos] == scheme:
                if start == 0 or not update._word_byte(data[start - 1]):
                    match = update.URL.match(data, start)
                    if match:
                        yield match
                        end = match.end()
                break
        pos = data.find(b"://", max(pos + 3, end))


def _old_writes_firmware(text: str) -> bool:
    if not text.isascii():
        return update.WRITES.search(text) is not None
    lowered = text.lower()
    if any(word in lowered for word in update.WRITE_WORDS):
        return True
    return any(hint in lowered for hint in ("mtd", "fw")) and update.WRITES.search(text) is not None


def _old_is_update_script(record: FileRecord, text: str, data: bytes) -> bool:
    if update.TOOL_NAMES.match(record.name):
        return True
    present = update.FETCHER_ANCHORS.present(data)
    return bool(present) and update._names_fetcher(text, present) and _old_writes_firmware(text)


def _old_update_in(record: FileRecord, data: bytes | None):
    found: list[update.UpdateFinding] = []
    key_paths: set[str] = set()
    if record.kind not in ("file", "symlink"):
        return found, key_paths
    if update.TOOL_NAMES.match(record.name) and (
        record.kind == "symlink" or record.type in ("elf", "script")
    ):
        found.append(
            update.UpdateFinding("tool", record.path, record.name, None, f"update tool ({record.type})")
        )
    if (
        record.kind == "file"
        and record.name in ("usign", "signify", "gpgv", "gpgv2")
        and record.type == "elf"
    ):
        found.append(
            update.UpdateFinding("verifier", record.path, record.name, True, "verification tool present")
        )
    if (
        record.kind == "file"
        and any(d in record.path for d in update.KEY_DIRS)
        and record.type in ("key", "certificate", "text", "config", "data")
    ):
        key_paths.add(record.path)
    if not update.wants_update(record):
        return found, key_paths
    data = (data or b"")[: update.READ_LIMIT]
    update_file = False
    if record.type != "elf":
        text = data.decode("utf-8", "replace")
        update_file = _old_is_update_script(record, text, data)
        if update_file and not update.TOOL_NAMES.match(record.name):
            detail = "script that downloads and writes firmware"
            found.append(update.UpdateFinding("tool", record.path, record.name, None, detail))
        if update_file:
            for tool, pattern, detail in update.VERIFIERS:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(
                        update.UpdateFinding("verifier", record.path, tool, True, f"{detail}, line {line}")
                    )
            for match in update.KEY_OPTION.finditer(text):
                key_paths.add(match.group(1))
    for match in _old_find_urls(data):
        url = match.group(1).decode("ascii", "replace").rstrip(".,")
        if not (update_file or update.UPDATE_WORDS.search(url)):
            continue
        secure = url.lower().startswith("https://")
        line = data.count(b"\n", 0, match.start()) + 1
        where = f"line {line}" if record.type != "elf" else f"offset {match.start()}"
        kind = "encrypted" if secure else "cleartext"
        found.append(update.UpdateFinding("url", record.path, url, secure, f"{kind} transfer, {where}"))
    return found, key_paths


UPDATE_PIECES = [
    "wget ", "curl -o x ", "uclient-fetch", "tftp", "ftpget", "fetch", "fetcher", "WGET", "${curl}", "/bin/",
    "mtd write ", "MTD\twrite", "mtd", "fw_upgrade", "fwupgrade", "FW-", "fw", "dd if=a of=/dev/mtd3",
    "dd if=x\nof=/dev/mtd", "sysupgrade", "flashcp", "FirmWare", "http://", "https://", "ftp://", "tftp://",
    "HTTP://", "://", "xhttp://", "example.com/", "fw/update.bin", "/fw/", "a.BIN", "x.img ", ".imgx", ".trx",
    ".ipk", "ota", "OTA", "upd\u212aate", "\ufffd", "\xff", "é", "\u212a", "ſ", "\u0130", "usign -V x",
    "gpg --verify s", "signify -V", "swupdate -k /k ", "fwtool -s", "openssl smime -verify", "rauc", "usign",
    "openssl dgst -verify /etc/k.pem", "-k /etc/swupdate/public.pem", "gpgv", "rauc install", " ", "\n", "\r",
    ".", ",", "'", '"', ")", "`", ";", "|", "\\", "\x00", "abc", "#!/bin/sh\n",
]  # fmt: skip
UPDATE_NAMES = [
    "sysupgrade", "x.sh", "fw_update", "update.sh", "OTA", "ota\n", "my-upgrade.lua", "hawkbit-client",
    "ha\u212abit", "hawkbıt", "\u0130update", "upd\u0130ate.sh", "rauc", "mender", "fwupd", "usign", "gpgv",
    "notes.txt", "x_ota_y.py", "ſwupdate", "UPDATE.CGI", "run", "update_firmware", "x",
]  # fmt: skip


def test_update_findings_are_those_the_old_code_found():
    """update_in (one pass for the fetchers' words and `://`, the text decoded only when needed,
    tool names and URLs first tested by substrings, `fw_?upgrade` without the expression) finds
    what the old code found, for every kind and type of entry."""
    found = 0
    for i in range(8000):
        text = "".join(rng.choice(UPDATE_PIECES) for _ in range(rng.randint(0, 40)))
        data = text.encode("utf-8", "surrogatepass")
        if i % 5 == 0:
            data = b"padding " * 40 + data
        name = rng.choice(UPDATE_NAMES)
        folder = rng.choice(["/usr/sbin/", "/etc/opkg/keys/", "/etc/", "/www/cgi-bin/"])
        kind = rng.choice(["file", "file", "file", "symlink", "directory"])
        kind_of = rng.choice(["script", "config", "text", "elf", "data", "key"])
        record = FileRecord(folder + name, None, kind, len(data), None, None, None, kind_of)
        given = data if update.wants_update(record) else None
        expected = _old_update_in(record, given)
        assert update.update_in(record, given) == expected, (record, data)
        found += len(expected[0])
    assert found > 3000


def test_tool_names_found_by_substrings_are_the_expression_s():
    names = UPDATE_NAMES + [
        "".join(rng.choice(UPDATE_NAMES + ["-", "_", ".", "x"]) for _ in range(3)) for _ in range(3000)
    ]
    for name in names:
        assert update._tool_name(name) is (update.TOOL_NAMES.match(name) is not None), name
    letters = sorted(set("".join(update.TOOL_WORDS)))
    every = "".join(chr(code) for code in range(0x80, 0x110000))
    for letter in letters:  # of characters besides ASCII, the expression takes only the Kelvin sign for one
        taken = [m.group() for m in re.finditer(letter, every, re.IGNORECASE)]
        assert taken == (["\u212a"] if letter == "k" else []), letter


# ---- accounts.credentials_in as it was --------------------------------------------------------


def _old_credentials_in(record: FileRecord, data: bytes) -> list[accounts.Account]:
    found: list[accounts.Account] = []
    if not accounts.wants_credentials(record):
        return found
    text = data[: accounts.READ_LIMIT].decode("utf-8", "replace")
    folded = text.casefold()
    if "passw" not in folded and "pwd" not in folded:
        return found
    last_user: tuple[str, int] | None = None
    for number, line in accounts._key_lines(text):
        if line.lstrip().startswith(("#", "//", ";")):
            continue
        user = accounts._USER_KEY.match(line)
        if user and not re.search(r"(?i)passw|pwd", user.group(1)):
            last_user = (user.group(2), number)
            continue
        match = accounts._PASS_KEY.match(line)
        if not match:
            continue
        value = match.group(2).strip("\"'")
        if not value or accounts.PLACEHOLDER.match(value):
            continue
        owner = last_user[0] if last_user and number - last_user[1] <= 5 else match.group(1)
        found.append(
            accounts.Account(
                record.path, owner, None, None, None, number, value,
                crypthash.identify(value, plaintext_allowed=True),
            )
        )  # fmt: skip
    return found


def test_credentials_are_those_the_old_code_found():
    """credentials_in (an ASCII text's bytes searched for `passw` and `pwd` in one pass, without
    decoding and case folding it) finds what the old code found."""
    found = 0
    for data in _datas(_texts(6000)):
        for kind_of in ("config", "script"):
            record = FileRecord("/etc/x.conf", None, "file", len(data), None, None, None, kind_of)
            expected = _old_credentials_in(record, data)
            assert accounts.credentials_in(record, data) == expected, data
            found += len(expected)
    assert found > 1000


def test_the_assignment_without_case_folding_finds_the_same_in_ascii_made_lower_case():
    pieces = [piece for piece in PIECES if piece.isascii()]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(4000)]
    lines = [line for text in texts for line in text.splitlines(keepends=True)]
    matched = 0
    for line in lines:
        expected = [match.span(1) + match.span(2) for match in secrets.ASSIGNMENT.finditer(line)]
        lowered = secrets.ASSIGNMENT_LOWER.finditer(line.lower())
        assert [match.span(1) + match.span(2) for match in lowered] == expected, line
        matched += len(expected)
    assert matched > 500


# ---- magic.sniff and filetype.classify as they were -------------------------------------------


def _old_sniff(head: bytes) -> str | None:
    for prefix, name in magic._PREFIXES:
        if head.startswith(prefix):
            return name
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bzip2"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if len(head) >= 1082 and head[1080:1082] == b"\x53\xef":
        return "extfs"
    if len(head) >= 4:
        value, node = struct.unpack("<HH", head[:4])
        if value == 0x1985 and node in magic._JFFS2_NODES:
            return "jffs2"
        value, node = struct.unpack(">HH", head[:4])
        if value == 0x1985 and node in magic._JFFS2_NODES:
            return "jffs2"
    if head[:1] == b"\x5d" and head[1:5] in (
        b"\x00\x00\x80\x00", b"\x00\x00\x00\x01", b"\x00\x00\x00\x02", b"\x00\x00\x00\x04",
        b"\x00\x00\x00\x08", b"\x00\x00\x20\x00", b"\x00\x00\x40\x00", b"\x00\x00\x10\x00",
    ):  # fmt: skip
        return "lzma"
    return None


def _old_classify(image_path: str, head: bytes, size: int) -> tuple[str, str | None]:
    ft = filetype
    if size == 0:
        return "empty", None
    if head.startswith(b"\x7fELF"):
        return "elf", ft.elf_arch(head)
    name = posixpath.basename(image_path).lower()
    if b"-----BEGIN CERTIFICATE-----" in head:
        return "certificate", None
    if b"-----BEGIN " in head and any(label in head for label in ft._PEM_KEY_LABELS):
        return "key", None
    if (
        name in ft.KEY_NAMES
        or (name.startswith("ssh_host_") and name.endswith("_key"))
        or head[:11] == b"\0\0\0\x07ssh-rsa"
        or head[:4] + head[4:15] == b"\0\0\0\x0bssh-ed25519"
    ):
        return "key", None
    if head.startswith(b"#!"):
        return "script", None
    if _old_sniff(head) is not None:
        return "archive", None
    if name.endswith(ft.CERT_SUFFIXES) and head[:1] == b"\x30":
        return "certificate", None
    if name.endswith(ft.KEY_SUFFIXES) and head[:1] == b"\x30":
        return "key", None
    if ft.is_text(head):
        if name.endswith(ft.SCRIPT_SUFFIXES) or "/init.d/" in image_path or "/rc.d/" in image_path:
            return "script", None
        if name.endswith(ft.CONFIG_SUFFIXES) or any(d in image_path for d in ft.CONFIG_DIRS):
            return "config", None
        return "text", None
    return "data", None


def _heads(count: int) -> list[bytes]:
    starts = [prefix for prefix, _ in magic._PREFIXES] + [
        b"BZh9", b"BZhx", b"\x85\x19\x01\xe0", b"\x19\x85\xe0\x01", b"\x85\x19\x03\x20", b"\x19\x85\x20\x06",
        b"\x85\x19\x00\x00", b"\x5d\x00\x00\x80\x00", b"\x5d\x00\x00\x00\x03", b"\x7fELF\x01\x01", b"#!",
        b"\0\0\0\x07ssh-rsa", b"\0\0\0\x0bssh-ed25519", b"\x30", b"-----BEGIN CERTIFICATE-----",
        b"-----BEGIN RSA PRIVATE KEY-----", b"", b"\x00", b"\x1f", b"\x28", b"0707", b"PK", b"x",
    ]  # fmt: skip
    fills = [b"", b"text line\n", b"\x00" * 300, b"a" * 1100, b"\xff\xfe"]
    heads = []
    for _ in range(count):
        head = rng.choice(starts)[: rng.choice([1, 2, 3, 4, 100])] + rng.choice(fills) + rng.choice(fills)
        if rng.random() < 0.2 and len(head) > 262:
            head = head[:257] + b"ustar" + head[262:]
        if rng.random() < 0.2 and len(head) > 1082:
            head = head[:1080] + b"\x53\xef" + head[1082:]
        heads.append(head[:4096])
    return heads


def test_sniff_and_classify_are_what_they_were():
    """magic.sniff (prefixes tried by their first byte, jffs2's magic compared before unpacking)
    and classify (the name by rpartition) answer as they did."""
    names = ["/etc/x.conf", "/a/b.sh", "/etc/init.d/rc", "/k/dropbear_rsa_host_key", "/x/ssh_host_ed_key",
             "/c/a.CRT", "/k/a.key", "noslash.py", "/d/", "/var/etc/x", "/x/y.bin"]  # fmt: skip
    kinds = set()
    for head in _heads(6000):
        assert magic.sniff(head) == _old_sniff(head), head
        path = rng.choice(names)
        size = rng.choice([0, len(head), 10**6])
        assert filetype.classify(path, head, size) == _old_classify(path, head, size), (path, head)
        kinds.add(magic.sniff(head))
        kinds.add(filetype.classify(path, head, size)[0])
    assert {"jffs2", "lzma", "tar", "extfs", "bzip2", "cpio", "zstd", "cramfs", "archive", "key"} <= kinds


def test_compared_literals_hold_no_list_of_every_keyword_in_a_hostile_text():
    """A text of nothing but keywords (`pwpwpw...`: 2 million finds in 4 MB) is searched with the
    memory of a few copies of it, not a position per find (a scan of one such 16 MB file once
    took 880 MB)."""
    import tracemalloc

    from workbench.firmware.secrets_compared import compared_literals

    text = b"pw" * (2 << 20)
    tracemalloc.start()
    try:
        assert list(compared_literals(text)) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(text)
