"""One requirement's outcome in a vendor's bundle against the lab's reproduction of it.

Compared: the check's proposed verdict, and its findings as a multiset of (summary, severity,
evidence), each evidence reference by artefact SHA-256, packet, path and offset (not by artefact
name, order or the finding's free-form data); and results.json's row of the requirement against its
outcome file (the proposed verdict, the final verdict, the number of findings). A requirement the
bundle holds no outcome of is `missing-outcome`, or `not-inspected` when a partial run left it out.
A bundle's outcome is hostile input: anything of the wrong shape makes the requirement
`not-reproduced`, saying why, never an exception.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from workbench.i18n import N_, _, tr

SAME = "same"
DIFFERENT_VERDICT = "different-verdict"
DIFFERENT_FINDINGS = "different-findings"
NOT_REPRODUCED = "not-reproduced"
ERROR = "error"
RESULTS_DIFFER = "results-differ"  # results.json's row says other than the outcome file
MISSING_OUTCOME = "missing-outcome"  # the bundle should hold an outcome of it and does not
NOT_INSPECTED = "not-inspected"  # a partial run (--only) left it out
STATUSES = (SAME, DIFFERENT_VERDICT, DIFFERENT_FINDINGS, RESULTS_DIFFER, MISSING_OUTCOME, NOT_INSPECTED,
            NOT_REPRODUCED, ERROR)
REF_FIELDS = ("sha256", "packet", "path", "offset")


@dataclass
class Comparison:
    requirement_id: str
    status: str
    bundle_verdict: str | None = None
    reproduced_verdict: str | None = None
    only_in_bundle: list[dict[str, Any]] = field(default_factory=list)
    only_in_reproduction: list[dict[str, Any]] = field(default_factory=list)
    why: str | None = None  # not-reproduced: what is missing; error: what the check raised
    title: str = ""
    results_differences: list[str] = field(default_factory=list)  # results.json's row vs the outcome
    catalog_changes: list[str] = field(default_factory=list)  # its catalogue entry: lab's vs bundle's

    @property
    def differs(self) -> bool:
        return self.status != SAME or bool(self.results_differences)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.requirement_id, "title": self.title, "status": self.status,
            "bundle_verdict": self.bundle_verdict, "reproduced_verdict": self.reproduced_verdict,
            "only_in_bundle": self.only_in_bundle, "only_in_reproduction": self.only_in_reproduction,
            "why": self.why, "results_differences": self.results_differences,
            "catalog_changes": self.catalog_changes,
        }

    def note_results(self, differences: list[str]) -> None:
        """Record where results.json's row disagrees with the outcome; alone, it is the difference."""
        self.results_differences = differences
        if differences and self.status == SAME:
            self.status = RESULTS_DIFFER

    def lines(self) -> list[str]:
        """What differs, for the terminal: one line, then one per finding that differs."""
        if not self.differs:
            return []
        head = f"{self.requirement_id}  {self.status}"
        if self.status == DIFFERENT_VERDICT:
            head += f": {self.bundle_verdict} -> {self.reproduced_verdict}"
        elif self.status == DIFFERENT_FINDINGS:
            head = tr(
                "{head}: {bundle} finding(s) only in the bundle, {reproduction} only in the reproduction",
                head=head, bundle=len(self.only_in_bundle), reproduction=len(self.only_in_reproduction),
            )
        elif self.status in (MISSING_OUTCOME, NOT_INSPECTED) and self.reproduced_verdict:
            head = tr("{head}: the lab's check proposes {verdict}", head=head,
                      verdict=self.reproduced_verdict)
        elif self.status in (MISSING_OUTCOME, NOT_INSPECTED):
            head = tr("{head}: the lab's check proposes nothing", head=head)
        if self.why:
            head += f": {self.why}"
        out = [_one_line(head)]
        sides = ((N_("only in the bundle: {finding}"), self.only_in_bundle),
                 (N_("only in the reproduction: {finding}"), self.only_in_reproduction))
        for where, findings in sides:
            out += [_one_line("    " + tr(where, finding=finding_label(f))) for f in findings]
        out += [_one_line(f"    results.json: {text}") for text in self.results_differences]
        out += [_one_line("    " + tr("catalogue: {change}", change=text)) for text in self.catalog_changes]
        return out


