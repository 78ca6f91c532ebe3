"""SARIF 2.1.0 of a bundle's findings, validated against the official schema before it is returned.

One run; tool.driver is the workbench, its rules the requirements (title, level, mappings). One
result per finding of every requirement's outcome, at level

    error    the requirement FAILs
    warning  it is not decided (PENDING, INCONCLUSIVE, stale) or its check or notebook failed
    note     it PASSes or is NOT_APPLICABLE (the finding is information)

A FAIL without findings (an inspector's verdict, say) is one result without a location, so that a
failure is never silent; an ERROR is also a tool execution notification. Locations: see
workbench.export.sarif_locations. Artifacts carry their SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from workbench.export.content import read_content
from workbench.export.items import BundleContent, FindingItem, RequirementItem
from workbench.export.sarif_locations import BASE, Artifacts
from workbench.export.sarif_schema import validate_sarif
from workbench.sealed import BundleView

FILENAME = "findings.sarif"
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub code scanning ranks an alert by its rule's `security-severity` (a CVSS-like score): the
# highest severity among the requirement's findings.
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
LEVELS = {"fail": "error", "pending": "warning", "error": "warning", "pass": "note", "not_applicable": "note"}


def build_sarif(view: BundleView) -> str:
    """The bundle's SARIF log as JSON text, valid against the SARIF 2.1.0 schema."""
    log = sarif_log(read_content(view))
    validate_sarif(log)
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def sarif_log(content: BundleContent) -> dict[str, Any]:
    artifacts = Artifacts(content)
    for name in sorted(content.artefacts):  # every artefact the case holds, found or not
        artifacts.top(name)
    results = []
    for index, req in enumerate(content.requirements):
        results += [_result(req, index, finding, artifacts) for finding in req.findings]
        if req.outcome == "fail" and not req.findings:
            results.append(_unlocated(req, index))
    run = {
        "tool": {"driver": _driver(content)},
        "invocations": [_invocation(content)],
        "originalUriBaseIds": {BASE: {"description": {"text": f"the root folder of the evidence bundle "
                                                              f"{content.name}"}}},
        "artifacts": artifacts.entries,
        "results": results,
        "properties": {
            "bundle": content.name,
            "catalogueEdition": content.edition,
            "level": content.level,
            "levelResults": {str(k): v for k, v in content.levels.items()},
            "partial": content.partial,
            "device": {k: content.case.get(k) for k in ("vendor", "model", "device", "firmware_version")},
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _driver(content: BundleContent) -> dict[str, Any]:
    rules = []
    for req in content.requirements:
        helps = [f"{k}: {', '.join(v)}" for k, v in req.mappings.items() if v]
        helps += [f"page in the bundle: {req.page}"] if req.page else []
        rules.append({
            "id": req.id,
            "shortDescription": {"text": req.title},
            "fullDescription": {"text": f"{req.title} (level {req.level}, {req.automation or 'unknown'} "
                                f"check; catalogue edition {content.edition})"},
            "help": {"text": "\n".join(helps) or req.title},
            "defaultConfiguration": {"level": "error"},
            "properties": {
                "level": req.level,
                "automation": req.automation,
                "mappings": {k: list(v) for k, v in req.mappings.items()},
                "verdict": req.verdict,
                "verdictSource": req.source,
                "tags": ["security", *dict.fromkeys(f"{k}:{v}" for k, values in req.mappings.items()
                                                    for v in values)],
                **_security_severity(req),
            },
        })
    return {"name": "Inspector Workbench", "version": content.workbench_version, "rules": rules,
            "properties": {"catalogueEdition": content.edition}}


def _security_severity(req: RequirementItem) -> dict[str, str]:
    scores = [SECURITY_SEVERITY[f.severity] for f in req.findings if f.severity in SECURITY_SEVERITY]
    if req.outcome == "fail" and not scores:
        scores = [SECURITY_SEVERITY["medium"]]  # a FAIL without findings (an inspector's verdict)
    return {"security-severity": max(scores, key=float)} if scores else {}


def _result(req: RequirementItem, index: int, finding: FindingItem, artifacts: Artifacts) -> dict[str, Any]:
    fingerprint = hashlib.sha256(json.dumps(
        [req.id, finding.summary, [ref.label() for ref in finding.evidence]], ensure_ascii=False
    ).encode("utf-8")).hexdigest()
    result: dict[str, Any] = {
        "ruleId": req.id,
        "ruleIndex": index,
        "level": LEVELS[req.outcome],
        "message": {"text": finding.summary},
        "locations": [artifacts.location(ref) for ref in finding.evidence],
        "partialFingerprints": {"workbenchFinding/v1": fingerprint},
        "properties": {"verdict": req.verdict, "verdictSource": req.source, "severity": finding.severity,
                       "data": finding.data},
    }
    if not result["locations"]:
        del result["locations"]
    return result


def _unlocated(req: RequirementItem, index: int) -> dict[str, Any]:
    return {
        "ruleId": req.id,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": "; ".join(req.reasons) or f"{req.id} fails ({req.source})"},
        "properties": {"verdict": req.verdict, "verdictSource": req.source, "withoutFindings": True},
    }


def _invocation(content: BundleContent) -> dict[str, Any]:
    errors = [req for req in content.requirements if req.outcome == "error"]
    return {
        "executionSuccessful": not errors,
        "startTimeUtc": _utc(content.started),
        "endTimeUtc": _utc(content.finished),
        "toolExecutionNotifications": [
            {"level": "error",
             "message": {"text": req.error or f"{req.id}: the check or its notebook failed"},
             "associatedRule": {"id": req.id, "index": content.requirements.index(req)}}
            for req in errors
        ],
    }


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
