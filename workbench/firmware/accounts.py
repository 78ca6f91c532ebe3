"""Accounts and stored passwords: passwd/shadow (and hashes placed in passwd itself),
htpasswd/htdigest files, and user/password pairs in web and service configurations."""

from __future__ import annotations

import posixpath
import re
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from workbench.firmware import crypthash
from workbench.firmware.anchors import AnchorSet, Leftmost
from workbench.firmware.defaults import default_passwords
from workbench.firmware.inventory import FileRecord

NO_LOGIN_SHELLS = ("nologin", "false", "sync", "halt", "shutdown", "true")
HTPASSWD_NAMES = (
    ".htpasswd",
    "htpasswd",
    "lighttpd.user",
    "lighttpd-plain.user",
    "httpd.passwd",
    "boa.passwd",
    "webpasswd",
    ".passwd",
)
HTDIGEST_NAMES = (".htdigest", "htdigest", "lighttpd-htdigest.user")
READ_LIMIT = 1 << 20
# schemes whose default-password test needs no hash: a configuration's plain text (hundreds of
# them in a large image: their tries in threads cost the scan's end a fifth of a second), and the
# fields where nothing can be tested (crypthash.test_candidates: not testable)
INSTANT = ("plaintext", "empty", "locked", "unknown")
PARTIAL_BUDGET = 0.5  # CPU seconds per hash and thread when the whole default list cannot be tested anyway
_USER_KEY = re.compile(
    r"(?i)^\s*(?:option\s+)?[\"']?([\w.-]*(?:user(?:name)?|login|account))[\"']?\s*(?:[=:]\s*|\s+)"
    r"[\"']?([^\"'\s#;,]+)"
)
_PASS_KEY = re.compile(
    r"(?i)^\s*(?:option\s+)?[\"']?([\w.-]*(?:passw(?:or)?d|passwd|pwd))[\"']?\s*(?:[=:]\s*|\s+)"
    r"(\"[^\"]*\"|'[^']*'|[^\s#;,]+)"
)
PLACEHOLDER = re.compile(r"^(?:\$|%|\{\{|<|\*+$|x+$|null$|none$|\"\"$|''$)", re.I)


@dataclass
class Account:
    source: str
    user: str
    uid: int | None
    gid: int | None
    shell: str | None
    line: int
    stored: str
    scheme: str
    realm: str = ""
    default_match: str | None = None
    default_tested: bool = False

    @property
    def login_shell(self) -> bool | None:
        if self.shell is None:
            return None
        return not posixpath.basename(self.shell).endswith(NO_LOGIN_SHELLS)

    def row(self, reveal: bool) -> dict:
        scheme = self.scheme
        locked = scheme == "locked"
        if locked and crypthash.locked_inner(self.stored):
            scheme = crypthash.identify(crypthash.locked_inner(self.stored))
            scheme = "locked" if scheme in ("empty", "locked") else scheme
        if self.scheme == "empty":
            default: bool | None = True
        elif self.default_match is not None:
            default = True
        else:
            default = False if self.default_tested else None
        hint = self.default_match
        if hint is None and self.scheme == "plaintext":
            hint = self.stored
        return {
            "source": self.source,
            "user": self.user,
            "uid": self.uid,
            "gid": self.gid,
            "shell": self.shell,
            "login_shell": self.login_shell,
            "hash_scheme": scheme,
            "weak_hash": scheme in crypthash.WEAK_SCHEMES,
            "empty": self.scheme == "empty",
            "locked": locked,
            "default_password": default,
            "password_hint": hint if reveal else crypthash.mask_password(hint),
            "line": self.line,
        }

    def hash_record(self) -> dict:
        """What later candidate tests (AUTH-03) need: the stored value as found in the image.
        Never the recovered default password (`default_match`): that stays in this object."""
        return {
            "source": self.source,
            "user": self.user,
            "line": self.line,
            "stored": self.stored,
            "scheme": self.scheme,
            "realm": self.realm,
        }


def _lines(record: FileRecord) -> list[str]:
    return record.text(READ_LIMIT).splitlines()


def _int(value: str) -> int | None:
    """A uid or gid as written, None unless it is one (decimal digits, below 2**32)."""
    number = int(value) if value.strip().isdecimal() else None
    return number if number is not None and number < 1 << 32 else None


