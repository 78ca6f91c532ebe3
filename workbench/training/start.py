"""A trainee's case from an exercise's sample device: its artefacts and declaration, the exercise's level,
the trainee as the case's inspector, and the exercise marker that makes the notebooks hide the answers.
Never the answer key, never the instructor's verdicts. A sample device whose description names a simulated
live device (`live: {variant: NAME}` in its device.yaml) can be probed into the case, as `workbench demo`
probes its cameras."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from workbench.errors import WorkbenchError
from workbench.training.key import AnswerKey


def start_exercise(key: AnswerKey, target: Path, trainee: str, language: str | None = None) -> Any:
    """Create the trainee's case at `target` (which must not exist); the Case. `language` (en, ja) becomes
    the case's language (None: the sample device's, else English) and the exercise's title is the key's
    in that language."""
    if target.exists():
        raise WorkbenchError("already exists; a trainee's case is never replaced", path=str(target))
    source = key.device_spec()
    title = key.title_in(language) if language else key.title
    exercise = {"id": key.exercise, "title": title, "trainee": trainee, "feedback": key.feedback}
    info: dict[str, Any] = {"level": key.level, "inspectors": [trainee], "exercise": exercise}
    if language:
        info["language"] = language
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


@dataclass(frozen=True)
class LiveProbe:
    """What became of the live probe: one line to show, and whether it probed, was skipped or failed."""

    line: str
    status: Literal["probed", "skipped", "failed"]


def live_variant(key: AnswerKey) -> str | None:
    """The simulated device the key's sample device names (`live: {variant: NAME}` in its device.yaml),
    or None when it names none (or the key's device is a case folder)."""
    from workbench.case.yamlio import read_yaml
    from workbench.simdevice.variants import services

    spec = key.device_spec()
    if spec.name != "device.yaml" or not spec.is_file():
        return None
    described = read_yaml(spec, name=str(spec))
    live = described.get("live") if isinstance(described, dict) else None
    if live is None:
        return None
    variant = live.get("variant") if isinstance(live, dict) else None
    if not isinstance(variant, str) or not variant:
        raise WorkbenchError("'live' names the simulated device as {variant: NAME}", path=str(spec))
    try:
        services(variant)
    except ValueError as problem:
        raise WorkbenchError(f"live.variant: {problem}", path=str(spec)) from None
    return variant


def probe_live_device(case: Any, variant: str) -> LiveProbe:
    """Run the simulated device and the live probe into the trainee's case, as `workbench demo` does
    (inside a private network namespace; skipped where none can be made)."""
    from workbench.case import Case
    from workbench.demo import probe_simulated_device
    from workbench.simdevice.netns import netns_problem

    line = probe_simulated_device(case, variant, by="workbench exercise start")
    if any(a.origin == "probe" for a in Case.open(case.path).artefacts()):
        return LiveProbe(line, "probed")
    return LiveProbe(line, "skipped" if netns_problem() else "failed")