def not_reproduced(requirement_id: str, why: str, bundle_verdict: str | None = None) -> Comparison:
    return Comparison(requirement_id, NOT_REPRODUCED, bundle_verdict=bundle_verdict, why=why)


def without_outcome(
    requirement_id: str, status: str, row: Any, reproduced: dict[str, Any] | None, why: str
) -> Comparison:
    """A requirement the bundle holds no outcome of (`missing-outcome` or `not-inspected`): what
    results.json says of it, if anything, and the lab's own verdict (None: the lab could not run it)."""
    said = row_verdicts(row)
    if said:
        why += "; " + tr("results.json says {said}", said=said)
    new = None
    if reproduced is not None:
        new = "ERROR" if reproduced.get("error") else str((reproduced.get("result") or {}).get("verdict"))
    proposed = _scalar(row.get("proposed")) if isinstance(row, dict) else None
    return Comparison(requirement_id, status, bundle_verdict=None if proposed is None else str(proposed)[:40],
                      reproduced_verdict=new, why=why)


def row_verdicts(row: Any) -> str:
    """What a results.json row says: "proposed FAIL, verdict FAIL" (empty when it is no row)."""
    if not isinstance(row, dict):
        return ""
    return tr("proposed {proposed}, verdict {verdict}", proposed=_short(row.get("proposed")),
              verdict=_short(row.get("verdict")))


def row_differences(row: Any, outcome: Any) -> list[str]:
    """Where results.json's row of a requirement says other than its outcome file: the check's
    proposed verdict, the final verdict (an ERROR row of a notebook that failed excepted: the batch
    makes it so), the number of findings. `row` None: results.json has no row of it."""
    if not isinstance(outcome, dict):
        return []  # an unreadable outcome is reported by the comparison itself
    if not isinstance(row, dict):
        return [_("results.json has no row of it, yet the bundle holds its outcome")]
    result = outcome.get("result") if isinstance(outcome.get("result"), dict) else {}
    final = outcome.get("final") if isinstance(outcome.get("final"), dict) else {}
    differences = []
    if row.get("proposed") != result.get("verdict"):
        differences.append(tr("the proposed verdict is {row}, the outcome's {outcome}",
                              row=_short(row.get("proposed")), outcome=_short(result.get("verdict"))))
    notebook_failed = row.get("verdict") == "ERROR" and row.get("verdict_source") == "error"
    if row.get("verdict") != final.get("verdict") and not notebook_failed:
        differences.append(tr("the verdict is {row}, the outcome's {outcome}",
                              row=_short(row.get("verdict")), outcome=_short(final.get("verdict"))))
    findings = result.get("findings") if isinstance(result.get("findings"), list) else []
    counted = row.get("findings")
    if not (isinstance(counted, int) and not isinstance(counted, bool) and counted == len(findings)):
        differences.append(tr("it counts {counted} finding(s), the outcome holds {held}",
                              counted=_short(counted), held=len(findings)))
    return differences


def _short(value: Any) -> str:
    text = "none" if value is None else str(_scalar(value))
    return text if len(text) <= 40 else text[:39] + "…"


def bundle_verdict(outcome: Any) -> str | None:
    """The verdict the vendor's check proposed (ERROR when it raised), or None when unreadable."""
    if not isinstance(outcome, dict):
        return None
    result = outcome.get("result")
    if isinstance(result, dict) and isinstance(result.get("verdict"), str):
        return result["verdict"]
    return "ERROR" if outcome.get("error") else None


