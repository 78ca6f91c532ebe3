"""The case overview: artefacts, progress across all checks, readiness per level, evidence to add."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.i18n import N_, _, tr
from workbench.judgement import ERROR, level_results
from workbench.ui.evidence import add_hint, artefact_frame
from workbench.ui.html import block, bullet_list, element, heading, para, show
from workbench.ui.publish import source_label
from workbench.ui.requirement import stars, title_of
from workbench.ui.tables import frame_html, frame_text, headed

READINESS = {"PASS": N_("conforms"), "FAIL": N_("does not conform"), "INCOMPLETE": N_("not ready")}
HIDDEN = N_("hidden")  # a trainee's case: the check's proposal, until the feedback (workbench.case.exercise)
AUTOMATION = {"automatic": N_("automatic"), "assisted": N_("assisted"), "manual": N_("manual")}
PROGRESS_COLUMNS = (
    N_("id"), N_("level"), N_("title"), N_("automation"), N_("applicable"), N_("check proposes"),
    N_("final verdict"), N_("source"), N_("stale"), N_("error"),
)  # fmt: skip
LEVEL_COLUMNS = (
    N_("level"), N_("requirements"), N_("recorded by an inspector"), N_("automatic"), N_("pending"),
    N_("stale"), N_("errors"),
)  # fmt: skip
READINESS_COLUMNS = (
    N_("level"), N_("requirements"), N_("passed or not applicable"), N_("failed"),
    N_("open (pending, inconclusive, needs inspector, error)"), N_("stale"), N_("status"),
)  # fmt: skip


def _hidden(overview: Any, requirement_id: str) -> bool:
    return bool(getattr(overview, "answers_hidden", lambda _id: False)(requirement_id))


def exercise_note(overview: Any) -> str:
    """One line for a trainee's case: whose exercise this is and what is hidden ('' otherwise)."""
    exercise = getattr(overview.case.info, "exercise", None)
    if exercise is None:
        return ""
    if exercise.feedback:
        return tr(
            "Exercise '{title}' ({id}), trainee {trainee}: the check's proposals and verdicts are hidden; "
            "shown as feedback once you have recorded your verdict on it. Only your own verdicts count "
            "here.",
            title=exercise.title,
            id=exercise.id,
            trainee=exercise.trainee,
        )
    return tr(
        "Exercise '{title}' ({id}), trainee {trainee}: the check's proposals and verdicts are hidden; "
        "this exercise gives no feedback: the instructor shows them at grading. Only your own verdicts "
        "count here.",
        title=exercise.title,
        id=exercise.id,
        trainee=exercise.trainee,
    )


def _title(overview: Any, state: Any) -> str:
    """A requirement's title in the current language, from the overview's catalogue when it has it."""
    catalog = getattr(overview, "catalog", None)
    try:
        requirement = catalog.get(state.id) if catalog is not None else None
    except Exception:  # a state the catalogue lacks (the batch's): its own title
        requirement = None
    return title_of(requirement) if requirement is not None else state.title


def _word(words: dict[str, str], value: Any) -> str:
    name = str(getattr(value, "value", value))
    return _(words[name]) if name in words else name


def progress_frame(overview: Any) -> pd.DataFrame:
    """One row per requirement: level, automation, what the check proposes, the final verdict."""
    rows = []
    for s in overview.statuses:
        rows.append(
            {
                "id": s.id,
                "level": stars(s.level),
                "title": _title(overview, s),
                "automation": _word(AUTOMATION, s.automation),
                "applicable": _("yes") if s.level <= overview.level else _("no (above target level)"),
                "check proposes": _(HIDDEN) if _hidden(overview, s.id) else s.proposed or ERROR,
                "final verdict": s.verdict,
                "source": source_label(s.source),
                "stale": _("stale") if s.stale else "",
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


def _status(result: str, failed: int, open_: int, stale: int, pending: bool) -> str:
    """A level's readiness in words, with what stands in the way."""
    if failed:
        return tr("{status}: {failed} failed", status=_(READINESS[result]), failed=failed)
    if pending:
        return tr(
            "{status}: {open} open, {stale} stale", status=_(READINESS[result]), open=open_, stale=stale
        )
    return _(READINESS[result])


def readiness_frame(overview: Any) -> pd.DataFrame:
    """For each level (a level includes the lower ones): the judgement's roll-up, as the batch
    reports it (workbench.judgement.levels)."""
    rows = []
    for level, outcome in level_results(overview.statuses, overview.top_level).items():
        stale = [s.id for s in overview.statuses if s.level <= level and s.stale]
        open_ = [p["id"] for p in outcome["pending"] if p["id"] not in stale]
        status = _status(
            outcome["result"], len(outcome["failed"]), len(open_), len(stale), bool(outcome["pending"])
        )
        rows.append(
            {
                "level": tr("{stars} (target)", stars=stars(level))
                if level == overview.level
                else stars(level),
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
        lines.append(
            tr(
                "{kind} — needed by {ids}: {hint}",
                kind=kind,
                ids=", ".join(ids),
                hint=add_hint(kind, overview.case.path),
            )
        )
    pending = overview.pending()
    if pending:
        lines.append(
            tr(
                "inspector verdicts pending for {ids}: open each notebook and record one",
                ids=", ".join(pending),
            )
        )
    return lines


def show_artefacts(case: Any) -> None:
    """Every artefact in the case with its kind, SHA-256 and size, and the declaration's hash."""
    frame = artefact_frame(case.artefacts())
    digest = case.declaration_sha256()
    declaration = (
        tr("declaration.yaml: sha256 {digest}", digest=digest)
        if digest
        else _("No declaration.yaml in the case.")
    )
    body = (
        frame_html(frame, evidence=True)
        if not frame.empty
        else para(_("The case holds no artefacts yet."), "muted")
    )
    show(block(body, para(declaration)), frame_text(frame) + "\n" + declaration)


def show_progress(overview: Any) -> None:
    """Progress per level, then one row per requirement with its final verdict and source."""
    per_level = headed(level_progress_frame(overview), LEVEL_COLUMNS)
    rows = headed(progress_frame(overview), PROGRESS_COLUMNS)
    note = exercise_note(overview)
    show(
        block(
            element("div", para(note), "note") if note else "",
            para(overview.scope, "muted"),
            heading(_("Per level"), 4),
            frame_html(per_level),
            heading(_("Per requirement"), 4),
            frame_html(rows),
        ),
        (note + "\n" if note else "") + overview.scope + "\n" + frame_text(per_level),
    )


def show_readiness(overview: Any) -> None:
    """Whether each level can be declared met, and what stands in the way."""
    frame = headed(readiness_frame(overview), READINESS_COLUMNS)
    show(block(frame_html(frame, limit=2000)), frame_text(frame, limit=2000))  # id lists: cut late


def show_evidence_to_add(overview: Any) -> None:
    """The evidence kinds the checks miss, which requirements need them, and how to add them."""
    lines = evidence_to_add(overview)
    if not lines:
        show(
            block(para(_("Nothing to add: every applicable check has its evidence and a verdict."))),
            _("Nothing to add."),
        )
        return
    show(block(element("div", bullet_list(lines), "note")), "\n".join(lines))
