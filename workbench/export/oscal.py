"""OSCAL assessment results (JSON) of a bundle, built and validated with compliance-trestle's models.

One result for the batch. Per requirement: a local objective (control-id = the requirement id), an
observation of what decided the verdict (its reasons, its page in the bundle, the artefacts used as
subjects), one observation per finding (each evidence reference as relevant evidence, pointing at
the artefact's back-matter resource with its SHA-256), and a finding whose target is the objective,
with the mappings (EN 303 645, TS 103 701, ...) as `mapping` properties. Objective status:

    PASS                                       satisfied,     reason pass
    FAIL                                       not-satisfied, reason fail
    NOT_APPLICABLE                             satisfied,     reason other, remarks "not applicable: ..."
    PENDING, INCONCLUSIVE or a stale verdict   not-satisfied, reason other, remarks "not decided: ..."
    ERROR                                      not-satisfied, reason other, remarks "not assessed: ..."

(a level passes on PASS and NOT_APPLICABLE only: the state says whether the objective counts as
met; the workbench's own word stays in the finding's `verdict` property). UUIDs are version 5 of
the bundle's name and what they name, times come from results.json: the same bundle gives the same
bytes. Relative hrefs resolve from formats/ inside the bundle.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from trestle.oscal import OSCAL_VERSION, common
from trestle.oscal.assessment_results import AssessmentResults, LocalDefinitions, LocalDefinitions1, Result

from workbench.errors import BundleError
from workbench.export.content import read_content
from workbench.export.ids import stable_uuid
from workbench.export.items import BundleContent
from workbench.export.oscal_parts import artefact_names, objective, prop, props, resource
from workbench.export.oscal_requirement import requirement_records
from workbench.export.text import one_line
from workbench.sealed import BundleView

FILENAME = "assessment-results.oscal.json"


def build_oscal(view: BundleView) -> str:
    """The OSCAL assessment results of the bundle, as JSON text, validated."""
    content = read_content(view)
    try:
        document = assessment_results(content)
    except ValidationError as exc:
        raise BundleError(f"OSCAL assessment results not valid: {_first(exc)}", path=view.label) from None
    text = document.oscal_serialize_json_bytes(pretty=True).decode("utf-8") + "\n"
    validate_oscal(text)
    return text


def validate_oscal(text: str) -> AssessmentResults:
    """Parse `text` back with trestle's AssessmentResults model; BundleError when it does not fit."""
    try:
        return AssessmentResults.model_validate(json.loads(text)["assessment-results"])
    except (ValueError, KeyError, TypeError) as exc:
        detail = _first(exc) if isinstance(exc, ValidationError) else str(exc)
        raise BundleError(f"not valid OSCAL assessment results: {detail}") from None


def assessment_results(content: BundleContent) -> AssessmentResults:
    if not content.requirements:
        raise BundleError("the bundle judged no requirement: no assessment results")
    plan = stable_uuid(content.name, "plan")
    resources = [_plan(content, plan), _results_file(content)]
    resources += [resource(content, name) for name in artefact_names(content)]
    return AssessmentResults(
        uuid=stable_uuid(content.name, "assessment-results"),
        metadata=_metadata(content),
        import_ap={"href": f"#{plan}", "remarks": "no separate OSCAL assessment plan: the plan is the "
                   "catalogue edition and level in the back-matter resource"},
        local_definitions=LocalDefinitions(
            objectives_and_methods=[objective(r) for r in content.requirements]
        ),
        results=[_result(content)],
        back_matter=common.BackMatter(resources=resources),
    )


def _metadata(content: BundleContent) -> common.Metadata:
    case = content.case
    inspectors = sorted({str(n) for n in case.get("inspectors") or []} | _recorders(content))
    vendor = one_line(case.get("vendor", ""), fallback="unknown manufacturer")
    parties = [common.Parties(uuid=_party(content, n), type="person", name=one_line(n)) for n in inspectors]
    parties.append(common.Parties(uuid=_party(content, vendor), type="organization", name=vendor))
    assessors = [common.ResponsibleParty(role_id="assessor",
                                         party_uuids=[_party(content, n) for n in inspectors])]
    return common.Metadata(
        title=one_line(f"Inspection of {vendor} {case.get('model', '')} ({case.get('device', '')}), "
                       f"firmware {case.get('firmware_version', '')}"),
        published=content.finished,
        last_modified=content.finished,
        version=one_line(content.name),
        oscal_version=OSCAL_VERSION,
        props=props(prop("bundle", content.name), prop("catalogue-edition", content.edition),
                    prop("target-level", content.level), prop("workbench-version", content.workbench_version),
                    prop("partial", "true") if content.partial else None),
        roles=[common.Role(id="assessor", title="Inspector"),
               common.Role(id="manufacturer", title="Manufacturer")],
        parties=parties,
        responsible_parties=(assessors if inspectors else []) + [
            common.ResponsibleParty(role_id="manufacturer", party_uuids=[_party(content, vendor)])],
        remarks=f"Written by Inspector Workbench from the evidence bundle {content.name}; relative hrefs "
        "resolve from formats/ inside the bundle.",
    )


