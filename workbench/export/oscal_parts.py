"""The pieces of the OSCAL assessment results that describe one requirement or one artefact:
objectives, observations, findings, back-matter resources (trestle's models)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from trestle.oscal import common

from workbench.export.ids import stable_uuid
from workbench.export.items import BundleContent, EvidenceItem, FindingItem, RequirementItem
from workbench.export.text import one_line, uri_path

NS = "urn:inspector-workbench:oscal"  # the namespace of the workbench's own property names
DECLARATION = "declaration"  # the artefact name an EvidenceRef gives the manufacturer's declaration

# final verdict -> (objective state, reason, remark prefix); see workbench.export.oscal
STATUS = {
    "pass": ("satisfied", "pass", ""),
    "fail": ("not-satisfied", "fail", ""),
    "not_applicable": ("satisfied", "other", "not applicable"),
    "pending": ("not-satisfied", "other", "not decided"),
    "error": ("not-satisfied", "other", "not assessed: the check or its notebook failed"),
}


def prop(name: str, value: object, cls: str | None = None) -> common.Property | None:
    """A property in the workbench's namespace; None when there is no value."""
    text = one_line(value, fallback="") if value is not None else ""
    return common.Property(name=name, value=text, ns=NS, class_=cls) if text else None


def props(*items: common.Property | None) -> list[common.Property] | None:
    kept = [p for p in items if p is not None]
    return kept or None


def token(text: str) -> str:
    """`text` as an XML NCName (a property class): other characters become `-`."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"x-{cleaned}"


def objective(req: RequirementItem) -> common.LocalObjective:
    return common.LocalObjective(
        control_id=req.id,
        description=req.title,
        props=props(prop("level", req.level), prop("automation", req.automation)),
        parts=[common.Part(id=f"{req.id}_obj", name="assessment-objective", prose=req.title)],
    )


def artefact_uuid(content: BundleContent, name: str) -> str:
    return stable_uuid(content.name, "artefact", name)


def artefact_names(content: BundleContent) -> list[str]:
    """Every artefact the bundle's register lists or a finding points at, in a stable order."""
    named = {ref.artefact for req in content.requirements for f in req.findings for ref in f.evidence}
    return sorted(set(content.artefacts) | named)


def resource(content: BundleContent, name: str) -> common.Resource:
    """A back-matter resource for an artefact: its kind, SHA-256 and, when archived, its file."""
    item = content.artefacts.get(name)
    sha = item.sha256 if item else _sha_from_findings(content, name)
    if name == DECLARATION and item is None:
        sha = content.declaration_sha256 or sha
        href, kind, archived = "../case/declaration.yaml", "declaration", content.has_declaration
    else:
        href, kind, archived = f"../artefacts/{uri_path(name)}", item.kind if item else "", bool(
            item and item.archived)
    rlinks = None
    if archived:
        hashes = [common.Hash(algorithm="SHA-256", value=sha)] if sha else None
        rlinks = [common.Rlink(href=href, hashes=hashes)]
    return common.Resource(
        uuid=artefact_uuid(content, name),
        title=one_line(name),
        description=f"artefact of kind {kind or 'unknown'}" + ("" if item or name == DECLARATION
                                                               else " (not in the case's register)"),
        props=props(prop("artefact-kind", kind), prop("sha256", sha)),
        rlinks=rlinks,
        remarks=None if archived else "not archived in this bundle: it is in the case folder's artefacts/ "
        "(workbench run --with-artefacts archives it)",
    )


def _sha_from_findings(content: BundleContent, name: str) -> str:
    for req in content.requirements:
        for finding in req.findings:
            for ref in finding.evidence:
                if ref.artefact == name and ref.sha256:
                    return ref.sha256
    return ""


def subjects(content: BundleContent, names: Iterable[str]) -> list[common.SubjectReference] | None:
    return [
        common.SubjectReference(subject_uuid=artefact_uuid(content, n), type="resource", title=one_line(n))
        for n in sorted(set(names))
    ] or None


def evidence_link(content: BundleContent, ref: EvidenceItem) -> common.RelevantEvidence:
    """An evidence reference: the artefact's resource (which has its SHA-256), the place in it."""
    registered = content.artefacts.get(ref.artefact)
    sha = ref.sha256 if not registered or registered.sha256 != ref.sha256 else None
    return common.RelevantEvidence(
        href=f"#{artefact_uuid(content, ref.artefact)}",
        description=ref.label() + (f" ({ref.note})" if ref.note else ""),
        props=props(prop("packet", ref.packet), prop("path", ref.path), prop("offset", ref.offset),
                    prop("sha256", sha)),
    )


def finding_observation(
    content: BundleContent, req: RequirementItem, index: int, finding: FindingItem,
    origins: list[common.Origin],
) -> common.Observation:
    return common.Observation(
        uuid=stable_uuid(content.name, "finding-observation", req.id, index),
        title=one_line(f"{req.id}: {finding.summary}"),
        description=finding.summary,
        props=props(prop("severity", finding.severity), prop("requirement-id", req.id)),
        methods=["TEST"],
        types=["finding"],
        origins=origins,
        subjects=subjects(content, (ref.artefact for ref in finding.evidence)),
        relevant_evidence=[evidence_link(content, ref) for ref in finding.evidence] or None,
        collected=content.finished,
    )
