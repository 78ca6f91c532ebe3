"""One requirement's outcome in a vendor's bundle against the lab's reproduction of it.

Compared: the check's proposed verdict, and its findings as a multiset of (summary, severity,
evidence), each evidence reference by artefact SHA-256, packet, path and offset (not by artefact
name, order or the finding's free-form data). A bundle's outcome is hostile input: anything of the
wrong shape makes the requirement `not-reproduced`, saying why, never an exception.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SAME = "same"
DIFFERENT_VERDICT = "different-verdict"
DIFFERENT_FINDINGS = "different-findings"
NOT_REPRODUCED = "not-reproduced"
ERROR = "error"
STATUSES = (SAME, DIFFERENT_VERDICT, DIFFERENT_FINDINGS, NOT_REPRODUCED, ERROR)
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

    @property
    def differs(self) -> bool:
        return self.status != SAME

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.requirement_id, "title": self.title, "status": self.status,
            "bundle_verdict": self.bundle_verdict, "reproduced_verdict": self.reproduced_verdict,
            "only_in_bundle": self.only_in_bundle, "only_in_reproduction": self.only_in_reproduction,
            "why": self.why,
        }

    def lines(self) -> list[str]:
        """What differs, for the terminal: one line, then one per finding that differs."""
        if not self.differs:
            return []
        head = f"{self.requirement_id}  {self.status}"
        if self.status == DIFFERENT_VERDICT:
            head += f": {self.bundle_verdict} -> {self.reproduced_verdict}"
        elif self.status == DIFFERENT_FINDINGS:
            head += (f": {len(self.only_in_bundle)} finding(s) only in the bundle, "
                     f"{len(self.only_in_reproduction)} only in the reproduction")
        if self.why:
            head += f": {self.why}"
        out = [_one_line(head)]
        sides = (("the bundle", self.only_in_bundle), ("the reproduction", self.only_in_reproduction))
        for where, findings in sides:
            out += [_one_line(f"    only in {where}: {finding_label(f)}") for f in findings]
        return out


def not_reproduced(requirement_id: str, why: str, bundle_verdict: str | None = None) -> Comparison:
    return Comparison(requirement_id, NOT_REPRODUCED, bundle_verdict=bundle_verdict, why=why)


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
                          why=f"the check raised: {reproduced['error']}")
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
