"""The batch's judgement of every selected requirement, once, in the worker pool.

After the artefacts are analysed, each worker runs the checks of its share of the requirements
over the cached analyses (shared within the share), judges each with workbench.judgement and
writes the outcome to `<work>/<ID>/outcome.json`: the notebook of that requirement renders it
(parameter `outcome_path`), and the batch's rows come from the same states.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.i18n import DEFAULT_LANGUAGE, use_language
from workbench.judgement import RequirementState, assess, hashes_now, judge, write_outcome

OUTCOME_FILE = "outcome.json"
STATES_FILE = "states.json"  # the batch's rows, for the case overview (workbench.judgement.judged)


def outcome_path(work: Path, requirement_id: str) -> Path:
    return work / requirement_id / OUTCOME_FILE


def states_path(work: Path) -> Path:
    return work / STATES_FILE


def shares(requirement_ids: list[str], jobs: int) -> list[list[str]]:
    """The ids dealt round-robin into at most `jobs` non-empty shares."""
    dealt: list[list[str]] = [requirement_ids[i::jobs] for i in range(max(1, jobs))]
    return [share for share in dealt if share]


def judge_share(
    case_dir: str, catalog_source: str | None, requirement_ids: list[str], work: str,
    language: str = DEFAULT_LANGUAGE,
) -> dict[str, RequirementState]:
    """Run in a worker: assess each requirement and write its outcome file; the checks' reasons and
    findings in `language` (the run's)."""
    with use_language(language):
        return _judge_share(case_dir, catalog_source, requirement_ids, work)


def _judge_share(
    case_dir: str, catalog_source: str | None, requirement_ids: list[str], work: str
) -> dict[str, RequirementState]:
    from workbench.case import Case, source_to_load
    from workbench.catalog import load_catalog
    from workbench.checks.context import EvidenceContext

    case = Case.open(case_dir)
    catalog = load_catalog(source_to_load(case.info, catalog_source))
    hashes = hashes_now(case)
    tables: dict[Any, Any] = {}
    analyses: dict[str, Any] = {}  # each artefact's analysis is loaded once for the whole share
    states: dict[str, RequirementState] = {}
    for rid in requirement_ids:
        ctx = EvidenceContext(case, catalog.get(rid), _tables=tables, _analyses=analyses)
        states[rid] = assess(ctx, hashes, catalog=catalog)
        write_outcome(outcome_path(Path(work), rid), states[rid])
    return states


def failed_share(case: Any, requirements: list[Any], work: Path, error: str) -> dict[str, RequirementState]:
    """The states of a share whose worker failed as a whole: each requirement is ERROR."""
    hashes = hashes_now(case)
    states = {r.id: judge(case, r, None, hashes=hashes, error=error) for r in requirements}
    for rid, state in states.items():
        write_outcome(outcome_path(work, rid), state)
    return states
