"""A trainee's case from an exercise's sample device: its artefacts and declaration, the exercise's level,
the trainee as the case's inspector, and the exercise marker that makes the notebooks hide the answers.
Never the answer key, never the instructor's verdicts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.training.key import AnswerKey


def start_exercise(key: AnswerKey, target: Path, trainee: str) -> Any:
    """Create the trainee's case at `target` (which must not exist); the Case."""
    if target.exists():
        raise WorkbenchError("already exists; a trainee's case is never replaced", path=str(target))
    source = key.device_spec()
    exercise = {"id": key.exercise, "title": key.title, "trainee": trainee, "feedback": key.feedback}
    info = {"level": key.level, "inspectors": [trainee], "exercise": exercise}
    if key.catalog:
        info["catalog_edition"] = key.catalog
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir() and (source / "case.yaml").is_file():
        return _from_case(source, target, info)
    return _from_device_spec(source, target, info)


def _from_device_spec(spec: Path, target: Path, overrides: dict[str, Any]) -> Any:
    from workbench.demo import build_case, load_demo_case

    if spec.name != "device.yaml":
        raise WorkbenchError("the key's device is neither a device.yaml nor a case folder", path=str(spec))
    device = load_demo_case(spec.parent.name, cases_dir=spec.parent.parent)
    info = {**device.info, **overrides}
    for field in ("catalog_source", "catalog_sha256", "created_at"):
        info.pop(field, None)
    return build_case(replace(device, name=target.name, info=info), target.parent)


def _from_case(source: Path, target: Path, overrides: dict[str, Any]) -> Any:
    """Copy an instructor's case: its artefacts (not the probe's) and declaration, never its verdicts."""
    from workbench.case import Case, CaseInfo

    origin = Case.open(source)
    info = {**origin.info.to_yaml_dict(), **overrides}
    for field in ("catalog_source", "catalog_sha256", "created_at", "schema_version"):
        info.pop(field, None)
    case = Case.create(target, CaseInfo.model_validate(info))
    for artefact in origin.artefacts():
        if artefact.origin == "probe" or artefact.kind == "attachment":
            continue
        case.add_artefact(artefact.path, artefact.kind, name=artefact.name,
                          added_by="workbench exercise start")
    if origin.declaration_path.is_file():
        case.declare(origin.declaration_path, added_by="workbench exercise start")
    return case
