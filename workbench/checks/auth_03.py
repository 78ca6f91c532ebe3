"""AUTH-03: no password derived from a public identifier of the device (MAC address, serial, model, SSID).

The check derives a bounded, ordered list of candidate passwords and tests each against every
password hash in the image with libpass (the maintained passlib fork).

Identifiers (`identifier_sources` in the catalogue): `mac` (case.yaml device_macs), `serial`
(case.yaml serial_number), `model` (case.yaml, and the declaration's if it differs), `ssid` (the
SSIDs of the wireless configurations in the image). Each identifier is transformed as the
catalogue's `transformations` list says: `last_6`, `last_8`, `last_4` (the last characters once
separators are removed), `without_separators`, `as_is`, `reversed`, each in `lowercase` and
`uppercase` when those are listed. A MAC is also written with '-' separators. Beyond the list,
when MACs are known: vendor or model (as written, lower case) followed by the last 4 or 6 MAC
digits, joined directly or with '_' or '-'.

Candidates are ordered most likely first (all last-6 forms, then last-8, ...), deduplicated and
cut at `max_candidates`. Slow hashes are tested with as many candidates as `max_work_per_hash`
(hash rounds; the 2026.1 edition's 8,000,000 is about 13 s of pure-Python SHA-512 crypt) allows,
in that order; the reasons say how many candidates each account was tested with.
Passwords are never shown: a finding names the account and the derivation, password masked.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    Row,
    account_ref,
    english_and_here,
    files_matching,
    image_lines,
    scheme_name,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.i18n import N_, _, tr

_PASSLIB_SCHEMES = (
    "sha512_crypt",
    "sha256_crypt",
    "md5_crypt",
    "apr_md5_crypt",
    "des_crypt",
    "bsdi_crypt",
    "bcrypt",
    "sha1_crypt",
    "ldap_sha1",
    "ldap_salted_sha1",
    "ldap_md5",
)
_UNSET = {"", "x", "*", "!", "!!", "*LK*", "NP"}


Message = tuple[str, tuple[tuple[str, Any], ...]]  # a message (marked with N_) and its values


def _message(text: str, **values: Any) -> Message:
    return text, tuple(values.items())


@dataclass(frozen=True)
class Candidate:
    password: str
    how: tuple[Message, ...]  # how it is derived: the identifier, then the transformation

    @property
    def derivation(self) -> str:
        """How the password is derived, in English (a finding's data)."""
        return ": ".join(text.format(**dict(values)) for text, values in self.how)

    def described(self) -> str:
        """How the password is derived, in the current language."""
        return ": ".join(tr(text, **dict(values)) for text, values in self.how)


_ORDER = ("last_6", "last_8", "last_4", "without_separators", "as_is", "reversed")
_SEPARATORS = re.compile(r"[\s:\-_.]")
_IDENTIFIER = {  # an identifier and its value
    "mac": N_("MAC {value}"),
    "serial": N_("serial number {value}"),
    "model": N_("model {value}"),
    "ssid": N_("SSID {value}"),
}
_COUNTED = {  # an identifier and how many values of it the case gives
    "mac": N_("MAC ({n})"),
    "serial": N_("serial number ({n})"),
    "model": N_("model ({n})"),
    "ssid": N_("SSID ({n})"),
}
_TRANSFORMED = {  # (transformation, case) -> how the identifier was written
    ("last", ""): N_("last {n} characters"),
    ("last", "lower"): N_("last {n} characters, lower case"),
    ("last", "upper"): N_("last {n} characters, upper case"),
    ("without_separators", ""): N_("without separators"),
    ("without_separators", "lower"): N_("without separators, lower case"),
    ("without_separators", "upper"): N_("without separators, upper case"),
    ("as_is", ""): N_("as written"),
    ("as_is", "lower"): N_("as written, lower case"),
    ("as_is", "upper"): N_("as written, upper case"),
    ("reversed", ""): N_("reversed"),
    ("reversed", "lower"): N_("reversed, lower case"),
    ("reversed", "upper"): N_("reversed, upper case"),
}
_PREFIXED = {  # (joined with a separator, case) -> a vendor or model name followed by MAC digits
    (False, "lower"): N_("'{prefix}' + last {n} MAC digits (lower case)"),
    (False, "upper"): N_("'{prefix}' + last {n} MAC digits (upper case)"),
    (True, "lower"): N_("'{prefix}' + '{sep}' + last {n} MAC digits (lower case)"),
    (True, "upper"): N_("'{prefix}' + '{sep}' + last {n} MAC digits (upper case)"),
}


def _forms(value: str, rank_of: str, transformations: set[str]) -> list[tuple[str, Message]]:
    """The forms of one identifier for one transformation, in lower, upper, then written case."""
    stripped = _SEPARATORS.sub("", value)
    n = None
    if rank_of.startswith("last_"):
        n = int(rank_of.removeprefix("last_"))
        base = [(stripped[-n:], "last")] if len(stripped) > n else []
    elif rank_of == "without_separators":
        base = [(stripped, rank_of)] if stripped != value else []
    elif rank_of == "as_is":
        base = [(value, rank_of)]
    else:
        base = [(stripped[::-1], "reversed")]
    values = {"n": n} if n is not None else {}
    out: list[tuple[str, Message]] = []
    for form, kind in base:
        if form.lower() == form.upper():  # digits only: case does not apply
            out.append((form, _message(_TRANSFORMED[kind, ""], **values)))
            continue
        if "lowercase" in transformations:
            out.append((form.lower(), _message(_TRANSFORMED[kind, "lower"], **values)))
        if "uppercase" in transformations:
            out.append((form.upper(), _message(_TRANSFORMED[kind, "upper"], **values)))
        out.append((form, _message(_TRANSFORMED[kind, ""], **values)))
    return out


def derive_candidates(
    identifiers: dict[str, list[str]],
    vendor: str | None,
    transformations: tuple[str, ...] | list[str],
    limit: int,
) -> list[Candidate]:
    """Candidate passwords from public identifiers (source -> values), most likely first."""
    wanted = {t.lower() for t in transformations}
    ordered: list[tuple[str, tuple[Message, ...]]] = []
    for rank in _ORDER:
        if rank not in wanted:
            continue
        for source, values in identifiers.items():
            for value in values:
                named = (
                    _message(_IDENTIFIER[source], value=value)
                    if source in _IDENTIFIER
                    else _message("{source} {value}", source=source, value=value)  # the catalogue's own word
                )
                written = [value, value.replace(":", "-")] if source == "mac" else [value]
                for form in dict.fromkeys(written):
                    ordered += [(pw, (named, what)) for pw, what in _forms(form, rank, wanted)]
    macs = [_SEPARATORS.sub("", m).lower() for m in identifiers.get("mac", [])]
    models = identifiers.get("model", [])[:1]
    prefixes = [
        p
        for p in dict.fromkeys(
            [vendor, vendor.lower() if vendor else None, *models, *(m.lower() for m in models)]
        )
        if p
    ]
    for mac in macs:
        for prefix in prefixes:
            for n in (4, 6):
                for tail, case in ((mac[-n:], "lower"), (mac[-n:].upper(), "upper")):
                    for sep in ("", "_", "-"):
                        how = _message(_PREFIXED[bool(sep), case], prefix=prefix, sep=sep, n=n)
                        ordered.append((f"{prefix}{sep}{tail}", (how,)))
    seen: set[str] = set()
    out: list[Candidate] = []
    for password, how in ordered:
        if password and password not in seen:
            seen.add(password)
            out.append(Candidate(password, how))
    return out[: max(0, limit)]


_SSID_LINE = re.compile(r"""^\s*(?:option\s+)?ssid\s*[=\s]\s*["']?([^"'\n]{1,32}?)["']?\s*$""")


def image_ssids(ctx: Any) -> list[str]:
    """SSIDs configured in the image's hostapd, wpa_supplicant and OpenWrt wireless files."""
    ssids: list[str] = []
    names = ("hostapd", "wpa_supplicant")
    for row in files_matching(
        ctx,
        lambda p: (
            p.endswith("/etc/config/wireless")
            or (p.rsplit("/", 1)[-1].startswith(names) and p.endswith(".conf"))
        ),
    ):
        for _number, line in image_lines(ctx, row["artefact_sha256"], row["path"]):
            match = _SSID_LINE.match(line)
            if match and match.group(1) not in ssids:
                ssids.append(match.group(1))
    return ssids[:20]


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


class _LibCrypt:
    """crypt(3) of the system's libcrypt (libxcrypt: yescrypt, bcrypt, SHA-crypt...) through
    ctypes, for the schemes libpass does not implement; the standard library's `crypt` module,
    which did the same, leaves Python in 3.13."""

    def __init__(self, library: Any) -> None:
        self._crypt = library.crypt
        self._crypt.restype = ctypes.c_char_p
        self._crypt.argtypes = (ctypes.c_char_p, ctypes.c_char_p)

    def crypt(self, password: str, setting: str) -> str | None:
        out = self._crypt(password.encode(), setting.encode())
        return out.decode("ascii", "replace") if out else None


@functools.cache
def system_crypt() -> _LibCrypt | None:
    name = ctypes.util.find_library("crypt")
    if not name:
        return None
    try:
        return _LibCrypt(ctypes.CDLL(name))
    except (OSError, AttributeError):
        return None


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
    crypt = system_crypt()
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


def engine_hashes(ctx: Any) -> dict[tuple[str, str, str, int | None], str]:
    """(artefact, source, user, line) -> stored hash, from the engine's scan (never a table)."""
    found: dict[tuple[str, str, str, int | None], str] = {}
    for artefact, scan in ctx.firmwares():
        for record in scan.password_hashes:
            key = (artefact.name, record.get("source") or "", record.get("user") or "", record.get("line"))
            found[key] = record.get("stored") or ""
    return found


def stored_hash(ctx: Any, row: Row, known: dict[Any, str] | None = None) -> str | None:
    """The account's hash: from the engine's scan if it kept it, else from its source file's line."""
    source, user, wanted = row.get("source") or "", row.get("user") or "", row.get("line")
    key = (row.get("artefact") or "", source, user, wanted)
    if known and key in known:
        return known[key]
    if not source or not user:
        return None
    fallback = None
    for number, line in image_lines(ctx, row.get("artefact_sha256") or "", source):
        fields = line.split(":")
        if len(fields) < 2 or fields[0] != user:
            continue
        if wanted is None or number == wanted:
            return fields[1].strip()
        fallback = fallback or fields[1].strip()
    return fallback


@dataclass
class Trials:
    """What testing the candidates against the image's hashes found."""

    findings: list[Finding] = field(default_factory=list)
    tested: list[dict[str, Any]] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)  # in English, as the indicators say it
    partial: list[str] = field(default_factory=list)
    untested_here: list[str] = field(default_factory=list)  # the same in the current language, for reasons
    partial_here: list[str] = field(default_factory=list)

    def indicators(self) -> dict[str, Any]:
        return {"tested": self.tested, "untested": self.untested, "partially_tested": self.partial}


