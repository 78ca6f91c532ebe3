"""renewal.json: the plan of a renewed case, written by `renew_case`, read by `case carry` and the overview.

    {"format": 1, "from": {"case" (relative to the new case's folder), "case_absolute", "device",
     "catalog_edition", "device_name", "vendor", "model", "serial_number", "firmware_version"},
     "catalog_edition", "created_at", "updated_at" (re-planned), "warnings",
     "artefacts": [{"name", "kind", "sha256", "carried", "reason"}],
     "requirements": [{"id", "plan": "carry-offered" | "redo" | "new", "reason", "old_record"}]}
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import CaseError
from workbench.fsutil import atomic_write_json
from workbench.i18n import N_, _, tr
from workbench.renewal.origin import origin_of

PLAN_FILE = "renewal.json"
PLAN_FORMAT = 1
PLANS = ("carry-offered", "redo", "new")
MAX_PLAN_BYTES = 8 << 20


def plan_of(row: dict[str, Any]) -> dict[str, Any]:
    """One requirement's plan from its comparison row: whether the old case's latest inspector verdict
    may carry over (`offer`), whatever the new case holds."""
    offer = row.get("offer") or {"carry": row["carry"], "reason": row["carry_reason"]}
    if row["status"] == "added-requirement":
        plan, reason = "new", _("not in the old case's catalogue")
    elif offer["carry"] == "carry-over":
        plan, reason = "carry-offered", offer["reason"]
    elif offer["carry"] == "redo":
        plan, reason = "redo", offer["reason"]
    else:
        plan, reason = "redo", tr("{reason}: judged anew", reason=offer["reason"])
    return {"id": row["id"], "title": row["title"], "plan": plan, "reason": reason,
            "old_verdict": row["old_verdict"], "new_verdict": row["new_verdict"], "status": row["status"],
            "old_record": row["old_record"]}


def write_plan(new: Any, old: Any, comparison: Any, artefacts: list[dict[str, Any]], *,
               folder: Path | None = None, created_at: str | None = None) -> dict[str, Any]:
    """Write renewal.json into `new` (`folder`: where the new case will be, when built elsewhere;
    `created_at`: the first plan's, when re-planned)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    plan = {
        "format": PLAN_FORMAT,
        "from": origin_of(old, folder or new.path, comparison.old["device"],
                          comparison.old["catalog_edition"]),
        "catalog_edition": comparison.new["catalog_edition"],
        "created_at": created_at or now,
        **({"updated_at": now} if created_at else {}),
        "warnings": list(comparison.warnings),
        "artefacts": artefacts,
        "requirements": [plan_of(row) for row in comparison.rows if row["status"] != "removed-requirement"],
    }
    atomic_write_json(new.path / PLAN_FILE, plan)
    return plan


def load_plan(case: Any) -> dict[str, Any] | None:
    """The case's renewal plan, or None when the case is no renewal (CaseError when it is unreadable)."""
    path = case.path / PLAN_FILE
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CaseError(f"cannot read the renewal plan: {exc.strerror or exc}", path=str(path)) from None
    try:
        if len(raw) > MAX_PLAN_BYTES:
            raise ValueError("too large for a renewal plan")
        data = json.loads(raw)
        _check(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise CaseError(f"not a renewal plan: {exc}", path=str(path)) from None
    return data


def _check(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise ValueError(f"expected a mapping of format {PLAN_FORMAT}")
    origin = data["from"]
    if not isinstance(origin, dict) or not isinstance(origin.get("case"), str):
        raise ValueError("'from' must name the old case")
    if not isinstance(data["requirements"], list):
        raise ValueError("'requirements' must be a list")
    for item in data["requirements"]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or item.get("plan") not in PLANS:
            raise ValueError(f"a requirement's plan is malformed: {str(item)[:80]}")
        record = item.get("old_record")
        if record is not None and not (isinstance(record, dict) and isinstance(record.get("id"), str)):
            raise ValueError(f"{item['id']}: old_record must name the record")
        if not isinstance(item.get("reason", ""), str):
            raise ValueError(f"{item['id']}: the reason must be text")


def plan_frame(case: Any) -> Any:
    """The plan as a table (id, plan, reason, old verdict and inspector, carried by whom), the
    requirements an inspector decided in the old case first; None when the case is no renewal."""
    import pandas as pd

    plan = load_plan(case)
    if plan is None:
        return None
    rows = []
    for item in plan["requirements"]:
        record = item.get("old_record") or {}
        latest = case.verdicts.latest(item["id"])
        carried = latest is not None and (latest.carried_from or {}).get("record") == record.get("id")
        rows.append({
            "id": item["id"], "plan": item["plan"], "reason": item.get("reason", ""),
            "old verdict": record.get("verdict") or "", "old inspector": record.get("inspector") or "",
            "carried by": latest.inspector if carried and latest else "",
        })
    order = {"carry-offered": 0, "redo": 1, "new": 2}
    frame = pd.DataFrame(rows, columns=["id", "plan", "reason", "old verdict", "old inspector", "carried by"])
    keys = [(order[r["plan"]] + (0 if r["old verdict"] else 3), i) for i, r in enumerate(rows)]
    return frame.iloc[[i for _, i in sorted(keys)]].reset_index(drop=True)


def plan_html(case: Any) -> str | None:
    """The overview's renewal section as HTML (every value escaped), or None when the case is no renewal."""
    frame = plan_frame(case)
    if frame is None:
        return None
    origin = (load_plan(case) or {}).get("from", {})
    decided = frame[frame["old verdict"] != ""]
    others = frame[frame["old verdict"] == ""]
    counts = ", ".join(f"{n} {p}" for p, n in decided["plan"].value_counts().items()) or _("none")
    head = "".join(f"<th>{_escape(_(COLUMNS.get(c, c)))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_escape(v)}</td>" for v in row) + "</tr>"
                   for row in decided.itertuples(index=False))
    said = [_escape(origin.get(k)) for k in ("case", "device", "catalog_edition")]
    lead = tr("Renewed from {case} ({device}, catalogue {edition}). Inspector verdicts of the old case:"
              " {counts}. An offered verdict is recorded only when an inspector confirms it: {command}.",
              case=said[0], device=said[1], edition=said[2], counts=_escape(counts),
              command="<code>workbench case carry CASE ID --inspector NAME</code>")
    rest = tr("{n} requirement(s) had no inspector verdict in the old case, or are new in its catalogue:"
              " judged anew.", n=len(others))
    title = _escape(_("Renewal plan"))
    return (
        f"<div class='wb'><h3>{title}</h3><p>{lead}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p>{_escape(rest)}</p></div>"
    )


COLUMNS = {  # the plan table's columns as the overview heads them
    "id": N_("id"),
    "plan": N_("plan"),
    "reason": N_("reason"),
    "old verdict": N_("old verdict"),
    "old inspector": N_("old inspector"),
    "carried by": N_("carried by"),
}


def show_plan(case: Any) -> None:
    """The overview notebook's renewal section: the plan, or nothing when the case is no renewal."""
    from IPython.display import HTML, display

    shown = plan_html(case)
    if shown is not None:
        display(HTML(shown))


def _escape(value: Any) -> str:
    import html

    return html.escape(str(value if value is not None and value != "" else "—"))
