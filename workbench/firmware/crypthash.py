"""Password hash schemes: identify them, judge them, and test candidate passwords against
them with libpass (the maintained passlib fork), within a time budget per hash."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from passlib import hash as passlib_hash

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
UNTESTABLE = {"yescrypt", "gost_yescrypt"}  # not implemented by libpass: never guessed


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
) -> TestOutcome:
    """Try candidates until one matches, the list ends, or `budget` seconds are spent."""
    pool = list(dict.fromkeys(candidates))
    if scheme in ("empty", "locked", "unknown"):
        return TestOutcome(None, 0, len(pool), False)
    deadline = time.monotonic() + budget
    tested = 0
    for candidate in pool:
        result = verify(scheme, candidate, stored, user=user, realm=realm)
        if result is None:
            return TestOutcome(None, tested, len(pool), False)
        tested += 1
        if result:
            return TestOutcome(candidate, tested, len(pool), True)
        if time.monotonic() > deadline:
            break
    return TestOutcome(None, tested, len(pool), True)


def mask(value: str | None) -> str | None:
    """Enough of a secret to recognise it, not enough to use it."""
    if value is None:
        return None
    if len(value) <= 4:
        return "*" * len(value)
    keep = 2 if len(value) < 12 else 4
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]