def compare(requirement_id: str, bundled: Any, reproduced: dict[str, Any]) -> Comparison:
    """`bundled`: the bundle's outcomes/<ID>.json; `reproduced`: the lab's RequirementState.outcome()."""
    problem = outcome_problem(requirement_id, bundled)
    if problem:
        return not_reproduced(requirement_id, problem)
    old = bundle_verdict(bundled)
    if reproduced.get("error"):
        return Comparison(requirement_id, ERROR, bundle_verdict=old, reproduced_verdict="ERROR",
                          why=tr("the check raised: {error}", error=reproduced["error"]))
    new_result = reproduced.get("result") or {}
    new = str(new_result.get("verdict"))
    old_findings = (bundled.get("result") or {}).get("findings") or []
    only_old, only_new = finding_difference(old_findings, new_result.get("findings") or [])
    status = DIFFERENT_VERDICT if old != new else DIFFERENT_FINDINGS if only_old or only_new else SAME
    return Comparison(requirement_id, status, bundle_verdict=old, reproduced_verdict=new,
                      only_in_bundle=only_old, only_in_reproduction=only_new)


def outcome_problem(requirement_id: str, outcome: Any) -> str | None:
    """Why the bundle's outcome cannot be compared, or None."""
    if not isinstance(outcome, dict):
        return "the bundle's outcome is not a JSON object"
    if outcome.get("requirement_id") != requirement_id:
        return f"the bundle's outcome names another requirement ({str(outcome.get('requirement_id'))[:80]!r})"
    result = outcome.get("result")
    if result is None:
        return None if outcome.get("error") else "the bundle's outcome holds no check result"
    if not isinstance(result, dict) or not isinstance(result.get("verdict"), str):
        return "the bundle's outcome holds no readable verdict"
    findings = result.get("findings", [])
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        return "the bundle's outcome holds findings that are not a list of objects"
    return None


def finding_difference(old: list[Any], new: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The findings only in `old` and only in `new`, compared as multisets, in their own order."""
    old_keys = Counter(finding_key(f) for f in old)
    new_keys = Counter(finding_key(f) for f in new)
    return _beyond(old, old_keys - new_keys), _beyond(new, new_keys - old_keys)


def _beyond(findings: list[Any], extra: Counter[str]) -> list[dict[str, Any]]:
    out = []
    for finding in findings:
        key = finding_key(finding)
        if extra[key] > 0:
            extra[key] -= 1
            out.append(finding_view(finding))
    return out


def finding_key(finding: Any) -> str:
    """Canonical text of what identifies a finding: summary, severity, evidence references (unordered)."""
    view = finding_view(finding)
    refs = sorted(json.dumps([r[k] for k in REF_FIELDS], default=str) for r in view["evidence"])
    return json.dumps([view["summary"], view["severity"], refs], default=str)


def finding_view(finding: Any) -> dict[str, Any]:
    """The compared fields of a finding (and each reference's artefact name, for people)."""
    record = finding if isinstance(finding, dict) else {}
    refs = record.get("evidence") if isinstance(record.get("evidence"), list) else []
    return {
        "summary": _scalar(record.get("summary")),
        "severity": _scalar(record.get("severity")),
        "evidence": [_ref(r) for r in refs],
    }


def _ref(ref: Any) -> dict[str, Any]:
    record = ref if isinstance(ref, dict) else {}
    return {"artefact": _scalar(record.get("artefact")), **{k: _scalar(record.get(k)) for k in REF_FIELDS}}


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def finding_label(finding: dict[str, Any]) -> str:
    where = []
    for ref in finding.get("evidence", []):
        parts = [str(ref.get("artefact") or str(ref.get("sha256") or "")[:12])]
        for key, fmt in (("packet", "packet {}"), ("path", "{}"), ("offset", "offset {}")):
            if ref.get(key) is not None:
                parts.append(fmt.format(ref[key]))
        where.append(" · ".join(parts))
    located = f" ({'; '.join(where)})" if where else ""
    return f"[{finding.get('severity')}] {finding.get('summary')}{located}"


def _one_line(text: str) -> str:
    """No control characters (a hostile summary must not rewrite the terminal), at most 400 characters."""
    clean = "".join(c if c.isprintable() else " " for c in text)
    return clean if len(clean) <= 400 else clean[:399] + "…"
