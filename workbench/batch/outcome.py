"""Read a check's outcome from an executed notebook: its `application/vnd.workbench.check+json` output."""

from __future__ import annotations

from typing import Any

CHECK_MIME = "application/vnd.workbench.check+json"


def find_outcome(nb: Any, requirement_id: str | None = None) -> dict[str, Any] | None:
    """The last check outcome the notebook published (for `requirement_id` if given), else None."""
    found: dict[str, Any] | None = None
    for cell in nb.get("cells", ()):
        for output in cell.get("outputs", ()) if cell.get("cell_type") == "code" else ():
            payload = output.get("data", {}).get(CHECK_MIME)
            if not isinstance(payload, dict):
                continue
            if requirement_id and payload.get("requirement_id") != requirement_id:
                continue
            found = payload
    return found


def has_widgets(nb: Any) -> bool:
    return any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in nb.get("cells", ())
        for output in cell.get("outputs", ())
    )
