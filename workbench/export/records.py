"""The smaller records of a bundle, read for the formats: the case (case.yaml as results.json
copied it), the artefact register (case/artefacts.yaml) and one requirement's outcome's findings."""

from __future__ import annotations

from typing import Any

import yaml

from workbench.errors import BundleError
from workbench.export.fields import field, mapping, texts
from workbench.export.items import ArtefactItem, EvidenceItem, FindingItem
from workbench.sealed import BundleView

MAX_FINDINGS = 10_000  # per requirement: a crafted outcome does not make a format of gigabytes
MAX_REFS = 1_000  # per finding


def case_info(view: BundleView, info: dict[str, Any]) -> dict[str, Any]:
    """The case as results.json has it; keys it lacks (e.g. product_name) from case/case.yaml."""
    raw = view.case_record("case.yaml")
    if raw is None:
        return dict(info)
    try:
        recorded = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        raise BundleError("case/case.yaml is not readable YAML", path=view.label) from None
    extra = recorded if isinstance(recorded, dict) else {}
    return {**{str(k): v for k, v in extra.items()}, **info}


def artefact_register(view: BundleView) -> dict[str, ArtefactItem]:
    """name -> artefact, from case/artefacts.yaml (empty when the bundle has none)."""
    raw = view.case_record("artefacts.yaml")
    if raw is None:
        return {}
    where = f"{view.label}:case/artefacts.yaml"
    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        raise BundleError("not readable YAML", path=where) from None
    archived = set(view.artefact_names())
    register = {}
    for entry in field(mapping(data or {}, where), "artefacts", list, where, default=[]) or []:
        entry = mapping(entry, where)
        name = field(entry, "name", str, where)
        register[name] = ArtefactItem(
            name=name,
            kind=field(entry, "kind", str, where),
            sha256=field(entry, "sha256", str, where).lower(),
            size=field(entry, "size", int, where, default=None),
            archived=name in archived,
        )
    return register


Texts = tuple[str, ...]


def read_findings(view: BundleView, rid: str) -> tuple[tuple[FindingItem, ...], Texts, Texts]:
    """(findings, stale reasons, SHA-256 of the evidence used) of a requirement's outcome file."""
    outcome = view.outcome(rid)
    if outcome is None:
        return (), (), ()
    where = f"{view.label}:outcomes/{rid}.json"
    if outcome.get("requirement_id") != rid:
        raise BundleError(f"the outcome is not {rid}'s", path=where)
    stale = texts(outcome, "stale_reasons", where)
    result = field(outcome, "result", dict, where, default=None)
    if result is None:
        return (), stale, ()
    findings = field(result, "findings", list, where, default=[]) or []
    if len(findings) > MAX_FINDINGS:
        raise BundleError(f"{len(findings)} findings: more than {MAX_FINDINGS}", path=where)
    items = tuple(_finding(mapping(f, where), where) for f in findings)
    return items, stale, texts(result, "evidence_used", where)


def _finding(data: dict[str, Any], where: str) -> FindingItem:
    refs = field(data, "evidence", list, where, default=[]) or []
    if len(refs) > MAX_REFS:
        raise BundleError(f"a finding has {len(refs)} evidence references: more than {MAX_REFS}", path=where)
    evidence = []
    for ref in refs:
        ref = mapping(ref, where)
        packet = field(ref, "packet", int, where, default=None)
        offset = field(ref, "offset", int, where, default=None)
        if (packet is not None and packet < 1) or (offset is not None and offset < 0):
            raise BundleError("a packet number below 1 or a negative offset", path=where)
        evidence.append(EvidenceItem(
            artefact=field(ref, "artefact", str, where),
            sha256=(field(ref, "sha256", str, where, default="") or "").lower(),
            packet=packet,
            path=field(ref, "path", str, where, default=None) or None,
            offset=offset,
            note=field(ref, "note", str, where, default="") or "",
        ))
    return FindingItem(
        summary=field(data, "summary", str, where),
        severity=field(data, "severity", str, where, default="medium") or "medium",
        evidence=tuple(evidence),
        data=field(data, "data", dict, where, default={}) or {},
    )
