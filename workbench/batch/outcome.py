"""What an executed notebook shows that the batch needs to know: whether it holds widgets."""

from __future__ import annotations

from typing import Any


def has_widgets(nb: Any) -> bool:
    return any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in nb.get("cells", ())
        for output in cell.get("outputs", ())
    )