def _result(content: BundleContent) -> Result:
    origins = {"tool": [common.Origin(actors=[common.OriginActor(type="tool", actor_uuid=_tool(content))])]}
    observations, findings = [], []
    for req in content.requirements:
        by = (req.inspector or {}).get("inspector") if req.source == "inspector" else None
        party = common.OriginActor(type="party", actor_uuid=_party(content, str(by)))
        actors = [common.Origin(actors=[party])]
        seen, finding = requirement_records(content, req, actors if by else origins["tool"])
        observations += seen
        findings.append(finding)
    words = ("pass", "fail", "not_applicable", "pending", "error")
    counts = {o: sum(r.outcome == o for r in content.requirements) for o in words}
    return Result(
        uuid=stable_uuid(content.name, "result"),
        title=one_line(f"Inspection to level {content.level} against catalogue edition {content.edition}"),
        description=f"The workbench's batch run {content.name}: {len(content.requirements)} requirements, "
        + ", ".join(f"{n} {o}" for o, n in counts.items()),
        start=content.started,
        end=content.finished,
        props=props(*(prop("level-result", value, f"level-{n}") for n, value in content.levels.items())),
        local_definitions=LocalDefinitions1(components=_components(content)),
        reviewed_controls=common.ReviewedControls(
            description=f"the requirements of catalogue edition {content.edition} the batch judged",
            control_selections=[common.ControlSelections(
                include_controls=[common.SelectControlById(control_id=r.id) for r in content.requirements])],
        ),
        observations=observations,
        findings=findings,
    )


def _components(content: BundleContent) -> list[common.SystemComponent]:
    case = content.case
    device = common.SystemComponent(
        uuid=stable_uuid(content.name, "component", "device"),
        type="this-system",
        title=one_line(f"{case.get('vendor', '')} {case.get('model', '')} ({case.get('device', '')})"),
        description=one_line(f"the device inspected, firmware {case.get('firmware_version', '')}"),
        props=props(prop("vendor", case.get("vendor", "")), prop("model", case.get("model", "")),
                    prop("firmware-version", case.get("firmware_version", "")),
                    prop("serial-number", case.get("serial_number") or "")),
        status=common.Status(state="operational"),
    )
    tool = common.SystemComponent(
        uuid=_tool(content),
        type="software",
        title=f"Inspector Workbench {content.workbench_version}",
        description="the inspection tool: its checks proposed the automatic verdicts",
        status=common.Status(state="operational"),
    )
    return [device, tool]


def _plan(content: BundleContent, plan: str) -> common.Resource:
    return common.Resource(
        uuid=plan,
        title=one_line(f"Catalogue edition {content.edition}, level {content.level}"),
        description="the assessment plan: every requirement of the catalogue edition up to the level"
        + (" (a partial run: only the requirements selected)" if content.partial else ""),
        props=props(prop("catalogue-edition", content.edition), prop("target-level", content.level)),
    )


def _results_file(content: BundleContent) -> common.Resource:
    return common.Resource(
        uuid=stable_uuid(content.name, "results.json"),
        title="results.json",
        description="the bundle's results: every requirement's row and the roll-up per level",
        rlinks=[common.Rlink(href="../results.json", media_type="application/json")],
    )


def _recorders(content: BundleContent) -> set[str]:
    return {str(r.inspector["inspector"]) for r in content.requirements
            if r.inspector and r.source == "inspector" and r.inspector.get("inspector")}


def _party(content: BundleContent, name: str) -> str:
    return stable_uuid(content.name, "party", one_line(name))


def _tool(content: BundleContent) -> str:
    return stable_uuid(content.name, "component", "workbench")


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg', '')}"[:300]
