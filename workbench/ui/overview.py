"""The case overview: artefacts, progress across all checks, readiness per level, evidence to add."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.judgement import ERROR, level_results
from workbench.ui.evidence import add_hint, artefact_frame
from workbench.ui.html import block, bullet_list, element, heading, para, show
from workbench.ui.requirement import stars
from workbench.ui.tables import frame_html, frame_text

READINESS = {"PASS": "conforms", "FAIL": "does not conform", "INCOMPLETE": "not ready"}
HIDDEN = "hidden"  # a trainee's case: the check's proposal, until the feedback (workbench.case.exercise)


def _hidden(overview: Any, requirement_id: str) -> bool:
    return bool(getattr(overview, "answers_hidden", lambda _id: False)(requirement_id))


def exercise_note(overview: Any) -> str:
    """One line for a trainee's case: whose exercise this is and what is hidden ('' otherwise)."""
    exercise = getattr(overview.case.info, "exercise", None)
    if exercise is None:
        return ""
    after = ("shown as feedback once you have recorded your verdict on it" if exercise.feedback
             else "this exercise gives no feedback: the instructor shows them at grading")
    return (f"Exercise '{exercise.title}' ({exercise.id}), trainee {exercise.trainee}: the check's proposals "
            f"and verdicts are hidden; {after}. Only your own verdicts count here.")


def progress_frame(overview: Any) -> pd.DataFrame:
    """One row per requirement: level, automation, what the check proposes, the final verdict."""
    rows = []
    for s in overview.statuses:
        rows.append(
            {
                "id": s.id,
                "level": stars(s.level),
                "title": s.title,
                "automation": s.automation,
                "applicable": "yes" if s.level <= overview.level else "no (above target level)",
                "check proposes": HIDDEN if _hidden(overview, s.id) else s.proposed or ERROR,
                "final verdict": s.verdict,
                "source": s.source,
                "stale": "stale" if s.stale else "",
                "error": s.error or "",
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty and not frame["error"].astype(bool).any():
        frame = frame.drop(columns=["error"])
    return frame


def level_progress_frame(overview: Any) -> pd.DataFrame:
    """Per level of the requirements: how many verdicts are recorded, automatic, pending, stale."""
    rows = []
    for level in (1, 2, 3):
        chosen = [s for s in overview.statuses if s.level == level]
        if not chosen:
            continue
        rows.append(
            {
                "level": stars(level),
                "requirements": len(chosen),
                "recorded by an inspector": sum(s.source == "inspector" for s in chosen),
                "automatic": sum(s.source == "automatic" for s in chosen),
                "pending": sum(s.source == "pending" for s in chosen),
                "stale": sum(s.stale for s in chosen),
                "errors": sum(s.verdict == ERROR for s in chosen),
            }
        )
    return pd.DataFrame(rows)


def readiness_frame(overview: Any) -> pd.DataFrame:
    """For each level (a level includes the lower ones): the judgement's roll-up, as the batch
    reports it (workbench.judgement.levels)."""
    rows = []
    for level, outcome in level_results(overview.statuses, overview.top_level).items():
        stale = [s.id for s in overview.statuses if s.level <= level and s.stale]
        open_ = [p["id"] for p in outcome["pending"] if p["id"] not in stale]
        status = READINESS[outcome["result"]]
        if outcome["failed"]:
            status += f": {len(outcome['failed'])} failed"
        elif outcome["pending"]:
            status += f": {len(open_)} open, {len(stale)} stale"
        rows.append(
            {
                "level": stars(level) + (" (target)" if level == overview.level else ""),
                "requirements": outcome["requirements"],
                "passed or not applicable": outcome["passed"],
                "failed": ", ".join(outcome["failed"]),
                "open (pending, inconclusive, needs inspector, error)": ", ".join(open_),
                "stale": ", ".join(stale),
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def evidence_to_add(overview: Any) -> list[str]:
    lines = []
    for kind, ids in sorted(overview.missing_kinds().items()):
        lines.append(f"{kind} — needed by {', '.join(ids)}: {add_hint(kind, overview.case.path)}")
    pending = overview.pending()
    if pending:
        lines.append(
            f"inspector verdicts pending for {', '.join(pending)}: open each notebook and record one"
        )
    return lines


def show_artefacts(case: Any) -> None:
    """Every artefact in the case with its kind, SHA-256 and size, and the declaration's hash."""
    frame = artefact_frame(case.artefacts())
    digest = case.declaration_sha256()
    declaration = f"declaration.yaml: sha256 {digest}" if digest else "No declaration.yaml in the case."
    body = frame_html(frame) if not frame.empty else para("The case holds no artefacts yet.", "muted")
    show(block(body, para(declaration)), frame_text(frame) + "\n" + declaration)


def show_progress(overview: Any) -> None:
    """Progress per level, then one row per requirement with its final verdict and source."""
    per_level = level_progress_frame(overview)
    rows = progress_frame(overview)
    note = exercise_note(overview)
    show(
        block(
            element("div", para(note), "note") if note else "",
            para(overview.scope, "muted"), heading("Per level", 4), frame_html(per_level),
            heading("Per requirement", 4), frame_html(rows),
        ),
        (note + "\n" if note else "") + overview.scope + "\n" + frame_text(per_level),
    )


def show_readiness(overview: Any) -> None:
    """Whether each level can be declared met, and what stands in the way."""
    frame = readiness_frame(overview)
    show(block(frame_html(frame, limit=2000)), frame_text(frame, limit=2000))  # id lists: cut late


def show_evidence_to_add(overview: Any) -> None:
    """The evidence kinds the checks miss, which requirements need them, and how to add them."""
    lines = evidence_to_add(overview)
    if not lines:
        show(
            block(para("Nothing to add: every applicable check has its evidence and a verdict.")),
            "Nothing to add.",
        )
        return
    show(block(element("div", bullet_list(lines), "note")), "\n".join(lines))
