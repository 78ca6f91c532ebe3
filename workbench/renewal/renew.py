"""`renew_case`: a new case for a new firmware version or catalogue edition, planned from the old one.

The new case takes the old one's case.yaml (the firmware version and catalogue as given), each old
artefact by hash unless files of its kind are given (those replace every old one of that kind), the
attachments, and the declaration (or the one given). The old case is never changed. No verdict is
copied: `renewal.json` plans, per requirement, which inspector verdicts are offered to carry over
(`workbench case carry` records each as a new record), which must be redone and which are new.
The case is built in a hidden folder beside NEW and renamed into place when whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.case import Case, CaseInfo
from workbench.case.catalogref import CatalogRef, source_to_load
from workbench.case.declaration import load_declaration
from workbench.catalog import load_catalog
from workbench.errors import CaseError
from workbench.fsutil import remove_tree
from workbench.i18n import N_, _, tr
from workbench.renewal.compare import compare_cases
from workbench.renewal.plan import write_plan

PROBE_NOTE = N_("the live probe tested the old firmware: probe the device again")


def renew_case(
    old: Case,
    new_path: str | os.PathLike[str],
    *,
    firmware: Iterable[str | os.PathLike[str]] = (),
    captures: Iterable[str | os.PathLike[str]] = (),
    declaration: str | os.PathLike[str] | None = None,
    catalog: str | os.PathLike[str] | None = None,
    firmware_version: str | None = None,
    inspector: str | None = None,
) -> Case:
    """The new case at `new_path`, with its renewal plan (renewal.json); `inspector`, who renews, joins
    the case's inspectors."""
    target = Path(new_path).absolute()
    if target.resolve() == old.path.resolve():
        raise CaseError("that is the old case itself: name a new folder for the renewed case",
                        path=str(new_path))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CaseError("refusing to renew into it: not an empty folder", path=str(new_path))
    if old.path.resolve() in target.resolve().parents:
        raise CaseError("the new case goes beside the old one, not inside it", path=str(new_path))
    firmware, captures = [Path(f) for f in firmware], [Path(c) for c in captures]
    if firmware and not firmware_version:
        firmware_version = declared_version(declaration, old.info.firmware_version)
    info = renewed_info(old.info, catalog, firmware_version, inspector)
    building = target.parent / f".{target.name}.renewing-{os.getpid()}"
    if building.is_symlink():
        raise CaseError("refusing to build the new case through a symbolic link", path=str(building))
    remove_tree(building)
    try:
        new = Case.create(building, info)
        carried = carry_artefacts(old, new, replaced={"firmware": firmware, "capture": captures})
        for path, kind in [*((f, "firmware") for f in firmware), *((c, "capture") for c in captures)]:
            add_given(new, path, kind)
        source = Path(declaration) if declaration else old.declaration_path
        if declaration or source.is_file():
            new.declare(source)
        comparison = compare_cases(old, new)
        write_plan(new, old, comparison, carried, folder=target)
        if target.is_dir():
            target.rmdir()
        os.rename(building, target)
    except BaseException:
        remove_tree(building)
        raise
    return Case.open(target)


def declared_version(declaration: str | os.PathLike[str] | None, old_version: str) -> str:
    """The new image's version when not given: the new declaration's `firmware_version`, when it names
    one other than the old case's; else CaseError."""
    said = load_declaration(Path(declaration)).firmware_version if declaration else None
    if said and str(said) != old_version:
        return str(said)
    raise CaseError(f"a new firmware image, and the case would still say {old_version}: say which "
                    "version the new image is: --firmware-version V")


def add_given(new: Case, path: Path, kind: str) -> None:
    """Add a file given for the new case; CaseError when it is not added (the same content is already in)."""
    artefact, added = new.import_artefact(path, kind)
    if not added:
        raise CaseError(f"not added to the new case: it has the same SHA-256 as {artefact.name} "
                        f"({artefact.kind}), already in it; nothing was created", path=str(path))


def renewed_info(
    info: CaseInfo, catalog: str | os.PathLike[str] | None, version: str | None, inspector: str | None = None
) -> CaseInfo:
    """The old case.yaml with the new firmware version and catalogue (the old one's when not given)."""
    fields: dict[str, Any] = info.model_dump()
    if inspector:
        fields["inspectors"] = [*fields["inspectors"], inspector]
    for dropped in ("created_at", "schema_version"):
        fields.pop(dropped)
    if version:
        fields["firmware_version"] = version
    if catalog:
        ref = CatalogRef.of(load_catalog(source_to_load(info, catalog)))
        fields.update(catalog_edition=ref.edition, catalog_source=ref.source, catalog_sha256=ref.sha256)
    return CaseInfo.model_validate(fields)


def carry_artefacts(old: Case, new: Case, *, replaced: dict[str, list[Path]]) -> list[dict[str, Any]]:
    """Copy each old artefact into the new case, checked by its SHA-256, unless files of its kind
    were given; what the live probe made is left behind when the firmware changes. Returns, per
    old artefact, whether it was carried and why not."""
    done = []
    for artefact in old.artefacts():
        entry: dict[str, Any] = {"name": artefact.name, "kind": artefact.kind, "sha256": artefact.sha256}
        if replaced.get(artefact.evidence_kind):  # the probe's own capture is probe evidence, kept
            said = tr("replaced by the {kind} given", kind=artefact.kind)
            done.append(entry | {"carried": False, "reason": said})
            continue
        if artefact.origin == "probe" and replaced.get("firmware"):
            done.append(entry | {"carried": False, "reason": _(PROBE_NOTE)})
            continue
        copied = new.add_artefact(
            artefact.path, artefact.kind, artefact.name, requirement=artefact.requirement,
            note=artefact.note, added_by=artefact.added_by or None, origin=artefact.origin,
        )
        if copied.sha256 != artefact.sha256:
            raise CaseError(f"{artefact.name} changed since it entered the old case (SHA-256 differs);"
                            " nothing is carried over", path=str(old.path))
        done.append(entry | {"carried": True, "reason": _("same SHA-256")})
    return done