def parse_passwd_shadow(files: list[FileRecord]) -> list[Account]:
    accounts: list[Account] = []
    by_dir: dict[str, dict[str, FileRecord]] = {}
    for record in files:
        if record.kind == "file" and record.name in ("passwd", "shadow"):
            by_dir.setdefault(posixpath.dirname(record.path), {})[record.name] = record
    for _directory, pair in sorted(by_dir.items()):
        shadow: dict[str, tuple[str, int]] = {}
        if "shadow" in pair:
            for number, line in enumerate(_lines(pair["shadow"]), 1):
                parts = line.split(":")
                if len(parts) >= 2 and parts[0] and not line.startswith("#"):
                    shadow[parts[0]] = (parts[1], number)
        listed = set()
        if "passwd" in pair:
            for number, line in enumerate(_lines(pair["passwd"]), 1):
                parts = line.split(":")
                if len(parts) < 7 or not parts[0] or line.startswith("#"):
                    continue
                user, field = parts[0], parts[1]
                listed.add(user)
                if field == "x" and user in shadow:
                    stored, shadow_line = shadow[user]
                    source, line_no = pair["shadow"].path, shadow_line
                elif field == "x":
                    stored, source, line_no = "x", pair["passwd"].path, number
                else:
                    stored, source, line_no = field, pair["passwd"].path, number
                scheme = "locked" if stored == "x" else crypthash.identify(stored)
                accounts.append(
                    Account(
                        source,
                        user,
                        _int(parts[2]),
                        _int(parts[3]),
                        parts[6] or "/bin/sh",
                        line_no,
                        stored,
                        scheme,
                    )
                )
        for user, (stored, number) in shadow.items():
            if user not in listed:
                accounts.append(
                    Account(
                        pair["shadow"].path,
                        user,
                        None,
                        None,
                        None,
                        number,
                        stored,
                        crypthash.identify(stored),
                    )
                )
    return accounts


def is_account_file(record: FileRecord) -> bool:
    """A passwd, shadow or web server password file by its name (what the two parsers before
    `parse_config_credentials` read)."""
    if record.kind != "file":
        return False
    name = record.name.lower()
    return (
        record.name in ("passwd", "shadow")
        or name in HTDIGEST_NAMES
        or name in HTPASSWD_NAMES
        or name.endswith((".htpasswd", ".htdigest"))
    )


