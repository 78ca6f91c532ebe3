"""One requirement in the OSCAL assessment results: the observation of what decided it, one
observation per finding, and the finding whose target is the requirement's objective."""

from __future__ import annotations

from trestle.oscal import common

from workbench.export.ids import stable_uuid
from workbench.export.items import BundleContent, RequirementItem
from workbench.export.oscal_parts import (
    STATUS,
    finding_observation,
    prop,
    props,
    subjects,
    token,
)
from workbench.export.text import one_line


def requirement_records(
    content: BundleContent, req: RequirementItem, origins: list[common.Origin]
) -> tuple[list[common.Observation], common.Finding]:
    """(observations, finding) of one requirement."""
    basis = _basis(content, req, origins)
    observations = [basis] + [
        finding_observation(content, req, i, finding, origins) for i, finding in enumerate(req.findings, 1)
    ]
    return observations, _finding(content, req, origins, observations)


def _basis(content: BundleContent, req: RequirementItem, origins: list[common.Origin]) -> common.Observation:
    """What the verdict rests on: its reasons, the requirement's page, the artefacts it used."""
    by_sha = {a.sha256: a.name for a in content.artefacts.values()}
    used = [by_sha[sha] for sha in req.evidence_used if sha in by_sha]
    used += [ref.artefact for f in req.findings for ref in f.evidence]
    about = "the requirement's page in the bundle: its analysis, evidence tables and verdict"
    page = [common.RelevantEvidence(href=f"../{req.page}", description=about)] if req.page else None
    return common.Observation(
        uuid=stable_uuid(content.name, "observation", req.id),
        title=one_line(f"{req.id}: {req.title}"),
        description="\n".join(req.reasons) or "no reasons recorded",
        props=props(prop("requirement-id", req.id), prop("verdict-source", req.source)),
        methods=["EXAMINE"] if req.source == "inspector" else ["TEST"],
        types=["control-objective"],
        origins=origins,
        subjects=subjects(content, used),
        relevant_evidence=page,
        collected=content.finished,
        remarks=req.error or None,
    )


def _finding(
    content: BundleContent, req: RequirementItem, origins: list[common.Origin],
    observations: list[common.Observation],
) -> common.Finding:
    state, reason, remark = STATUS[req.outcome]
    why = "; ".join(req.stale_reasons) if req.stale else (req.error or "; ".join(req.reasons))
    remarks = f"{remark}: {why}" if remark and why else remark or None
    if req.stale:
        remarks = f"not decided: the {req.verdict} verdict is stale ({why or 'evidence changed since'})"
    mappings = [prop("mapping", value, token(framework))
                for framework, values in req.mappings.items() for value in values]
    return common.Finding(
        uuid=stable_uuid(content.name, "finding", req.id),
        title=one_line(f"{req.id}: {req.title}"),
        description=f"{req.verdict} ({req.source})" + "".join(f"\n{r}" for r in req.reasons),
        props=props(
            prop("requirement-id", req.id), prop("verdict", req.verdict), prop("verdict-source", req.source),
            prop("level", req.level), prop("automation", req.automation),
            prop("stale", "true") if req.stale else None, *mappings,
        ),
        origins=origins,
        target=common.FindingTarget(
            type="objective-id",
            target_id=f"{req.id}_obj",
            title=one_line(f"{req.id}: {req.title}"),
            status=common.ObjectiveStatus(state=state, reason=reason, remarks=remarks),
        ),
        related_observations=[common.RelatedObservation(observation_uuid=o.uuid) for o in observations],
    )
