"""The few calls a notebook makes: open a requirement's check (or the whole case), record, publish.

Imports stay light (the batch starts a kernel per notebook): no scapy, lief or matplotlib here.
Analyses are read from the case's cache through the EvidenceContext; nothing is re-analysed per
notebook.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.case.exercise import answers_hidden
from workbench.catalog.fingerprint import requirement_sha256
from workbench.checks.context import EvidenceContext
from workbench.errors import CaseError, CheckError, EvidenceError, NotebookError
from workbench.i18n import DEFAULT_LANGUAGE, check_language, ntr, set_language, tr
from workbench.judgement import (
    INSPECTOR_VERDICTS,
    PENDING,
    STARS,
    FinalVerdict,
    JudgedRequirement,
    JudgedStates,
    Outcome,
    RequirementState,
    assess,
    cited_artefacts,
    evidence_to_add,
    hashes_now,
    judge,
    judged_hashes,
    read_outcome,
    read_states,
    run_check,
    stale_reasons,
)
from workbench.judgement.state import check_for, jsonable

if TYPE_CHECKING:
    import pandas as pd

    from workbench.case import Artefact, Case
    from workbench.catalog import Catalog, Requirement
    from workbench.checks.base import Check, CheckResult

MIME_TYPE = "application/vnd.workbench.check+json"  # the outcome a notebook shows, machine-readable
OVERVIEW_NOTEBOOK = "00-case-overview.ipynb"
LIVE_NOTEBOOK = "00-live-tests.ipynb"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# --- where the notebooks are -------------------------------------------------------------------
def notebooks_dir(language: str | None = None) -> Path:
    """The folder of the notebooks in `language` (WORKBENCH_NOTEBOOKS overrides the repository's):
    English ones in it, each other language's in its subfolder (notebooks/ja/)."""
    override = os.environ.get("WORKBENCH_NOTEBOOKS")
    base = Path(override) if override else Path(__file__).resolve().parents[1] / "notebooks"
    lang = check_language(language)
    return base if lang == DEFAULT_LANGUAGE else base / lang


def notebook_path(requirement_id: str, language: str | None = None) -> Path:
    if not _SAFE_ID.match(requirement_id):
        raise NotebookError(f"not a requirement id: {requirement_id!r}")
    return notebooks_dir(language) / f"{requirement_id}.ipynb"


def case_language(case: Any) -> str:
    """The language a case is inspected in (case.yaml `language`; English when it names none)."""
    return check_language(getattr(case.info, "language", None) or DEFAULT_LANGUAGE)


def use_case_language(case: Any, language: str | None = "") -> str:
    """Make `language` ('' or None: the case's) the kernel's language (workbench.i18n); returns it."""
    return set_language(language or case_language(case))


# --- opening -----------------------------------------------------------------------------------
def _open_case_and_catalog(case_dir: str | Path, catalog: str | Path | None) -> tuple[Case, Catalog]:
    from workbench.case import Case, source_to_load
    from workbench.catalog import load_catalog

    if not str(case_dir).strip():
        raise NotebookError(tr("case_dir is empty: pass the case folder, e.g. -p case_dir cases/cam1"))
    case = Case.open(case_dir)
    return case, load_catalog(source_to_load(case.info, catalog))


def open_check(
    case_dir: str | Path,
    requirement_id: str,
    catalog: str | Path | None = "",
    interactive: bool = True,
    outcome_path: str | Path | None = "",
    language: str | None = "",
) -> CheckSession:
    """Everything a requirement notebook shows, for one case and one requirement.

    `outcome_path`: the outcome the batch judged for this requirement (workbench.judgement.outcome);
    the session then shows it instead of running the check again. Empty: the check runs here.
    `language`: the texts' language, made the kernel's (en or ja; empty: the case's).
    """
    if language:
        set_language(language)  # before opening: its errors are in that language too
    case, cat = _open_case_and_catalog(case_dir, catalog)
    use_case_language(case, language)
    requirement = cat.get(requirement_id)
    ctx = SharedContext(case=case, requirement=requirement)
    given = _batch_file(outcome_path, interactive, "outcome")
    outcome = read_outcome(given, requirement.id) if given else None
    return CheckSession(
        case=case, requirement=requirement, ctx=ctx, interactive=interactive, given=outcome, catalog=cat
    )


def open_case(
    case_dir: str | Path,
    catalog: str | Path | None = "",
    interactive: bool = True,
    states_path: str | Path | None = "",
    language: str | None = "",
) -> CaseOverview:
    """Everything the case overview notebook shows.

    `states_path`: the states the batch judged (workbench.judgement.judged); the overview then shows
    those rows instead of judging the case again. Empty: every requirement is judged here.
    `language`: the texts' language, made the kernel's (en or ja; empty: the case's).
    """
    if language:
        set_language(language)
    case, cat = _open_case_and_catalog(case_dir, catalog)
    use_case_language(case, language)
    given = _batch_file(states_path, interactive, "states")
    judged = read_states(given) if given else None
    return CaseOverview(case=case, catalog=cat, interactive=interactive, judged=judged)


def _batch_file(path: str | Path | None, interactive: bool, what: str) -> str | Path | None:
    """The batch's file to show, or None: none given, or (interactively only) it is gone, as when
    an executed bundle notebook is re-run after the batch's work folder was removed."""
    if not path:
        return None
    if interactive and not Path(path).exists():
        if what == "outcome":
            print(tr("The batch's outcome ({path}) no longer exists: judged here, from the case as it "
                     "is now.", path=path))
        else:
            print(tr("The batch's judged states ({path}) no longer exists: judged here, from the case as it "
                     "is now.", path=path))
        return None
    return path  # in the batch a missing file is an error (read_outcome / read_states say so)


# --- evidence, loaded once -------------------------------------------------------------------------
@dataclass
class SharedContext(EvidenceContext):
    """An EvidenceContext that loads each artefact's cached analysis once, however many times the
    check and the notebook's cells ask, and can share it with the contexts of other requirements."""

    # EvidenceContext keeps the loaded analyses in `_analyses`; this class only passes the dicts
    # of a whole overview to each requirement's context.


# --- one requirement ---------------------------------------------------------------------------
@dataclass
class CheckSession:
    case: Case
    requirement: Requirement
    ctx: EvidenceContext
    interactive: bool = True
    given: Outcome | None = None  # the batch's outcome: shown as it is, the check is not run again
    catalog: Catalog | None = None  # the catalogue `requirement` comes from: verdicts judge against it

    @cached_property
    def check(self) -> Check | None:
        """The registered check (the evidence it needs); None when the installation has none."""
        return check_for(self.requirement.id)

    @cached_property
    def result(self) -> CheckResult:
        """The check's result: the batch's when given, else computed once from the cached analyses."""
        if self.given is None:
            return run_check(self.ctx)
        if self.given.result is None:
            raise CheckError(
                tr("the check failed in the batch: {error}", error=self.given.error),
                requirement=self.requirement.id,
            )
        return self.given.result

    @property
    def recorded(self) -> Any | None:
        """The latest inspector verdict in the case's store (read afresh on every access)."""
        return self.case.verdicts.latest(self.requirement.id)

    @property
    def answers_hidden(self) -> bool:
        """A trainee's case (exercise mode): True while the check's proposal, reasons, findings, observed
        side and a check-sourced final verdict must not be shown (workbench.case.exercise); read afresh,
        so a verdict just recorded in the widget shows the feedback at once when the exercise allows it."""
        return answers_hidden(self.case, self.requirement.id)

    @property
    def exercise(self) -> Any | None:
        """The case's exercise (ExerciseInfo), or None for an inspector's case."""
        return getattr(self.case.info, "exercise", None)

    def state(self) -> RequirementState:
        """Where the requirement stands now, by the judgement (the recorded verdict read afresh)."""
        return judge(self.case, self.requirement, self.result, catalog=self.catalog)

    @property
    def final(self) -> FinalVerdict:
        """The final verdict (inspector's, else automatic, else PENDING), with staleness: the batch's
        when it gave its outcome, else judged now."""
        return self.given.final if self.given is not None else self.state().final

    # evidence ------------------------------------------------------------------------------
    def table(self, kind: str, name: str, columns: Iterable[str] = ()) -> pd.DataFrame:
        """A table of the capture or firmware engine over every artefact of that kind (only
        `columns` if named: the others are not read from the case's cache)."""
        if kind not in ("capture", "firmware"):
            raise EvidenceError(f"no tables for evidence kind {kind!r}: use 'capture' or 'firmware'")
        read = self.ctx.capture_table if kind == "capture" else self.ctx.firmware_table
        return read(name, columns)

    def has(self, kind: str) -> bool:
        return self.ctx.has(kind)

    def attachments(self) -> list[Artefact]:
        """Attachments added for this requirement (or for the whole case)."""
        chosen = []
        for artefact in self.case.artefacts(kind="attachment"):
            target = getattr(artefact, "requirement", None)
            if target in (None, "", self.requirement.id):
                chosen.append(artefact)
        return chosen

    def evidence_refs(self) -> list[str]:
        """Labels of the evidence the findings point at, each once, in order."""
        labels: dict[str, None] = {}
        for finding in self.result.findings:
            for ref in finding.evidence:
                labels.setdefault(ref.label(), None)
        return list(labels)

    def judged_hashes(self) -> dict[str, str]:
        """Name -> SHA-256 of what an inspector's verdict on this requirement rests on, now."""
        return judged_hashes(self.case, self.requirement, self.result)

    def stale_reasons(self) -> list[str]:
        """Why the recorded verdict no longer matches the evidence or the requirement (empty: it
        still does)."""
        return stale_reasons(self.case, self.requirement, self.recorded, catalog=self.catalog)

    def is_stale(self) -> bool:
        return bool(self.stale_reasons())

    # recording and publishing -------------------------------------------------------------
    def record(
        self, verdict: str, rationale: str, inspector: str, evidence_refs: list[str] | None = None
    ) -> Any:
        """Append an inspector verdict to the case's store (never only into notebook state), with the
        catalogue edition and the requirement's hash it was judged against."""
        if verdict not in INSPECTOR_VERDICTS:
            raise CaseError(tr("verdict must be one of {verdicts}, not {verdict}",
                               verdicts=", ".join(INSPECTOR_VERDICTS), verdict=repr(verdict)))
        if not rationale.strip():
            raise CaseError(tr("write a rationale: what you examined and why it supports the verdict"))
        if not inspector.strip():
            raise CaseError(tr("give the inspector's name"))
        return self.case.verdicts.record(
            self.requirement.id,
            verdict,
            rationale.strip(),
            inspector.strip(),
            evidence_refs=[r.strip() for r in (evidence_refs or []) if r.strip()],
            artefact_hashes=self.judged_hashes() | cited_artefacts(self.case, evidence_refs),
            automatic_verdict=self._proposal_to_store(),
            catalog_edition=str(self.catalog.edition) if self.catalog is not None else None,
            requirement_sha256=requirement_sha256(self.requirement),
        )

    def _proposal_to_store(self) -> Any:
        """The check's verdict, kept with the record; never in the case of an exercise without feedback
        (the trainee can read the verdict files)."""
        exercise = self.exercise
        return None if exercise is not None and not exercise.feedback else self.result.verdict

    def outcome(self) -> dict[str, Any]:
        """What the notebook publishes (CONTRACTS.md, "Notebooks and the batch"): in the batch, the
        batch's own outcome, shown as it was given. While the answers are hidden (exercise mode): no
        result, and a final verdict only when it is the trainee's own (else PENDING)."""
        if self.answers_hidden:
            final = self.final.to_dict()
            if final.get("source") != "inspector":
                final = {"verdict": PENDING, "source": "pending", "stale": False}
            return {"requirement_id": self.requirement.id, "result": None, "final": final,
                    "answers_hidden": True}
        return {
            "requirement_id": self.requirement.id,
            "result": jsonable(self.result.to_dict()),
            "final": self.final.to_dict(),
        }

    def publish(self) -> dict[str, Any]:
        """Emit the outcome as one display output: the batch's MIME bundle plus readable views."""
        from workbench.ui.publish import outcome_html, outcome_text

        payload = self.outcome()
        from IPython.display import display

        display(
            {MIME_TYPE: payload, "text/html": outcome_html(payload), "text/plain": outcome_text(payload)},
            raw=True,
        )
        return payload


RequirementSession = CheckSession  # the name docs/CONTRACTS.md gives it (issue 14)


# --- the whole case ----------------------------------------------------------------------------
@dataclass
class CaseOverview:
    case: Case
    catalog: Catalog
    interactive: bool = True
    judged: JudgedStates | None = None  # the batch's states: shown as they are, nothing judged again
    _tables: dict[Any, Any] = field(default_factory=dict, repr=False)
    _analyses: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def level(self) -> int:
        """The target level: the batch's when it gave its states, else the case's."""
        return self.judged.level if self.judged is not None else int(self.case.info.level)

    @property
    def top_level(self) -> int:
        """The highest level whose readiness is shown: the batch's level, else ★★★."""
        return self.judged.level if self.judged is not None else 3

    @property
    def scope(self) -> str:
        """One line saying whose states these are."""
        if self.judged is None:
            return tr("Judged now, from the case as it is: every requirement of the catalogue.")
        count = len(self.judged.requirements)
        if self.judged.selected is not None:
            return ntr(
                "As the batch judged them, ERROR where a check or its notebook failed: only the {n} "
                "requirement(s) selected: {ids}.",
                "As the batch judged them, ERROR where a check or its notebook failed: only the {n} "
                "requirement(s) selected: {ids}.",
                count, ids=", ".join(self.judged.selected),
            )
        return ntr(
            "As the batch judged them, ERROR where a check or its notebook failed: the {n} requirement(s) "
            "up to {level}.",
            "As the batch judged them, ERROR where a check or its notebook failed: the {n} requirement(s) "
            "up to {level}.",
            count, level=STARS.get(self.level, self.level),
        )

    @cached_property
    def statuses(self) -> list[RequirementState | JudgedRequirement]:
        """The batch's states when given; else every requirement of the catalogue, its check run
        and judged (a check that raises is that requirement's ERROR, the others go on). In a trainee's
        case, a requirement whose answers are hidden shows only the trainee's own verdict."""
        states: list[RequirementState | JudgedRequirement]
        if self.judged is not None:
            states = sorted(self.judged.requirements, key=lambda s: (s.level, s.id))
        else:
            hashes = hashes_now(self.case)
            requirements = sorted(self.catalog.requirements, key=lambda r: (r.level, r.id))
            states = [assess(self._context(r), hashes, catalog=self.catalog) for r in requirements]
        latest = self._latest
        return [without_answers(s, latest.get(s.id)) if self.answers_hidden(s.id) else s for s in states]

    @cached_property
    def _latest(self) -> dict[str, Any]:
        return self.case.verdicts.all_latest() if self.case.info.exercise is not None else {}

    def answers_hidden(self, requirement_id: str) -> bool:
        """Exercise mode: the check's proposal for this requirement is not shown (workbench.case.exercise)."""
        return answers_hidden(self.case, requirement_id, self._latest.get(requirement_id))

    def _context(self, requirement: Requirement) -> SharedContext:
        return SharedContext(
            case=self.case, requirement=requirement, _tables=self._tables, _analyses=self._analyses
        )

    def applicable(self) -> list[RequirementState | JudgedRequirement]:
        """The requirements up to the case's target level."""
        return [s for s in self.statuses if s.level <= self.level]

    def missing_kinds(self) -> dict[str, list[str]]:
        """Evidence kind -> applicable, undecided requirement ids whose check lacks it (as the batch
        reports it: workbench.judgement.levels.evidence_to_add)."""
        return evidence_to_add(self.applicable())

    def pending(self) -> list[str]:
        return [s.id for s in self.applicable() if s.source == "pending"]


def without_answers(state: RequirementState | JudgedRequirement, recorded: Any | None) -> JudgedRequirement:
    """A requirement as a trainee may see it before the feedback: the trainee's own verdict (`recorded`,
    or PENDING), no proposal, no reasons, no check error; the evidence still missing stays."""
    own = recorded is not None
    return JudgedRequirement(
        id=state.id, title=state.title, level=state.level, automation=str(state.automation),
        verdict=str(recorded.verdict) if own else PENDING, source="inspector" if own else "pending",
        stale=bool(state.stale) if own else False, proposed=None, error=None,
        missing_evidence=[str(k) for k in state.missing_evidence], reasons=[],
    )