def parse_htpasswd(files: list[FileRecord]) -> list[Account]:
    accounts: list[Account] = []
    for record in files:
        if record.kind != "file" or record.type == "elf":
            continue
        name = record.name.lower()
        digest = name in HTDIGEST_NAMES
        if not digest and name not in HTPASSWD_NAMES and not name.endswith((".htpasswd", ".htdigest")):
            continue
        if record.path in ("/etc/passwd",):
            continue
        for number, line in enumerate(_lines(record), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip().split(":")
            if digest and len(parts) >= 3:
                accounts.append(
                    Account(
                        record.path, parts[0], None, None, None, number, parts[2], "htdigest", realm=parts[1]
                    )
                )
            elif len(parts) >= 2:
                stored = ":".join(parts[1:])
                accounts.append(
                    Account(
                        record.path,
                        parts[0],
                        None,
                        None,
                        None,
                        number,
                        stored,
                        crypthash.identify(stored, plaintext_allowed=True),
                    )
                )
    return accounts


def wants_credentials(record: FileRecord) -> bool:
    return (
        record.kind == "file"
        and record.type in ("config", "script", "text")
        and record.name not in ("passwd", "shadow", "group", "gshadow")
        and record.size <= READ_LIMIT
    )


# every line _USER_KEY or _PASS_KEY matches holds one of these, in ASCII text made lower case
KEY_WORDS = ("user", "login", "account", "passw", "pwd")
LINE_ENDS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")  # str.splitlines' in ASCII, "\n" aside


def _key_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) of the lines of `text` as `str.splitlines()` cuts them, those that cannot
    match _USER_KEY nor _PASS_KEY left out where that is certain: in an ASCII text whose lines
    all end with "\n", only the lines holding a KEY_WORDS word are given, found by Leftmost."""
    lowered = text.lower()
    if not text.isascii() or any(end in lowered for end in LINE_ENDS):
        yield from enumerate(text.splitlines(), 1)
        return
    search = Leftmost(lowered, KEY_WORDS).search
    at = search(0)
    number, counted = 1, 0  # the line number at offset `counted`
    while at >= 0:
        start = lowered.rfind("\n", 0, at) + 1
        end = lowered.find("\n", at)
        end = len(lowered) if end < 0 else end
        number += lowered.count("\n", counted, start)
        counted = start
        yield number, text[start:end]
        at = search(end + 1)


PASS_ANCHORS = AnchorSet((b"passw", b"pwd"), caseless=(b"passw", b"pwd"))


def credentials_in(record: FileRecord, data: bytes) -> list[Account]:
    """`user = x` ... `password = y` pairs in one configuration file or script, `data` its first
    bytes (READ_LIMIT at most are read)."""
    accounts: list[Account] = []
    if not wants_credentials(record):
        return accounts
    data = data[:READ_LIMIT]
    if data.isascii():  # casefold() is lower() there: the words looked for in the bytes, in one pass
        if not PASS_ANCHORS.present(data):
            return accounts  # every key _PASS_KEY accepts holds one of these: no account here
        text = data.decode("ascii")
    else:
        text = data.decode("utf-8", "replace")
        folded = text.casefold()
        if "passw" not in folded and "pwd" not in folded:
            return accounts
    last_user: tuple[str, int] | None = None
    for number, line in _key_lines(text):
        if line.lstrip().startswith(("#", "//", ";")):
            continue
        user = _USER_KEY.match(line)
        if user and not re.search(r"(?i)passw|pwd", user.group(1)):
            last_user = (user.group(2), number)
            continue
        found = _PASS_KEY.match(line)
        if not found:
            continue
        value = found.group(2).strip("\"'")
        if not value or PLACEHOLDER.match(value):
            continue
        owner = last_user[0] if last_user and number - last_user[1] <= 5 else found.group(1)
        accounts.append(
            Account(
                record.path,
                owner,
                None,
                None,
                None,
                number,
                value,
                crypthash.identify(value, plaintext_allowed=True),
            )
        )
    return accounts


def parse_config_credentials(files: list[FileRecord]) -> list[Account]:
    """`user = x` ... `password = y` pairs in configuration files and scripts."""
    return [a for r in files if wants_credentials(r) for a in credentials_in(r, r.read(READ_LIMIT))]


def _effective(account: Account) -> tuple[str, str]:
    """(scheme, stored value) to test: the hash behind a lock prefix is still a password."""
    stored, scheme = account.stored, account.scheme
    if scheme == "locked":
        stored = crypthash.locked_inner(stored)
        scheme = crypthash.identify(stored) if stored else "locked"
    return scheme, stored


def test_defaults(accounts: Iterable[Account], budget: float) -> None:
    tests = DefaultTests(list(accounts), budget)
    tests.wait()


class DefaultTests:
    """The default-password tests, in threads: each hash's candidate list is dealt out to
    `workers` threads in turn (so each thread still tries the most common passwords first), and
    libxcrypt releases the GIL while it hashes, so the tests overlap the rest of the scan.
    `budget` is CPU seconds per hash and thread; a hash too slow for the whole list to be
    tested in it gets PARTIAL_BUDGET (its answer stays "not known" unless a candidate
    matches). Call `wait()` before reading the accounts."""

    def __init__(self, accounts: list[Account], budget: float, workers: int = 2) -> None:
        words = default_passwords()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="default-passwords")
        self._jobs: list[tuple[Account, list[Future]]] = []
        self._instant: list[tuple[Account, str, str]] = []
        for account in accounts:
            scheme, stored = _effective(account)
            if scheme in INSTANT:  # no hash to compute: answered in wait(), not by 300 tries in threads
                self._instant.append((account, scheme, stored))
                continue
            stop = threading.Event()
            shares = [list(words[k::workers]) for k in range(workers)]
            futures = [
                self._pool.submit(self._test, scheme, stored, share, budget, account, stop)
                for share in shares
            ]
            self._jobs.append((account, futures))

    @staticmethod
    def _test(
        scheme: str, stored: str, words: list[str], budget: float, account: Account, stop: threading.Event
    ) -> crypthash.TestOutcome:
        outcome = crypthash.test_candidates(
            scheme,
            stored,
            words,
            budget=budget,
            user=account.user,
            realm=account.realm,
            stop=stop,
            partial_budget=min(budget, PARTIAL_BUDGET),
        )
        if outcome.match is not None:
            stop.set()
        return outcome

    def wait(self) -> None:
        try:
            words = default_passwords()
            listed = set(words)
            for account, scheme, stored in self._instant:
                # what trying each candidate gives: a plain text matches itself if it is listed;
                # nothing is testable in an empty, locked or unknown field
                found = scheme == "plaintext" and stored in listed
                account.default_match = stored if found else None
                account.default_tested = scheme == "plaintext"
            for account, futures in self._jobs:
                outcomes = [f.result() for f in futures]
                matches = [o.match for o in outcomes if o.match is not None]
                account.default_match = min(matches, key=words.index) if matches else None
                account.default_tested = bool(matches) or all(o.complete for o in outcomes)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def parse_accounts(files: list[FileRecord], credentials: list[Account] | None = None) -> list[Account]:
    """credentials: what `credentials_in` found in the files, when already read."""
    found = parse_config_credentials(files) if credentials is None else credentials
    return parse_passwd_shadow(files) + parse_htpasswd(files) + found
