"""Password hash schemes: identify them, judge them, and test candidate passwords against
them within a time budget per hash: with the system's libxcrypt where it knows the scheme
(`workbench.firmware.libcrypt`), else with libpass (the maintained passlib fork)."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from passlib import hash as passlib_hash

from workbench.firmware import libcrypt

WEAK_SCHEMES = {
    "des_crypt",
    "bsdi_crypt",
    "bigcrypt",
    "md5_crypt",
    "apr_md5_crypt",
    "ldap_sha1",
    "ldap_salted_sha1",
    "sun_md5_crypt",
    "htdigest",
    "plaintext",
}
_PREFIXES = (
    ("$apr1$", "apr_md5_crypt"),
    ("$1$", "md5_crypt"),
    ("$2a$", "bcrypt"),
    ("$2b$", "bcrypt"),
    ("$2y$", "bcrypt"),
    ("$2x$", "bcrypt"),
    ("$5$", "sha256_crypt"),
    ("$6$", "sha512_crypt"),
    ("$y$", "yescrypt"),
    ("$gy$", "gost_yescrypt"),
    ("$7$", "scrypt"),
    ("$sha1$", "sha1_crypt"),
    ("$md5", "sun_md5_crypt"),
    ("{SHA}", "ldap_sha1"),
    ("{SSHA}", "ldap_salted_sha1"),
)
_DES = re.compile(r"^[./0-9A-Za-z]{13}$")
_BSDI = re.compile(r"^_[./0-9A-Za-z]{19}$")
_BIGCRYPT = re.compile(r"^[./0-9A-Za-z]{13}(?:[./0-9A-Za-z]{11})+$")
WALL_FACTOR = 4  # wall-clock cap of a test, in multiples of its CPU budget
UNTESTABLE = {"yescrypt", "gost_yescrypt"}  # not in libpass: tested only through libxcrypt


def identify(value: str, *, plaintext_allowed: bool = False) -> str:
    """The scheme of a stored password field (shadow, passwd, htpasswd, config)."""
    if value == "":
        return "empty"
    if value in ("x", "*", "!", "!!", "*LK*", "NP", "!*") or value.startswith(("!", "*")):
        return "locked"
    for prefix, scheme in _PREFIXES:
        if value.startswith(prefix):
            return scheme
    if _DES.match(value):
        return "des_crypt"
    if _BSDI.match(value):
        return "bsdi_crypt"
    if _BIGCRYPT.match(value):
        return "bigcrypt"
    return "plaintext" if plaintext_allowed else "unknown"


def locked_inner(value: str) -> str:
    """The hash behind a lock prefix (`!$6$...` locks an account but keeps its password)."""
    return value.lstrip("!*")


@dataclass
class TestOutcome:
    match: str | None  # the candidate that matched
    tested: int
    total: int
    testable: bool

    @property
    def complete(self) -> bool:
        return self.testable and (self.match is not None or self.tested == self.total)


def verify(scheme: str, candidate: str, stored: str, *, user: str = "", realm: str = "") -> bool | None:
    if scheme == "plaintext":
        return candidate == stored
    if scheme == "htdigest":
        digest = hashlib.md5(f"{user}:{realm}:{candidate}".encode(), usedforsecurity=False).hexdigest()
        return digest == stored.lower()
    if "\0" in candidate:
        return False  # no crypt(3) password holds a NUL byte
    fast = libcrypt.verify(scheme, candidate, stored)
    if fast is not None:
        return fast
    if scheme in UNTESTABLE:
        return None
    handler = getattr(passlib_hash, scheme, None)
    if handler is None:
        return None
    if hasattr(handler, "has_backend") and not handler.has_backend():
        return None
    try:
        return bool(handler.verify(candidate, stored))
    except (ValueError, TypeError):
        return None


def test_candidates(
    scheme: str,
    stored: str,
    candidates: Iterable[str],
    *,
    budget: float = 5.0,
    user: str = "",
    realm: str = "",
    stop: threading.Event | None = None,
    partial_budget: float | None = None,
) -> TestOutcome:
    """Try candidates until one matches, the list ends, the budget is spent, or `stop` is set
    (another thread testing the same hash found the password).

    budget: CPU seconds of the calling thread (so a busy machine does not change the answer;
    wall-clock time is capped at WALL_FACTOR times it all the same). partial_budget: when the
    first candidates show that the whole list cannot be tested within `budget` (a slow hash:
    yescrypt, many rounds), stop after this many CPU seconds instead; such a test stays
    partial (most common candidates first) whatever it spends."""
    pool = list(dict.fromkeys(candidates))
    if scheme in ("empty", "locked", "unknown"):
        return TestOutcome(None, 0, len(pool), False)
    started, wall_started = time.thread_time(), time.monotonic()
    limit = budget
    projected = partial_budget is None
    tested = 0
    for candidate in pool:
        result = verify(scheme, candidate, stored, user=user, realm=realm)
        if result is None:
            return TestOutcome(None, tested, len(pool), False)
        tested += 1
        if result:
            return TestOutcome(candidate, tested, len(pool), True)
        spent = time.thread_time() - started
        if not projected and (tested >= 3 or spent > 0.1):
            projected = True
            if spent / tested * len(pool) > budget:
                limit = min(budget, partial_budget)
        if (
            spent > limit
            or time.monotonic() - wall_started > WALL_FACTOR * limit
            or (stop is not None and stop.is_set())
        ):
            break
    return TestOutcome(None, tested, len(pool), True)


def mask_password(value: str | None) -> str | None:
    """A password as tables and caches keep it: its first two characters, then `***` whatever
    its length ("admin" -> "ad***"); nothing of a password of 4 characters or fewer."""
    if value is None:
        return None
    if value == "":
        return ""
    return "***" if len(value) <= 4 else value[:2] + "***"


def mask(value: str | None) -> str | None:
    """Enough of a secret to recognise it, not enough to use it."""
    if value is None:
        return None
    if len(value) <= 4:
        return "*" * len(value)
    keep = 2 if len(value) < 12 else 4
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]
