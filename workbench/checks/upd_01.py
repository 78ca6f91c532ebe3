"""UPD-01: the device's software can be updated.

The firmware's update tools and addresses beside the mechanism the manufacturer declares. With test
access (catalogue 2026.4) the probe installs the genuine update with the update command the manufacturer
grants the lab and reads the version before and after. That is the unit's local update path, not
necessarily the declared mechanism (OTA from a cloud, an app): it passes when the genuine update installed
(exit 0) and changed the version over the test, the declaration names a mechanism and the firmware image
holds the command's program (the updater the declared mechanism would use). The genuine update refused
fails, unless the copy with one byte changed was installed just before (the unit may refuse to install
the version it runs).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    declaration_ref,
    describe_update,
    files_named,
    update_rows,
)
from workbench.checks._probe import Row, clip
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
    update_attempts,
    update_program,
    update_refs,
    updater_in_image,
    version_story,
    versions,
)
from workbench.checks._procedural import declared, says_none
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import N_, _, tr
from workbench.probe.results import TestRun

APPLY = N_("the inspector applies an update by the declared mechanism and checks the version changes")
NOT_JUDGED = N_(
    "Not judged here: software components that cannot be updated, which the declaration must name with"
    " the reason; an inspector's verdict overrides."
)


class SoftwareUpdatable(FirmwareCheck):
    requirement_id = "UPD-01"
    needs = frozenset()
    optional = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("update_tools",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today = firmware_today(self, ctx)
        if not takes_unit_tests(ctx):
            return amended(ctx, today, reasons=older_catalogue(ctx))
        test, gap = unit_gap(ctx, "update")
        attempts = update_attempts(ctx)
        tampered, genuine = attempts.get("tampered"), attempts.get("genuine")
        program = update_program(ctx)
        if genuine is not None and genuine["accepted"] is False:
            if tampered is not None and installed(tampered):
                why = tr(_REFUSED_AFTER[bool(program)], program=program, answer=answer(genuine, 160),
                         story=version_story(tampered, genuine))  # fmt: skip
                return amended(ctx, today, reasons=[undecided(why)])
            finding = _refused(ctx, genuine, test, program)
            lead = tr("decided on the unit: {summary}", summary=finding.summary)
            return decide(ctx, today, Verdict.FAIL, [lead], [finding, *today.findings], (_(APPLY),))
        # the unit's version before the test's first install: a tampered image the unit installed first may
        # have brought the genuine file's version already
        first = tampered or genuine
        why = _cannot_tell(genuine, first, gap)
        if why:
            return amended(ctx, today, reasons=[undecided(why)])
        before, after = versions(first)[0], versions(genuine)[1]
        story = version_story(tampered, genuine)
        values = {"program": program, "before": before, "after": after, "story": story}
        lead = tr(_INSTALLED[bool(program)], **values)
        mechanism = getattr(getattr(ctx.declaration, "update", None), "mechanism", None)
        if today.verdict is Verdict.FAIL or not mechanism or says_none(mechanism):
            return amended(ctx, today, reasons=[lead, _undeclared(mechanism)])
        where = updater_in_image(ctx, program)
        if not where:
            return amended(ctx, today, reasons=[lead, _not_linked(ctx, program, mechanism)])
        data = {"version_before": before, "version_after": after, "mechanism": clip(mechanism, 200),
                "program": program, "in_image": where[:3]}  # fmt: skip
        shown = Finding(
            _("the unit installed the genuine update"), Severity.INFO, update_refs(ctx, genuine, test), data
        )
        reasons = [
            tr(_DECIDED_INSTALLED[bool(program)], mechanism=clip(mechanism, 200), where=listed(where, 3),
               **values),
            _(NOT_JUDGED),
        ]  # fmt: skip
        return decide(ctx, today, Verdict.PASS, reasons, [shown], (_(APPLY),))

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        rows = update_rows(ctx)
        params = self.params(ctx)
        names = params.lowered("update_tools")
        declaration = ctx.declaration
        update = getattr(declaration, "update", None) if declaration is not None else None
        observed = {
            kind: [describe_update(r) for r in rows.get(kind, [])]
            for kind in ("tool", "url", "verifier", "public_key")
        }
        observed["tool"] = sorted(set(observed["tool"]) | {r["path"] for r in files_named(ctx, names)})
        indicators = {"declared": {"update": declared(declaration, "update")}, "observed": observed}
        mechanism = getattr(update, "mechanism", None)
        if says_none(mechanism):
            finding = Finding(
                summary=_("the declaration states the device has no update mechanism"),
                severity=Severity.HIGH,
                evidence=(declaration_ref(ctx, "update.mechanism"),),
                data={"declared": mechanism},
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary], [finding], indicators)
        tools = observed["tool"]
        reasons = [
            tr("update tools in the firmware: {tools}", tools=", ".join(tools))
            if tools
            else _("no update tool was recognised in the firmware"),
        ]
        if observed["url"]:
            reasons.append(tr("update URLs: {urls}", urls=", ".join(observed["url"])))
        if declaration is None:
            reasons.append(_("the case has no declaration: the update mechanism is not stated"))
        elif mechanism:
            reasons.append(tr("the declaration states the mechanism: {mechanism}", mechanism=mechanism))
            if not tools:
                reasons.append(
                    _("the declared mechanism has no recognised tool in the image: find the program that"
                      " applies updates")
                )  # fmt: skip
        else:
            reasons.append(_("the declaration does not state the update mechanism"))
        reasons.append(_(APPLY))
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)


# The unit's local update path, named by its program when the test access's command names one
_REFUSED_AFTER = {
    True: N_("the unit's local update path from the test access, {program}, refused the genuine update"
             " ({answer}) after it had installed the copy with one byte changed ({story}): a unit may refuse"
             " to install the version it already runs"),
    False: N_("the unit's local update path from the test access, its update command, refused the genuine"
              " update ({answer}) after it had installed the copy with one byte changed ({story}): a unit may"
              " refuse to install the version it already runs"),
}
_REFUSED = {
    True: N_("the unit's local update path from the test access, {program}, refused the genuine update"
             " ({answer})"),
    False: N_("the unit's local update path from the test access, its update command, refused the genuine"
              " update ({answer})"),
}
_INSTALLED = {
    True: N_("The unit's local update path from the test access, {program}, installed the manufacturer's"
             " update: the version went {before} -> {after} over the update test ({story})."),
    False: N_("The unit's local update path from the test access, its update command, installed the"
              " manufacturer's update: the version went {before} -> {after} over the update test ({story})."),
}
_DECIDED_INSTALLED = {
    True: N_("decided on the unit: the unit's local update path from the test access, {program}, installed"
             " the manufacturer's update: the version went {before} -> {after} over the update test"
             " ({story}); the declared mechanism ({mechanism}) uses the same updater, found in the image"
             " ({where})."),
    False: N_("decided on the unit: the unit's local update path from the test access, its update command,"
              " installed the manufacturer's update: the version went {before} -> {after} over the update"
              " test ({story}); the declared mechanism ({mechanism}) uses the same updater, found in the"
              " image ({where})."),
}  # fmt: skip


def _undeclared(mechanism: str | None) -> str:
    if not mechanism:
        return _(
            "Not decided: the declaration (IXIT 7) must name the update mechanism, and the case's does not."
        )
    return tr("Not decided: the declaration states {mechanism} as the update mechanism.",
              mechanism=repr(clip(mechanism, 80)))  # fmt: skip


def _not_linked(ctx: EvidenceContext, program: str | None, mechanism: str) -> str:
    """Why the local update path does not show the declared mechanism works."""
    mechanism = clip(mechanism, 120)
    if not program:
        return tr("Not decided: the test access's update command names no program, so nothing shows the"
                  " declared mechanism ({mechanism}) uses the same updater.",
                  mechanism=mechanism)  # fmt: skip
    if not ctx.has(EvidenceKind.FIRMWARE):
        return tr("Not decided: without the firmware image (add it to the case) nothing shows the declared"
                  " mechanism ({mechanism}) uses {program}, the updater tested.", mechanism=mechanism,
                  program=program)  # fmt: skip
    return tr("Not decided: {program}, the updater tested, is not in the firmware image, so nothing shows the"
              " declared mechanism ({mechanism}) uses it.", program=program, mechanism=mechanism)  # fmt: skip


def _cannot_tell(genuine: Row | None, first: Row | None, gap: str | None) -> str | None:
    """Why an installed genuine update does not show the mechanism works (None when it does); `first` is
    the update test's first attempt, whose version before is the unit's at the start."""
    if genuine is None or first is None or genuine["accepted"] is None:
        if gap:
            return tr("the genuine update was not tried to the end ({gap})", gap=gap)
        return _("the genuine update was not tried to the end")
    before, after = versions(first)[0], versions(genuine)[1]
    if not before or not after:
        return _("the unit's version could not be read before and after the update")
    if before == after:
        return tr("the unit reported version {version} before the first install and after the genuine update"
                  " (the genuine file may be the version installed already)", version=before)  # fmt: skip
    return None


def _refused(ctx: EvidenceContext, row: Row, test: TestRun | None, program: str | None) -> Finding:
    summary = tr(_REFUSED[bool(program)], program=program, answer=answer(row, 300))
    data = {"command": clip(row["command"], 200), "exit_status": row["exit_status"],
            "output": clip(row["output"], 300), "file": clip(row["file"], 200),
            "version_before": versions(row)[0]}  # fmt: skip
    return Finding(summary, Severity.HIGH, update_refs(ctx, row, test), data)


CHECK = SoftwareUpdatable
