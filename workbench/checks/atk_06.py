"""ATK-06: no software component with a known vulnerability in the supplied (offline) feed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, ref
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.i18n import N_, tr

_SEVERITY = {
    "critical": Severity.HIGH,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
}
# A finding's sentence: whether the feed names a fixed version, and a summary.
_FOUND = {
    (True, True): N_("{component} {version} has {vuln}, fixed in {fixed}: {summary}"),
    (True, False): N_("{component} {version} has {vuln}, fixed in {fixed}"),
    (False, True): N_("{component} {version} has {vuln}, no fixed version known: {summary}"),
    (False, False): N_("{component} {version} has {vuln}, no fixed version known"),
}
_RANK = {"none": 0, "low": 1, "medium": 2, "moderate": 2, "high": 3, "important": 3, "critical": 4}


def severity_rank(value: str) -> int | None:
    """0-4 from a severity word or a CVSS base score; None when the feed gives none."""
    word = value.strip().lower()
    if word in _RANK:
        return _RANK[word]
    try:
        score = float(word)
    except ValueError:
        return None
    return 0 if score == 0 else 1 if score < 4 else 2 if score < 7 else 3 if score < 9 else 4


def _finding(row: Row) -> Finding:
    vuln, component, version = row["vuln_id"] or "", row["component"] or "", row["version"] or ""
    fixed, summary, severity = row["fixed_in"] or "", row["summary"] or "", row["severity"] or ""
    return Finding(
        summary=tr(
            _FOUND[bool(fixed), bool(summary)],
            component=component,
            version=version,
            vuln=vuln,
            fixed=fixed,
            summary=summary[:160],
        ),
        severity=_SEVERITY.get(severity.lower(), Severity.MEDIUM),
        evidence=(ref(row),),
        data={"vuln_id": vuln, "component": component, "version": version, "fixed_in": fixed,
              "severity": severity},
    )  # fmt: skip


def vulnerabilities(ctx: Any, floor: int, count_unknown: bool) -> tuple[list[Finding], list[str]]:
    """Findings for the vulnerabilities at or above the severity floor, and the others described."""
    findings: list[Finding] = []
    below: list[str] = []
    columns = ("component", "version", "vuln_id", "summary", "severity", "fixed_in", "path")
    for row in ctx.firmware_rows("vulnerabilities", columns):
        rank = severity_rank(row["severity"] or "")
        if (rank is None and not count_unknown) or (rank is not None and rank < floor):
            values = {
                "vuln": row["vuln_id"] or "",
                "component": row["component"] or "",
                "version": row["version"] or "",
                "severity": row["severity"] or "",
            }
            below.append(
                tr("{vuln} ({component} {version}, severity {severity})", **values)
                if row["severity"]
                else tr("{vuln} ({component} {version}, severity unknown)", **values)
            )
        else:
            findings.append(_finding(row))
    return findings, below


class NoKnownVulnerableComponents(FirmwareCheck):
    requirement_id = "ATK-06"
    parameters = ("min_severity", "count_unknown_severity")

    def result(self, ctx: Any, *args: Any, **kwargs: Any) -> CheckResult:
        """The feed is evidence too: its hash joins the ones the result was derived from."""
        result = super().result(ctx, *args, **kwargs)
        feeds = tuple(f.sha256 for f in ctx.artefacts("vuln-feed"))
        return replace(result, evidence_used=result.evidence_used + feeds)

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        feeds = ctx.artefacts("vuln-feed")
        components = list(ctx.firmware_rows("components", ("name", "version")))
        inventory = [f"{c['name'] or ''} {c['version'] or ''}".strip() for c in components]
        indicators: dict[str, Any] = {
            "observed": {"components": inventory},
            "feeds": [{"name": f.name, "sha256": f.sha256} for f in feeds],
        }
        if not feeds:
            reason = tr(
                "the case has no vulnerability feed: add an OSV JSON feed with "
                "`workbench case add CASE FEED --kind vuln-feed` to match the "
                "{n} component(s) identified",
                n=len(components),
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason], indicators=indicators)
        params = self.params(ctx)
        floor = severity_rank(str(params.get("min_severity")))
        floor = 1 if floor is None else floor  # an unreadable floor counts from "low"
        findings, below = vulnerabilities(ctx, floor, params.get("count_unknown_severity") is not False)
        notes = params.notes
        indicators["below_min_severity"] = below
        if below:
            notes.append(
                tr("{n} vulnerability(ies) below the severity floor are listed as indicators", n=len(below))
            )
        feed_names = ", ".join(f.name for f in feeds)
        if findings:
            vulnerable = sorted({f"{f.data['component']} {f.data['version']}" for f in findings})
            reasons = [
                tr(
                    "{n} known vulnerability(ies) from {feeds} in: {components}",
                    n=len(findings),
                    feeds=feed_names,
                    components=", ".join(vulnerable),
                ),
                *notes,
            ]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        if not components:
            reason = tr(
                "no software component with a version was identified in the image: nothing to match "
                "against {feeds}",
                feeds=feed_names,
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *notes], indicators=indicators)
        reason = tr(
            "{n} component(s) matched against {feeds}: none has a known vulnerability"
            " at or above the severity floor",
            n=len(components),
            feeds=feed_names,
        )
        return self.result(ctx, Verdict.PASS, [reason, *notes], indicators=indicators)


CHECK = NoKnownVulnerableComponents