def _match_finding(row: Row, user: str, scheme: str, match: Candidate) -> Finding:
    masked = "*" * len(match.password)
    return Finding(
        summary=tr("account {user}'s password is derived from a public identifier: {derivation} ({masked})",
                   user=user, derivation=match.described(), masked=masked),
        severity=Severity.HIGH,
        evidence=(account_ref(row),),
        data={"user": user, "derivation": match.derivation, "password": masked, "hash_scheme": scheme},
    )


_UNTESTED = {  # (scheme known, no library can verify it) -> an account that could not be tested
    (True, True): N_("{user} ({scheme}: no library here can verify its scheme)"),
    (True, False): N_("{user} ({scheme}: too slow a hash to test)"),
    (False, True): N_("{user} (unknown scheme: no library here can verify its scheme)"),
    (False, False): N_("{user} (unknown scheme: too slow a hash to test)"),
}


def try_candidates(ctx: Any, candidates: list[Candidate], budget: int) -> Trials:
    """Each account's stored hash against as many candidates as `budget` allows, in order."""
    known = engine_hashes(ctx)
    trials = Trials()
    columns = ("source", "user", "hash_scheme", "empty", "locked", "line")
    for row in ctx.firmware_rows("accounts", columns):
        if row["locked"] or row["empty"]:
            continue
        user, scheme = row["user"] or "", scheme_name(row["hash_scheme"])
        stored = stored_hash(ctx, row, known)
        if not stored or stored in _UNSET or stored.startswith(("!", "*")):
            continue
        verify = make_verifier(stored, scheme)
        count = min(len(candidates), budget // hash_cost(stored))
        if verify is None or count == 0:
            untested = _UNTESTED[bool(scheme), verify is None]
            english, here = english_and_here(untested, user=user, scheme=scheme)
            trials.untested.append(english)
            trials.untested_here.append(here)
            continue
        if count < len(candidates):
            partial = N_("{user} ({count} of {total} candidates, slow hash)")
            english, here = english_and_here(partial, user=user, count=count, total=len(candidates))
            trials.partial.append(english)
            trials.partial_here.append(here)
        match = next((c for c in candidates[:count] if verify(c.password)), None)
        trials.tested.append(
            {"user": user, "scheme": scheme, "candidates_tried": count, "matched": match is not None}
        )
        if match is not None:
            trials.findings.append(_match_finding(row, user, scheme, match))
    return trials


# --- the check ----------------------------------------------------------------------------
class NoPasswordsFromIdentifiers(FirmwareCheck):
    requirement_id = "AUTH-03"
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("identifier_sources", "transformations", "max_candidates", "max_work_per_hash")

    def identifiers(self, ctx: Any, sources: list[str]) -> dict[str, list[str]]:
        info, declaration = ctx.info, ctx.declaration
        found: dict[str, list[str]] = {
            "mac": list(getattr(info, "device_macs", None) or []),
            "serial": [v for v in [getattr(info, "serial_number", None)] if v],
            "model": list(
                dict.fromkeys(
                    v for v in (getattr(info, "model", None), getattr(declaration, "model", None)) if v
                )
            ),
            "ssid": image_ssids(ctx) if "ssid" in sources else [],
        }
        return {source: found.get(source, []) for source in sources}

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        ids = self.identifiers(ctx, params.lowered("identifier_sources"))
        vendor = getattr(ctx.info, "vendor", None) or getattr(ctx.declaration, "manufacturer", None)
        candidates = derive_candidates(
            ids, vendor, params.lowered("transformations"), params.integer("max_candidates")
        )
        budget = params.integer("max_work_per_hash")
        declared = getattr(ctx.declaration, "default_passwords", None) if ctx.declaration else None
        indicators: dict[str, Any] = {
            "identifiers": ids,
            "candidates": len(candidates),
            "declared": {"default_passwords": declared},
        }
        if not ids.get("mac") and not ids.get("serial"):
            reason = _(
                "the case records neither the device's MAC address nor its serial number: add "
                "device_macs and serial_number to case.yaml so derived passwords can be tested"
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason], indicators=indicators)
        trials = try_candidates(ctx, candidates, budget)
        indicators.update(trials.indicators())
        return self.verdict(ctx, trials, ids, indicators, params.notes)

    def verdict(
        self,
        ctx: Any,
        trials: Trials,
        ids: dict[str, list[str]],
        indicators: dict[str, Any],
        notes: list[str],
    ) -> CheckResult:
        candidates, declared = indicators["candidates"], indicators["declared"]["default_passwords"]
        if trials.findings:
            reasons = [f.summary for f in trials.findings]
            if declared:
                said = tr("the declaration says default passwords are '{declared}'", declared=declared)
                reasons.append(said)
            return self.result(ctx, Verdict.FAIL, reasons + notes, trials.findings, indicators)
        if trials.untested:
            reason = tr("{candidates} candidates matched none of the {tested} tested hash(es), but these"
                        " accounts could not be tested: {accounts}", candidates=candidates,
                        tested=len(trials.tested), accounts="; ".join(trials.untested_here))  # fmt: skip
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *notes], indicators=indicators)
        if not trials.tested:
            reason = _("the image has no account with a stored password hash to test")
            return self.result(ctx, Verdict.NOT_APPLICABLE, [reason, *notes], indicators=indicators)
        sources = ", ".join(
            tr(_COUNTED[k], n=len(v)) if k in _COUNTED else f"{k} ({len(v)})" for k, v in ids.items() if v
        )
        reasons = [
            tr("{candidates} candidate passwords derived from {sources} were tested against {tested} password"
               " hash(es): none matched", candidates=candidates, sources=sources,
               tested=len(trials.tested))  # fmt: skip
        ]
        if trials.partial:
            reasons.append(tr("slow hashes were tested with the most likely candidates only: {accounts}",
                              accounts="; ".join(trials.partial_here)))  # fmt: skip
        return self.result(ctx, Verdict.PASS, reasons + notes, indicators=indicators)


CHECK = NoPasswordsFromIdentifiers
