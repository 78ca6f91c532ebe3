"""SEC-03: stored secrets are protected: password hashes and private keys not readable by every user.

A file holds a secret when it is a password-hash file (shadow, gshadow, master.passwd, or the
source of accounts other than passwd), a private or host key (the engine's `keys` table), or it
lies under one of the catalogue's `sensitive_paths` and is not public material (a `.pub`,
certificate or public key, or an ssh/ssl configuration file). Such a file with any of the
`forbidden_mode_bits` set (0004 in the 2026.1 edition: readable by every user) fails the requirement.

Image formats can lose modes. With test access (catalogue 2026.4) the probe lists owner and mode of
everything at and under `sensitive_paths` on the running unit; the same rule judges those files, and
the unit's modes decide where the image's differ. A file the unit did not list keeps the image's word.
A symbolic link is judged by its target (the mode and owner the listing gives are the target's); a link
the probe could not resolve or whose target it could not read, or an entry whose mode it could not read,
leaves its path undecided (the image's word stands for it), never passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, english_and_here, file_index, parse_mode, ref
from workbench.checks._probe import Row as ProbeRow
from workbench.checks._probe import clip, results_ref
from workbench.checks._probe_unit import amended, command_refs, decide, listed, unit_start
from workbench.checks.base import CheckResult, EvidenceKind, EvidenceRef, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import N_, _, tr

_HASH_FILES = {"shadow", "shadow-", "gshadow", "gshadow-", "master.passwd"}
_PUBLIC = re.compile(r"(\.pub|\.crt|\.cer|\.der|_config|\.conf|moduli|authorized_keys|known_hosts)$", re.I)
PROCEDURE = N_(
    "the inspector judges how other secrets (Wi-Fi keys, cloud credentials, keys in flash "
    "partitions or secure elements) are protected on the device itself"
)
NOT_JUDGED = N_(
    "Not judged here: secrets kept elsewhere (Wi-Fi keys, cloud credentials, keys in flash partitions or a"
    " secure element) and the declaration's account of them (IXIT 10); an inspector's verdict overrides."
)


# What a file holds (a finding's `holds`, in English) -> a file holding it that others can read: in the
# image, on the unit, on the unit through a link.
_READABLE = {
    "password hashes": (
        N_("{path} holds password hashes and its mode {mode} lets other users read it"),
        N_("on the unit, {path} holds password hashes and its mode {mode} lets other users read it"),
        N_("on the unit, {path} (a link to {target}) holds password hashes and its mode {mode} lets other"
           " users read it"),
    ),
    "sensitive material": (
        N_("{path} holds sensitive material and its mode {mode} lets other users read it"),
        N_("on the unit, {path} holds sensitive material and its mode {mode} lets other users read it"),
        N_("on the unit, {path} (a link to {target}) holds sensitive material and its mode {mode} lets other"
           " users read it"),
    ),
    "a clear-text password": (
        N_("{path} holds a clear-text password and its mode {mode} lets other users read it"),
        N_("on the unit, {path} holds a clear-text password and its mode {mode} lets other users read it"),
        N_("on the unit, {path} (a link to {target}) holds a clear-text password and its mode {mode} lets"
           " other users read it"),
    ),
    "a private key": (
        N_("{path} holds a private key and its mode {mode} lets other users read it"),
        N_("on the unit, {path} holds a private key and its mode {mode} lets other users read it"),
        N_("on the unit, {path} (a link to {target}) holds a private key and its mode {mode} lets other users"
           " read it"),
    ),
    "an encrypted private key": (
        N_("{path} holds an encrypted private key and its mode {mode} lets other users read it"),
        N_("on the unit, {path} holds an encrypted private key and its mode {mode} lets other users read it"),
        N_("on the unit, {path} (a link to {target}) holds an encrypted private key and its mode {mode} lets"
           " other users read it"),
    ),
}  # fmt: skip
_READABLE_OTHER = (  # what the table does not name: its words as they are
    "{path} holds {what} and its mode {mode} lets other users read it",
    "on the unit, {path} holds {what} and its mode {mode} lets other users read it",
    "on the unit, {path} (a link to {target}) holds {what} and its mode {mode} lets other users read it",
)


def _readable(what: str, where: int, **values: Any) -> str:
    """The summary of a file holding `what` that others can read (`where`: 0 the image, 1 the unit, 2 the
    unit through a link), in the current language."""
    if what in _READABLE:
        return tr(_READABLE[what][where], **values)
    return _READABLE_OTHER[where].format(what=what, **values)


def mode_bits(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        return 0o004  # an unreadable catalogue value: readable by every user


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def secret_by_place(path: str, sensitive: list[str], public: set[str]) -> str | None:
    """What a file holds, judged by its name and place alone; None when that says no secret."""
    if PurePosixPath(path).name in _HASH_FILES:
        return "password hashes"
    if _under(path, sensitive) and not _PUBLIC.search(path) and path not in public:
        return "sensitive material"
    return None


def public_material(ctx: Any) -> set[tuple[str, str]]:
    """(artefact, path) of the certificates and public keys the firmware engine found."""
    return {
        (r["artefact"], r["path"] or "")
        for r in ctx.firmware_rows("keys", ("path", "kind"))
        if (r["kind"] or "").lower() in ("certificate", "public_key")
    }


def stored_secrets(
    ctx: Any, files: dict[tuple[str, str], Row], sensitive: list[str]
) -> dict[tuple[str, str], str]:
    """(artefact, path) -> what the file holds, for every file that holds a secret."""
    public: dict[str, set[str]] = {}
    for artefact, path in public_material(ctx):
        public.setdefault(artefact, set()).add(path)
    secrets: dict[tuple[str, str], str] = {}
    for (artefact, path), row in files.items():
        if row["type"] in ("directory", "symlink") or row["link_target"]:
            continue
        what = secret_by_place(path, sensitive, public.get(artefact, set()))
        if what:
            secrets[(artefact, path)] = what
    for row in ctx.firmware_rows("accounts", ("source", "hash_scheme")):
        source = row["source"] or ""
        if source and PurePosixPath(source).name != "passwd":
            plain = (row["hash_scheme"] or "").lower() == "plaintext"
            secrets[(row["artefact"], source)] = "a clear-text password" if plain else "password hashes"
    for row in ctx.firmware_rows("keys", ("path", "kind", "encrypted")):
        if (row["kind"] or "").lower() in ("private_key", "ssh_host_key"):
            key = (row["artefact"], row["path"] or "")
            secrets[key] = "an encrypted private key" if row["encrypted"] else "a private key"
    return secrets


class StoredSecretsProtected(FirmwareCheck):
    requirement_id = "SEC-03"
    needs = frozenset()
    optional = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.PROBE})
    parameters = ("sensitive_paths", "forbidden_mode_bits")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today, done = unit_start(self, ctx, "device_session")
        if done is not None:
            return done
        params = self.params(ctx)
        forbidden = mode_bits(params.get("forbidden_mode_bits"))
        unit = UnitFiles.of(ctx, today, params.lowered("sensitive_paths"), forbidden)
        kept = [f for f in today.findings if not unit.covers(str(f.data.get("path") or ""))]
        bits = f"{forbidden:04o}"
        indicators = {"secrets": unit.secrets, "unknown_modes": unit.unknown, "unresolved": unit.unresolved}
        reasons = [*unit.differences(today), *params.notes]
        if unit.failing:
            findings = [_unit_finding(ctx, row, what) for row, what in unit.failing]
            lead = tr("decided on the unit: {summary}", summary=listed([f.summary for f in findings], 6))
            reasons = [lead, *unit.undecided(), *reasons]
            return decide(ctx, today, Verdict.FAIL, reasons, findings + kept, (_(PROCEDURE),), indicators)
        if kept:
            unlisted = listed([str(f.data["path"]) for f in kept])
            lead = tr("On the unit, no secret it listed has a forbidden bit ({bits}); the image's modes stand"
                      " for what it did not list or could not read: {paths}.", bits=bits,
                      paths=unlisted)  # fmt: skip
            reasons = [lead, *unit.undecided(), *reasons]
            return amended(ctx, today, reasons=reasons, findings=kept, indicators=indicators)
        if not unit.secrets or unit.unknown or unit.unresolved:
            lead = unit.undecided_reason()
            return amended(ctx, today, verdict=Verdict.NEEDS_INSPECTOR, reasons=[lead, *reasons], findings=(),
                           indicators=indicators)  # fmt: skip
        held = [_held(s) for s in unit.secrets]
        lead = tr("decided on the unit: {n} file(s) holding secrets at the sensitive paths, none with a"
                  " forbidden bit ({bits}): {files}", n=len(held), bits=bits,
                  files=listed(held))  # fmt: skip
        reasons = [lead, *reasons, _(NOT_JUDGED)]
        return decide(ctx, today, Verdict.PASS, reasons, [], (_(PROCEDURE),), indicators)

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        forbidden = mode_bits(params.get("forbidden_mode_bits"))
        files = file_index(ctx)
        image_sha256 = {a.name: a.sha256 for a in ctx.artefacts(EvidenceKind.FIRMWARE)}
        findings: list[Finding] = []
        observed: list[dict[str, Any]] = []
        for (artefact, path), what in sorted(
            stored_secrets(ctx, files, params.lowered("sensitive_paths")).items()
        ):
            entry = files.get((artefact, path), {})
            mode = parse_mode(entry.get("mode"))
            shown = None if mode is None else f"{mode:04o}"
            observed.append({"path": path, "holds": what, "mode": shown, "uid": entry.get("uid")})
            if mode is not None and mode & forbidden:
                image = {"artefact": artefact, "artefact_sha256": image_sha256.get(artefact, "")}
                findings.append(
                    Finding(
                        summary=_readable(what, 0, path=path, mode=shown),
                        severity=Severity.HIGH,
                        evidence=(ref(image, path=path, note=f"mode {shown}"),),
                        data={"path": path, "holds": what, "mode": shown},
                    )
                )
        indicators = {"observed": {"stored_secrets": observed}, "forbidden_mode_bits": f"{forbidden:04o}"}
        if findings:
            reasons = [f.summary for f in findings] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        unknown = [o["path"] for o in observed if o["mode"] is None]
        reasons = [
            tr("{n} file(s) holding password hashes or private keys, none readable by other users",
               n=len(observed))
            if observed
            else _("no shadow file or private key was found in the image"),
        ]
        if unknown:
            unread = tr("the permissions of these could not be read: {paths}", paths=", ".join(unknown))
            reasons.append(unread)
        reasons.append(_(PROCEDURE))
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)


def _held(secret: dict[str, Any]) -> str:
    """`/etc/shadow (0600)`, `/etc/shadow (a link to /data/shadow, 0600)` (a link's mode is its target's)."""
    path, target, mode = secret["path"], secret["target"], secret["mode"]
    if mode == _MODE_UNKNOWN:
        if target:
            return tr("{path} (a link to {target}, mode unknown)", path=path, target=target)
        return tr("{path} (mode unknown)", path=path)
    if target:
        return tr("{path} (a link to {target}, {mode})", path=path, target=target, mode=mode)
    return tr("{path} ({mode})", path=path, mode=mode)


_MODE_UNKNOWN = "mode unknown"  # the indicators' word for a mode the listing did not give


def _unit_finding(ctx: EvidenceContext, row: ProbeRow, what: str) -> Finding:
    path, mode, owner = clip(row["path"], 300), clip(row["mode"], 8), clip(row["owner"], 64)
    target = clip(row["target"], 300) or None
    link = f" (a link to {target})" if target else ""
    on_unit = EvidenceRef(artefact=row["artefact"] or "probe", sha256=row["artefact_sha256"] or "", path=path,
                          note=f"mode {mode} on the unit (file_modes){link}")  # fmt: skip
    return Finding(
        summary=_readable(what, 2 if target else 1, path=path, target=target, mode=mode),
        severity=Severity.HIGH,
        evidence=(on_unit, *command_refs(ctx, "file_modes")) if row["artefact"] else (results_ref(row),),
        data={"path": path, "holds": what, "mode": mode, "owner": owner or None, "uid": row["uid"],
              "target": target},
    )


@dataclass
class UnitFiles:
    """The files at and under the sensitive paths on the unit, judged by the image check's rule."""

    rows: list[ProbeRow]
    sensitive: list[str]
    secrets: list[dict[str, Any]] = field(default_factory=list)
    failing: list[tuple[ProbeRow, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # secrets whose mode could not be read
    unresolved: list[str] = field(default_factory=list)  # secrets behind a link the listing does not resolve
    unresolved_here: list[str] = field(default_factory=list)  # the same, in the current language (reasons)

    @classmethod
    def of(cls, ctx: Any, today: CheckResult, sensitive: list[str], forbidden: int) -> UnitFiles:
        known = {s["path"]: s["holds"] for s in _image_secrets(today)}
        public = {path for _, path in public_material(ctx)} if ctx.has(EvidenceKind.FIRMWARE) else set()
        unit = cls(list(ctx.probe_rows("file_modes")), sensitive)
        for row in unit.rows:
            path = row["path"] or ""
            what = known.get(path) or secret_by_place(path, sensitive, public)
            mode = parse_mode(row["mode"])
            if what and _unread(row, mode):
                english, here = _unresolved(row)
                unit.unresolved.append(english)
                unit.unresolved_here.append(here)
                continue
            if not row["exists"] or row["type"] != "file" or not what:
                continue
            shown = _MODE_UNKNOWN if mode is None else f"{mode:04o}"
            unit.secrets.append({"path": clip(path, 300), "holds": what, "mode": shown,
                                 "owner": clip(row["owner"], 64),
                                 "target": clip(row["target"], 300) or None})  # fmt: skip
            if mode is None:
                error = f" ({clip(row['error'], 120)})" if row["error"] else ""
                unit.unknown.append(clip(path, 300) + error)
            elif mode & forbidden:
                unit.failing.append((row, what))
        return unit

    def covers(self, path: str) -> bool:
        """Whether the unit's listing says something of `path`: listed, or under a sensitive path it lacks."""
        absent = [
            r["path"]
            for r in self.rows
            if r["exists"] is False and (r["path"] or "").lower() in self.sensitive
        ]
        undecided = {r["path"] for r in self.rows if _unread(r, parse_mode(r["mode"]))}
        return (path not in undecided and any(r["path"] == path for r in self.rows)) or _under(path, absent)

    def differences(self, today: CheckResult) -> list[str]:
        modes = {r["path"]: (r["exists"], parse_mode(r["mode"])) for r in self.rows if r["path"]}
        differ = []
        for secret in _image_secrets(today):
            path = secret["path"]
            if path in modes and modes[path][0] is False:
                differ.append(tr("{path} is in the image, not on the unit", path=clip(path, 200)))
            elif path in modes and modes[path][1] is not None and f"{modes[path][1]:04o}" != secret["mode"]:
                on_unit = f"{modes[path][1]:04o}"
                differ.append(
                    tr("{path}: {image_mode} in the image, {unit_mode} on the unit", path=clip(path, 200),
                       image_mode=secret["mode"], unit_mode=on_unit)
                )  # fmt: skip
        if not differ:
            return []
        return [tr("The image and the unit differ (the unit decides; image formats can lose modes):"
                   " {differences}.", differences=listed(differ, 6))]  # fmt: skip

    def undecided(self) -> list[str]:
        """What the unit's listing leaves undecided, one sentence each."""
        said = []
        if self.unresolved:
            unread = listed(self.unresolved_here, 6)
            said.append(tr("Undecided on the unit: {paths}; the mode that protects what it holds was not"
                           " listed (the image's word, if any, stands for it).", paths=unread))  # fmt: skip
        if self.unknown:
            unread = listed(self.unknown)
            said.append(tr("The unit listed secrets whose mode the probe could not read: {paths}.",
                           paths=unread))  # fmt: skip
        return said

    def undecided_reason(self) -> str:
        if self.unresolved or self.unknown:
            return " ".join(self.undecided())
        return _("The unit holds no file that holds a secret at the sensitive paths: where it keeps its"
                 " secrets (and how) is for the inspector.")  # fmt: skip


def _unread(row: ProbeRow, mode: int | None) -> bool:
    """A listed entry whose protection the listing does not give: a link not followed to its target (an
    older probe listed links as such), or an entry whose mode could not be read."""
    unreadable = mode is None and bool(row["target"] or row["error"])
    return bool(row["exists"]) and (row["type"] == "link" or unreadable)


def _unresolved(row: ProbeRow) -> tuple[str, str]:
    """`/etc/shadow is a link the probe could not resolve (it loops)`: in English (the indicators) and in
    the current language."""
    path, target, error = clip(row["path"], 300), clip(row["target"], 300), clip(row["error"], 120)
    if target:
        said = (N_("{path} is a link to {target}, which could not be read ({error})") if error
                else N_("{path} is a link to {target}, which could not be read"))  # fmt: skip
    elif row["type"] == "link":
        said = (N_("{path} is a link the probe could not resolve ({error})") if error
                else N_("{path} is a link the probe could not resolve"))  # fmt: skip
    else:
        said = N_("{path} could not be read ({error})") if error else N_("{path} could not be read")
    return english_and_here(said, path=path, target=target, error=error)


def _image_secrets(today: CheckResult) -> list[dict[str, Any]]:
    observed = today.indicators.get("observed")
    found = observed.get("stored_secrets") if isinstance(observed, dict) else None
    return [s for s in found or () if isinstance(s, dict) and s.get("path")]


CHECK = StoredSecretsProtected
