"""AUTH-03: no password derived from a public identifier of the device (MAC address, serial, model).

The check derives a bounded, ordered list of candidate passwords from the identifiers in case.yaml
(and the declaration's model and manufacturer), and tests each against every password hash in the
image with libpass (the maintained passlib fork). The derivations, most likely first:

- per MAC address: the last 6, 8 and 4 hex digits, all 12 digits, and the address with ':' or '-'
  separators, each in lower and upper case;
- the serial number as written, lower/upper case, without punctuation, its digits, its last 6
  and 8 characters and digits, and the part after its last '-';
- the model as written, lower/upper case, without punctuation;
- vendor or model (as written, lower case) followed by the last 4 or 6 MAC digits (lower/upper
  case), joined directly or with '_' or '-'; vendor followed by model.

The list is deduplicated and cut at `max_candidates`. Slow hashes are tested with as many
candidates as `max_work_per_hash` (in hash rounds) allows, in the order above; the reasons say
how many candidates each account was tested with. Passwords are never shown: a finding names the
account and the derivation, with the password masked.
"""

from __future__ import annotations

import functools
import hmac
import re
import warnings
from dataclasses import dataclass
from typing import Any

from workbench.checks._firmware import (
    ACCOUNT_COLUMNS,
    FirmwareCheck,
    account_ref,
    as_int,
    flag,
    image_lines,
    scheme_name,
    table,
    text,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.registry import register

DEFAULT_MAX_CANDIDATES = 200
DEFAULT_MAX_WORK_PER_HASH = 8_000_000  # about 13 s of pure-Python SHA-512 crypt per hash at worst
_PASSLIB_SCHEMES = (
    "sha512_crypt", "sha256_crypt", "md5_crypt", "apr_md5_crypt", "des_crypt", "bsdi_crypt",
    "bcrypt", "sha1_crypt", "ldap_sha1", "ldap_salted_sha1", "ldap_md5",
)
_UNSET = {"", "x", "*", "!", "!!", "*LK*", "NP"}


@dataclass(frozen=True)
class Candidate:
    password: str
    derivation: str


# --- candidates ---------------------------------------------------------------------------
def _hex_digits(mac: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    return digits if len(digits) == 12 else ""


def _alnum(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value)


def derive_candidates(
    macs: list[str], serial: str | None, model: str | None, vendor: str | None, limit: int
) -> list[Candidate]:
    """Candidate passwords from public identifiers, most likely first, deduplicated, at most `limit`."""
    tiers: list[list[tuple[str, str]]] = [[] for _ in range(6)]
    for mac in macs:
        digits = _hex_digits(mac)
        if not digits:
            continue
        for n, tier in ((6, 0), (8, 1), (4, 2)):
            tiers[tier] += [(digits[-n:], f"last {n} hex digits of MAC {mac}, lower case"),
                            (digits[-n:].upper(), f"last {n} hex digits of MAC {mac}, upper case")]
        tiers[1] += [(digits, f"MAC {mac} without separators, lower case"),
                     (digits.upper(), f"MAC {mac} without separators, upper case")]
        pairs = [digits[i:i + 2] for i in range(0, 12, 2)]
        for sep in (":", "-"):
            joined = sep.join(pairs)
            tiers[3] += [(joined, f"MAC {mac} with '{sep}', lower case"),
                         (joined.upper(), f"MAC {mac} with '{sep}', upper case")]
    if serial:
        alnum, digits = _alnum(serial), re.sub(r"\D", "", serial)
        forms = [(serial, "serial number as written"), (serial.lower(), "serial number, lower case"),
                 (serial.upper(), "serial number, upper case"), (alnum, "serial number without punctuation")]
        if "-" in serial:
            forms.append((serial.rsplit("-", 1)[1], "serial number after its last '-'"))
        for n in (6, 8):
            forms += [(alnum[-n:], f"last {n} characters of the serial number"),
                      (digits[-n:], f"last {n} digits of the serial number")]
        forms.append((digits, "digits of the serial number"))
        tiers[0] += forms[:1]
        tiers[1] += forms[1:]
    if model:
        tiers[4] += [(model, "model as written"), (model.lower(), "model, lower case"),
                     (model.upper(), "model, upper case"),
                     (_alnum(model).lower(), "model without punctuation")]
    prefixes = [(p, what) for p, what in (
        (vendor, "vendor"), (vendor.lower() if vendor else None, "vendor in lower case"),
        (model, "model"), (model.lower() if model else None, "model in lower case"),
    ) if p]
    if vendor and model:
        tiers[4] += [(vendor + model, "vendor followed by model"),
                     ((vendor + model).lower(), "vendor followed by model, lower case")]
    for mac in macs:
        digits = _hex_digits(mac)
        if not digits:
            continue
        for prefix, what in prefixes:
            for n in (4, 6):
                for tail, case in ((digits[-n:], "lower"), (digits[-n:].upper(), "upper")):
                    for sep in ("", "_", "-"):
                        joined = f"{prefix}{sep}{tail}"
                        tiers[5].append((joined, f"{what} + '{sep}' + last {n} MAC digits ({case} case)"
                                         if sep else f"{what} + last {n} MAC digits ({case} case)"))
    seen: set[str] = set()
    out: list[Candidate] = []
    for tier in tiers:
        for password, derivation in tier:
            if password and password not in seen:
                seen.add(password)
                out.append(Candidate(password, derivation))
    return out[: max(0, limit)]


# --- hash verification --------------------------------------------------------------------
def hash_cost(stored: str) -> int:
    """Approximate work of one verification, in SHA-crypt rounds."""
    match = re.match(r"^\$[56]\$rounds=(\d+)\$", stored)
    if match:
        return max(1000, int(match.group(1)))
    if stored.startswith(("$5$", "$6$")):
        return 5000
    match = re.match(r"^\$2[abxy]?\$(\d\d)\$", stored)
    if match:
        return 2 ** int(match.group(1)) * 20
    if stored.startswith(("$y$", "$gy$", "$7$")):
        return 50_000
    if stored.startswith(("$1$", "$apr1$")):
        return 1000
    return 25


def _stdlib_crypt() -> Any | None:
    """The standard library's crypt (system libcrypt) where it still exists (Python < 3.13)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt  # noqa: PLC0415
        except ImportError:
            return None
    return crypt


@functools.cache
def _context() -> Any:
    from passlib.context import CryptContext

    return CryptContext(schemes=list(_PASSLIB_SCHEMES))


def make_verifier(stored: str, scheme: str) -> Any | None:
    """A function password -> bool for a stored hash, or None if no library here can test it."""
    if scheme == "plaintext":
        return lambda pw: hmac.compare_digest(pw.encode(), stored.encode())
    from passlib.exc import MissingBackendError

    context = _context()
    try:
        handler_name = context.identify(stored)
    except (ValueError, TypeError):
        handler_name = None
    if handler_name:
        handler = context.handler(handler_name)
        try:
            available = not hasattr(handler, "has_backend") or handler.has_backend()
        except MissingBackendError:
            available = False
        if available:
            def check(pw: str) -> bool:
                try:
                    return bool(context.verify(pw, stored))
                except (ValueError, TypeError, MissingBackendError):
                    return False
            return check
    crypt = _stdlib_crypt()
    if crypt is not None and stored.startswith("$"):
        def check_crypt(pw: str) -> bool:
            try:
                result = crypt.crypt(pw, stored)
            except (OSError, ValueError):
                return False
            return bool(result) and hmac.compare_digest(result, stored)
        try:
            probe = crypt.crypt("probe", stored)
        except (OSError, ValueError):
            probe = None
        if probe and probe[:3] == stored[:3]:  # libcrypt knows the scheme ("*0" when it does not)
            return check_crypt
    return None


def stored_hash(ctx: Any, row: dict[str, Any]) -> str | None:
    """The account's hash: the engine's `hash` column if it has one, else its source file's line."""
    raw = text(row.get("hash"))
    if raw:
        return raw
    source, user = text(row.get("source")), text(row.get("user"))
    if not source or not user:
        return None
    wanted = as_int(row.get("line"))
    fallback = None
    for number, line in image_lines(ctx, text(row.get("sha256")), source):
        fields = line.split(":")
        if len(fields) < 2 or fields[0] != user:
            continue
        if wanted is None or number == wanted:
            return fields[1].strip()
        fallback = fallback or fields[1].strip()
    return fallback


# --- the check ----------------------------------------------------------------------------
@register
class NoPasswordsFromIdentifiers(FirmwareCheck):
    requirement_id = "AUTH-03"
    optional = frozenset({EvidenceKind.DECLARATION})

    def identifiers(self, ctx: Any) -> dict[str, Any]:
        info, declaration = ctx.info, ctx.declaration
        return {
            "macs": list(getattr(info, "device_macs", None) or []),
            "serial": getattr(info, "serial_number", None),
            "model": getattr(info, "model", None) or getattr(declaration, "model", None),
            "vendor": getattr(info, "vendor", None) or getattr(declaration, "manufacturer", None),
        }

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        ids = self.identifiers(ctx)
        params = ctx.parameters
        limit = as_int(params.get("max_candidates")) or DEFAULT_MAX_CANDIDATES
        budget = as_int(params.get("max_work_per_hash")) or DEFAULT_MAX_WORK_PER_HASH
        notes = [
            f"the catalogue gives no {name}; the workbench's default ({value:,}) was used"
            for name, value in (("max_candidates", limit), ("max_work_per_hash", budget))
            if params.get(name) is None
        ]
        candidates = derive_candidates(ids["macs"], ids["serial"], ids["model"], ids["vendor"], limit)
        declared = getattr(ctx.declaration, "default_passwords", None) if ctx.declaration else None
        indicators: dict[str, Any] = {
            "identifiers": ids, "candidates": len(candidates),
            "declared": {"default_passwords": declared},
        }
        if not ids["macs"] and not ids["serial"]:
            return self.result(ctx, Verdict.INCONCLUSIVE, [
                "the case records neither the device's MAC address nor its serial number: add "
                "device_macs and serial_number to case.yaml so derived passwords can be tested",
            ], indicators=indicators)

        findings: list[Finding] = []
        tested: list[dict[str, Any]] = []
        untested: list[str] = []
        partial: list[str] = []
        for row in table(ctx, "accounts", ACCOUNT_COLUMNS):
            if flag(row["locked"]) or flag(row["empty"]):
                continue
            user, scheme = text(row["user"]), scheme_name(row["hash_scheme"])
            stored = stored_hash(ctx, row)
            if not stored or stored in _UNSET or stored.startswith(("!", "*")):
                continue
            verify = make_verifier(stored, scheme)
            count = min(len(candidates), budget // hash_cost(stored))
            if verify is None or count == 0:
                why = "no library here can verify its scheme" if verify is None else "too slow a hash to test"
                untested.append(f"{user} ({scheme or 'unknown scheme'}: {why})")
                continue
            if count < len(candidates):
                partial.append(f"{user} ({count} of {len(candidates)} candidates, slow hash)")
            match = next((c for c in candidates[:count] if verify(c.password)), None)
            tested.append({"user": user, "scheme": scheme, "candidates_tried": count,
                           "matched": match is not None})
            if match is not None:
                masked = "*" * len(match.password)
                findings.append(Finding(
                    summary=f"account {user}'s password is derived from a public identifier: "
                            f"{match.derivation} ({masked})",
                    severity=Severity.HIGH, evidence=(account_ref(row),),
                    data={"user": user, "derivation": match.derivation, "password": masked,
                          "hash_scheme": scheme},
                ))
        indicators.update(tested=tested, untested=untested, partially_tested=partial)

        if findings:
            reasons = [f.summary for f in findings]
            if declared:
                reasons.append(f"the declaration says default passwords are '{declared}'")
            return self.result(ctx, Verdict.FAIL, reasons + notes, findings, indicators)
        if untested:
            return self.result(ctx, Verdict.INCONCLUSIVE, [
                f"{len(candidates)} candidates matched none of the {len(tested)} tested hash(es), "
                "but these accounts could not be tested: " + "; ".join(untested), *notes,
            ], indicators=indicators)
        if not tested:
            return self.result(ctx, Verdict.NOT_APPLICABLE, [
                "the image has no account with a stored password hash to test", *notes,
            ], indicators=indicators)
        reasons = [
            f"{len(candidates)} candidate passwords derived from the MAC address(es), serial number, "
            f"model and vendor were tested against {len(tested)} password hash(es): none matched"
        ]
        if partial:
            reasons.append(
                "slow hashes were tested with the most likely candidates only: " + "; ".join(partial)
            )
        return self.result(ctx, Verdict.PASS, reasons + notes, indicators=indicators)
