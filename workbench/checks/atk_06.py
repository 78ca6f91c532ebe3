"""ATK-06: no software component with a known vulnerability in the supplied (offline) feed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, ref
from workbench.checks.base import CheckResult, Finding, Severity, Verdict

_SEVERITY = {
    "critical": Severity.HIGH,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
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
        summary=f"{component} {version} has {vuln}"
        + (f", fixed in {fixed}" if fixed else ", no fixed version known")
        + (f": {summary[:160]}" if summary else ""),
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
            below.append(
                f"{row['vuln_id'] or ''} ({row['component'] or ''} {row['version'] or ''}, "
                f"severity {row['severity'] or 'unknown'})"
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
            reason = (
                "the case has no vulnerability feed: add an OSV JSON feed with "
                "`workbench case add CASE FEED --kind vuln-feed` to match the "
                f"{len(components)} component(s) identified"
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason], indicators=indicators)
        params = self.params(ctx)
        floor = severity_rank(str(params.get("min_severity")))
        floor = 1 if floor is None else floor  # an unreadable floor counts from "low"
        findings, below = vulnerabilities(ctx, floor, params.get("count_unknown_severity") is not False)
        notes = params.notes
        indicators["below_min_severity"] = below
        if below:
            notes.append(f"{len(below)} vulnerability(ies) below the severity floor are listed as indicators")
        feed_names = ", ".join(f.name for f in feeds)
        if findings:
            vulnerable = sorted({f"{f.data['component']} {f.data['version']}" for f in findings})
            reasons = [
                f"{len(findings)} known vulnerability(ies) from {feed_names} in: {', '.join(vulnerable)}",
                *notes,
            ]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        if not components:
            reason = (
                "no software component with a version was identified in the image: nothing to match "
                f"against {feed_names}"
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *notes], indicators=indicators)
        reason = (
            f"{len(components)} component(s) matched against {feed_names}: none has a known vulnerability"
            " at or above the severity floor"
        )
        return self.result(ctx, Verdict.PASS, [reason, *notes], indicators=indicators)


CHECK = NoKnownVulnerableComponents
