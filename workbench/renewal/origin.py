"""Where a renewed case came from: the old case as renewal.json's `from` names it, found again.

`from.case` is the old case's folder relative to the new case's (both may move together),
`from.case_absolute` the folder as it was when renewed (a reader's aid, tried second). The old case's
identity (device, vendor, model, serial number, firmware version) is kept beside them: a folder found
at either place, or given with `--old`, is the old case only when its case.yaml names the same device
and it holds the records the plan offers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.case import Case
from workbench.case.places import other_case_places
from workbench.errors import CaseError, WorkbenchError

IDENTITY = ("device", "vendor", "model", "serial_number", "firmware_version")
SAME_DEVICE = ("device", "vendor", "model")  # what a case of the same device shares across versions


def origin_of(old: Case, new_folder: Path, device: str, catalog_edition: str) -> dict[str, Any]:
    """renewal.json's `from`: the old case, relative to the new case's folder and absolute, and who it is."""
    info = old.info
    return {
        "case": os.path.relpath(old.path, new_folder),
        "case_absolute": str(old.path),
        "device": device,
        "catalog_edition": catalog_edition,
        "device_name": info.device,
        **{k: getattr(info, k, None) for k in IDENTITY if k != "device"},
    }


def identity_of(origin: dict[str, Any], new: Case) -> dict[str, Any]:
    """The old case's device as the plan names it; a plan without it: the new case's (renew copies it)."""
    if "vendor" in origin:
        return {"device": origin.get("device_name"), "vendor": origin["vendor"], "model": origin.get("model")}
    return {k: getattr(new.info, k) for k in SAME_DEVICE}


def not_the_old_case(case: Case, origin: dict[str, Any], new: Case, records: dict[str, str]) -> str:
    """Why `case` is not the case the plan was made from ("" when it is): another device, or it lacks
    a record the plan offers (`records`: requirement id -> record id)."""
    expected = identity_of(origin, new)
    differ = [k for k in SAME_DEVICE if expected.get(k) is not None and getattr(case.info, k) != expected[k]]
    if differ:
        said = ", ".join(f"{k} {getattr(case.info, k)!r} (the plan's: {expected[k]!r})" for k in differ)
        return f"another device: {said}"
    for rid, record in sorted(records.items()):
        if record not in {r.id for r in case.verdicts.history(rid)}:
            return f"it holds no record {record} of {rid}, which the plan offers"
    return ""


def find_old_case(origin: dict[str, Any], new: Case, records: dict[str, str],
                  given: str | None = None) -> Case:
    """The old case: `given` (`--old`) when named, else the first place the plan names that is it.
    CaseError when it cannot be found or is not the case the plan was made from."""
    if given is not None:
        case = Case.open(given)
        why = not_the_old_case(case, origin, new, records)
        if why:
            raise CaseError(f"not the case {new.path.name} was renewed from: {why}", path=given)
        return case
    tried = []
    for place in other_case_places(origin, new.path):
        try:
            case = Case.open(place)
        except WorkbenchError as exc:
            tried.append(str(exc) if exc.path else f"{place}: {exc.message}")
            continue
        why = not_the_old_case(case, origin, new, records)
        if not why:
            return case
        tried.append(f"{place}: {why}")
    said = "; ".join(tried) or "the plan names no folder"
    raise CaseError(f"the old case cannot be found ({said}): name it with --old OLD", path=str(new.path))
