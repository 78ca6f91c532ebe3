"""The demo's re-inspection: the defective camera's firmware update 2.2, renewed from the 2.1 case.

`workbench demo` renews `OUT/cases/defective` into `OUT/cases/defective-v2` with the 2.2 image and
declaration (sample_captures/cases/defective-v2/), runs the batch on it, and writes the comparison of
the two cases, `OUT/evidence/compare-defective-2.1-2.2.html`: what the update fixed, what it broke,
and which inspector verdicts could carry over. The 2.1 capture is carried over by hash (it did not
change); a live probe of 2.1 is not (it tested the old firmware).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

RENEWED = "defective-v2"
RENEWED_FROM = "defective"
INSPECTOR = "Demo Inspector"
WALKTHROUGH = (  # what the demo inspector records on 2.1 after its batch, as the notebook's widget does
    ("ATK-08", "PASS", "Opened the enclosure: the UART header J3 is unpopulated, no JTAG pads.", False),
    ("AUTH-02", "FAIL", "Confirmed: root's password is stored as DES crypt in /etc/shadow.", True),
)


def record_walkthrough(case: Any) -> list[str]:
    """The demo inspector's verdicts on the 2.1 case (the widget's default evidence where it cites any)."""
    from workbench.notebook import open_check

    lines = []
    for rid, verdict, rationale, cites in WALKTHROUGH:
        session = open_check(case.path, rid, interactive=False)
        refs = session.evidence_refs() if cites else []
        session.record(verdict, rationale, INSPECTOR, refs)
        lines.append(f"{INSPECTOR} recorded {verdict} for {rid} on {case.info.firmware_version}")
    return lines


def carry_offered(new: Any) -> list[str]:
    """The offered verdicts of the renewal, confirmed by the demo inspector (`workbench case carry --all`)."""
    from workbench.renewal.confirm import carry_verdicts

    done = carry_verdicts(new, None, INSPECTOR)
    lines = [f"carried {r.requirement_id} ({r.verdict}), confirmed by {r.inspector}" for r in done]
    return lines + [f"not carried {rid}: {why}" for rid, why in done.refused.items()]


def renew_demo_case(old: Any, spec: Any, target: Path) -> Any:
    """The 2.2 case (`spec`: its demo case description) renewed from the 2.1 demo case into `target`."""
    from workbench.renewal.renew import renew_case

    images = [path for path, kind in spec.artefacts if kind == "firmware"]
    return renew_case(
        old,
        target,
        firmware=images,
        declaration=spec.declaration,
        firmware_version=str(spec.info["firmware_version"]),
    )


def write_comparison(old: Any, new: Any, evidence_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The comparison page of the two cases in the evidence folder: (its path, the comparison's JSON)."""
    from workbench.fsutil import atomic_write_text
    from workbench.renewal.compare import compare_cases
    from workbench.renewal.page import render_comparison

    name = f"compare-{RENEWED_FROM}-{old.info.firmware_version}-{new.info.firmware_version}.html"
    page = evidence_dir / name
    given = (os.path.relpath(old.path, evidence_dir), os.path.relpath(new.path, evidence_dir))  # as the page
    # sees them
    data = compare_cases(old, new, given=given).to_json()
    atomic_write_text(page, render_comparison(data))
    return page, data


def summary_lines(data: dict[str, Any]) -> list[str]:
    """What the update fixed and broke, for the demo's log."""
    by_status: dict[str, list[str]] = {}
    for row in data["requirements"]:
        by_status.setdefault(row["status"], []).append(row["id"])
    lines = []
    for status in ("fixed", "new-defect", "still-failing"):
        ids = by_status.get(status, [])
        lines.append(f"{status}: {', '.join(ids) if ids else 'none'}")
    return lines
