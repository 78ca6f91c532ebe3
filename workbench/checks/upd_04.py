"""UPD-04: the device verifies the authenticity and integrity of an update before installing it.

Update tools and URLs come from the engine's `update` table and from the files named in the
catalogue's `update_tools` (UPD-01). Verification is shown by the engine's `verifier` and
`public_key` rows, or by an update script that runs one of the catalogue's `verifier_tools`
(usign, gpgv, openssl...). A script that only runs `integrity_only_tools` (sha256sum, md5sum...)
checks corruption, not authenticity: that is no verification.

With test access (catalogue 2026.4) the probe sends the genuine update with one byte changed through
the update command the manufacturer grants, then the genuine one as the control, under the same name. The
changed image installed (or the version changed by it, whatever the unit answered) fails; refused, with
the control installed (exit 0 and the version changed over the test), the unit verifies what it installs.
That passes when the image holds the update command's program and its update table shows a signature
verifier or key in that program or in a file its script names (a plain checksum refuses a changed byte too; a
verifier elsewhere may belong to another tool), unless the image or the declaration fails. Both refused, or
the control answered installed with the version unchanged, cannot tell (the path itself may not work).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    Row,
    declaration_ref,
    describe_update,
    files_named,
    ref,
    script_mentions,
    update_rows,
)
from workbench.checks._probe import clip
from workbench.checks._probe_unit import (
    amended,
    decide,
    firmware_today,
    listed,
    older_catalogue,
    takes_unit_tests,
    undecided,
    unit_gap,
)
from workbench.checks._probe_update import (
    answer,
    installed,
    names_differ,
    update_attempts,
    update_program,
    update_refs,
    updater_in_image,
    updater_verifiers,
    versions,
)
from workbench.checks._procedural import declared
from workbench.checks.base import MAX_EVIDENCE_REFS, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.i18n import N_, _, tr
from workbench.probe.results import TestRun


@dataclass
class UpdateMachinery:
    """The update tools and URLs in the image and what verifies what they fetch."""

    scripts: list[Row]
    observed: dict[str, Any]
    verified: bool
    integrity_only: list[str]


def _where(found: dict[str, list[Row]]) -> dict[str, list[str]]:
    return {name: [f"{w['path']}:{w['line']}" for w in where] for name, where in found.items()}


def update_machinery(ctx: Any, params: Parameters) -> UpdateMachinery:
    rows = update_rows(ctx)
    known = {(t["artefact"], t["path"]) for t in rows.get("tool", [])}
    extra = files_named(ctx, params.lowered("update_tools"))
    tools = rows.get("tool", []) + [r for r in extra if (r["artefact"], r["path"]) not in known]
    urls = rows.get("url", [])
    scripts = tools + urls
    used_verifiers = script_mentions(ctx, scripts, params.lowered("verifier_tools"))
    used_integrity = script_mentions(ctx, scripts, params.lowered("integrity_only_tools"))
    verifiers, keys = rows.get("verifier", []), rows.get("public_key", [])
    observed = {
        "tools": sorted({describe_update(r) for r in tools}),
        "urls": [describe_update(r) for r in urls],
        "verifiers": [describe_update(r) for r in verifiers],
        "public_keys": [describe_update(r) for r in keys],
        "verifiers_run_by_update_scripts": _where(used_verifiers),
        "integrity_only_checks": _where(used_integrity),
    }
    verified = bool(verifiers or keys or used_verifiers)
    return UpdateMachinery(scripts, observed, verified, sorted(used_integrity))


_UNVERIFIED = {  # (integrity-only tools run, the declaration says signed) -> updates nothing verifies
    (False, False): N_("the firmware updates itself ({tools}) but contains no signature verification tool or"
                       " public key"),
    (True, False): N_("the firmware updates itself ({tools}) but contains no signature verification tool or"
                      " public key; {integrity} checks integrity, not authenticity"),
    (False, True): N_("the firmware updates itself ({tools}) but contains no signature verification tool or"
                      " public key; the declaration says updates are signed"),
    (True, True): N_("the firmware updates itself ({tools}) but contains no signature verification tool or"
                     " public key; {integrity} checks integrity, not authenticity; the declaration says"
                     " updates are signed"),
}  # fmt: skip


def _unverified(found: UpdateMachinery, signed: bool | None) -> Finding:
    observed = found.observed
    summary = tr(
        _UNVERIFIED[bool(found.integrity_only), signed is True],
        tools=", ".join((observed["tools"] + observed["urls"])[:4]),
        integrity=", ".join(found.integrity_only),
    )
    return Finding(
        summary=summary,
        severity=Severity.HIGH,
        evidence=tuple(ref(r) for r in found.scripts[:MAX_EVIDENCE_REFS]),
        data={"tools": observed["tools"], "urls": observed["urls"]},
    )


ENFORCED = N_(
    "the inspector checks verification is enforced: an update with a broken or missing "
    "signature must be refused"
)
OTHER_PATHS = N_(
    "The probe tried the update path the test access names; any other (an upload page, the app, updates"
    " over the network) is for the inspector, whose verdict overrides."
)


def _elsewhere(program: str | None, verifiers: list[str]) -> str:
    if not program:
        return tr("Not decided: the test access's update command names no program the image could be searched"
                  " for; the verifiers the image shows ({verifiers}) may belong to another tool.",
                  verifiers=listed(verifiers, 4))  # fmt: skip
    return tr("Not decided: the update command's program, {program}, is not in the firmware image; the"
              " verifier the image shows ({verifiers}) may belong to another tool.", program=program,
              verifiers=listed(verifiers, 4))  # fmt: skip


def _not_the_updaters(program: str | None, where: list[str], verifiers: list[str]) -> str:
    return tr("Not decided: the image shows signature verification ({verifiers}), but none in the update"
              " command's program, {program} ({where}), nor in a file its script names: the refusal may be a"
              " plain checksum's.", verifiers=listed(verifiers, 4), program=program,
              where=listed(where, 3))  # fmt: skip


CHECKSUM_TOO = N_(
    "A plain checksum refuses a changed byte too: without a signature verifier or public key in the"
    " firmware image (add it to the case) the unit's refusal does not show authenticity is checked."
)


def _verifiers_in_image(today: CheckResult) -> list[str]:
    """The signature verifiers and keys the image shows (today's observations)."""
    observed = today.indicators.get("observed")
    if not isinstance(observed, dict):
        return []
    shown = [*(observed.get("verifiers") or ()), *(observed.get("public_keys") or ())]
    return [*map(str, shown), *map(str, observed.get("verifiers_run_by_update_scripts") or ())]


def _cannot_tell(
    ctx: EvidenceContext, tampered: Row | None, genuine: Row | None, gap: str | None
) -> str | None:
    """Why a refused tampered image does not show the unit verifies (None when it does)."""
    if tampered is None:
        return gap or _("the probe run has no attempt with the image with one byte changed")
    if tampered["accepted"] is None:
        if gap:
            return tr("the install of the image with one byte changed did not end in installed or refused"
                      " ({gap})", gap=gap)  # fmt: skip
        return _("the install of the image with one byte changed did not end in installed or refused")
    before, after = versions(tampered)
    if not before or not after:
        return _("the unit's version could not be read around the tampered image")
    if genuine is None or genuine["accepted"] is None:
        if gap:
            return tr("the genuine image (the control) was not tried to the end ({gap})", gap=gap)
        return _("the genuine image (the control) was not tried to the end")
    if genuine["accepted"] is False:
        return tr("the unit refused the genuine image too ({answer}), so the refusal may be its update path"
                  " failing rather than a check of the image", answer=answer(genuine))  # fmt: skip
    if genuine["exit_status"] != 0 or not versions(genuine)[1] or versions(genuine)[1] == before:
        # installed only when it said so and the version changed over the test (as UPD-01 reads it)
        now = versions(genuine)[1]
        shape = "unread" if not now else "unchanged" if now == before else "not read"
        return tr(_CONTROL_UNSHOWN[shape], answer=answer(genuine), now=now, before=before,
                  exit=genuine["exit_status"])  # fmt: skip
    if differ := names_differ(ctx, tampered, genuine):
        return tr("the copy with one byte changed was installed as {tampered}, the genuine one as {genuine}:"
                  " a unit that checks only the file's name would refuse the copy too",
                  tampered=repr(differ[0]), genuine=repr(differ[1]))  # fmt: skip
    return None


_CONTROL_UNSHOWN = {  # the control answered installed, but its version does not show it installed
    "unchanged": N_("the unit answered installed for the genuine image, the control ({answer}), but its"
                    " version is {now} after it ({before} before the first install): answered installed (exit"
                    " {exit}), version unchanged, so the control does not show the update path installs"),
    "not read": N_("the unit answered installed for the genuine image, the control ({answer}), but its"
                   " version is {now} after it ({before} before the first install): answered installed (exit"
                   " {exit}), version not read, so the control does not show the update path installs"),
    "unread": N_("the unit answered installed for the genuine image, the control ({answer}), but its version"
                 " is unread after it ({before} before the first install): answered installed (exit {exit}),"
                 " version not read, so the control does not show the update path installs"),
}  # fmt: skip


def _tampered_finding(ctx: EvidenceContext, row: Row, test: TestRun | None) -> Finding:
    before, after = versions(row)
    values = {"offset": row["changed_offset"], "answer": answer(row, 160)}
    if row["accepted"] is True:
        summary = tr("the unit installed the genuine update with one byte changed (offset {offset}) sent"
                     " through its update path ({answer}); version {before} before, {after} after",
                     before=before or "?", after=after or "?", **values)  # fmt: skip
    elif row["accepted"] is False:
        summary = tr("the unit answered refused ({answer}) but its version changed to {after} ({before}"
                     " before) after the genuine update with one byte changed (offset {offset}) sent through"
                     " its update path", before=before, after=after, **values)  # fmt: skip
    else:
        summary = tr("the unit did not finish installing ({answer}) but its version changed to {after}"
                     " ({before} before) after the genuine update with one byte changed (offset {offset})"
                     " sent through its update path", before=before, after=after, **values)  # fmt: skip
    data = {"version_before": before, "version_after": after, "changed_offset": row["changed_offset"],
            "sha256": clip(row["sha256"], 64), "command": clip(row["command"], 200),
            "exit_status": row["exit_status"], "output": clip(row["output"], 300)}  # fmt: skip
    return Finding(summary, Severity.HIGH, update_refs(ctx, row, test), data)


# The unit refused the tampered image and installed the control: named by the update command's program,
# else as the test access's command
_REFUSED_TAMPERED = {
    True: N_("On the unit, {program} refused the image with one byte changed ({answer}; version {before}"
             " unchanged) and installed the genuine one, the control, under the same name (version {before}"
             " -> {after})."),
    False: N_("On the unit, the update command of the test access refused the image with one byte changed"
              " ({answer}; version {before} unchanged) and installed the genuine one, the control, under the"
              " same name (version {before} -> {after})."),
}
_DECIDED_REFUSED = {
    True: N_("decided on the unit: on the unit, {program} refused the image with one byte changed ({answer};"
             " version {before} unchanged) and installed the genuine one, the control, under the same name"
             " (version {before} -> {after})."),
    False: N_("decided on the unit: on the unit, the update command of the test access refused the image with"
              " one byte changed ({answer}; version {before} unchanged) and installed the genuine one, the"
              " control, under the same name (version {before} -> {after})."),
}  # fmt: skip


class UpdateAuthenticity(FirmwareCheck):
    requirement_id = "UPD-04"
    needs = frozenset()
    optional = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("verifier_tools", "integrity_only_tools", "update_tools")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today = firmware_today(self, ctx)
        if not takes_unit_tests(ctx):
            return amended(ctx, today, reasons=older_catalogue(ctx))
        test, gap = unit_gap(ctx, "update")
        attempts = update_attempts(ctx)
        tampered, genuine = attempts.get("tampered"), attempts.get("genuine")
        if tampered is not None and installed(tampered):
            finding = _tampered_finding(ctx, tampered, test)
            lead = tr("decided on the unit: {summary}", summary=finding.summary)
            return decide(ctx, today, Verdict.FAIL, [lead], [finding, *today.findings], (_(ENFORCED),))
        why = _cannot_tell(ctx, tampered, genuine, gap)
        if why or tampered is None:
            return amended(ctx, today, reasons=[undecided(why or _("no tampered attempt"))])
        program = update_program(ctx)
        before, after = versions(tampered)[0], versions(genuine)[1] if genuine else ""
        values = {"program": program, "answer": answer(tampered, 160), "before": before, "after": after}
        lead = tr(_REFUSED_TAMPERED[bool(program)], **values)
        if today.verdict is Verdict.FAIL:
            return amended(ctx, today, reasons=[lead, _("The image's or the declaration's failure stands:")])
        verifiers = _verifiers_in_image(today)
        if not verifiers:
            return amended(ctx, today, reasons=[lead, _(CHECKSUM_TOO)])
        where = updater_in_image(ctx, program)
        if not where:
            return amended(ctx, today, reasons=[lead, _elsewhere(program, verifiers)])
        tied = updater_verifiers(ctx, where)
        if not tied:
            return amended(ctx, today, reasons=[lead, _not_the_updaters(program, where, verifiers)])
        reasons = [tr(_DECIDED_REFUSED[bool(program)], **values),
                   tr("The image holds the update command's program ({where}), whose signature verification"
                      " the firmware's update table shows: {verifiers}.", where=listed(where, 3),
                      verifiers=listed(tied, 4)),
                   _(OTHER_PATHS)]  # fmt: skip
        data = {"version": before, "program": program, "output": clip(tampered["output"], 300),
                "exit_status": tampered["exit_status"]}  # fmt: skip
        refs = update_refs(ctx, tampered, test)
        shown = Finding(_("the unit refused a tampered update"), Severity.INFO, refs, data)
        return decide(ctx, today, Verdict.PASS, reasons, [shown], (_(ENFORCED),))

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        found = update_machinery(ctx, params)
        declaration = ctx.declaration
        signed = getattr(getattr(declaration, "update", None), "signed", None) if declaration else None
        indicators = {"declared": {"update": declared(declaration, "update")}, "observed": found.observed}
        findings: list[Finding] = []
        if signed is False:
            findings.append(
                Finding(
                    summary=_("the declaration states updates are not signed"),
                    severity=Severity.HIGH,
                    evidence=(declaration_ref(ctx, "update.signed"),),
                    data={"declared_signed": False},
                )
            )
        if found.scripts and not found.verified:
            findings.append(_unverified(found, signed))
        if findings:
            reasons = [f.summary for f in findings] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        reasons = self._open_questions(found)
        if signed is True:
            reasons.append(_("the declaration states updates are signed"))
        elif declaration is not None and signed is None:
            reasons.append(_("the declaration does not state whether updates are signed"))
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)

    @staticmethod
    def _open_questions(found: UpdateMachinery) -> list[str]:
        observed = found.observed
        if not found.scripts:
            return [
                _("no update tool or update URL was recognised in the firmware: the inspector establishes how"
                  " updates are applied and whether they are verified")
            ]  # fmt: skip
        shown = (
            observed["verifiers"]
            + observed["public_keys"]
            + sorted(observed["verifiers_run_by_update_scripts"])
        )
        return [
            tr("the firmware has update tools ({tools}) and signature verification ({verifiers})",
               tools=", ".join(observed["tools"] + observed["urls"]), verifiers=", ".join(shown)),
            _(ENFORCED),
        ]  # fmt: skip


CHECK = UpdateAuthenticity
