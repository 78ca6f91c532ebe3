"""The judgement: the verdict vocabulary, the final-verdict rule, staleness and the per-level roll-up.

The case stores what inspectors record and the checks propose; the judgement alone says what a
requirement's verdict is (`judge`, `assess` -> RequirementState) and what a level comes to
(`level_results`). `workbench case status`, the notebooks, the case overview, the batch and
training all ask it.
"""

from workbench.judgement.final import FinalVerdict, final_verdict
from workbench.judgement.judged import JudgedRequirement, JudgedStates, read_states, write_states
from workbench.judgement.levels import STARS, decided_ok, evidence_to_add, level_results, why_pending
from workbench.judgement.outcome import Outcome, read_outcome, write_outcome
from workbench.judgement.staleness import cited_artefacts, hashes_now, judged_hashes, stale_reasons
from workbench.judgement.state import RequirementState, assess, judge, run_check
from workbench.vocabulary import (
    CHECK_VERDICTS,
    DECIDED_OK,
    ERROR,
    FINAL_VERDICTS,
    INSPECTOR_VERDICTS,
    PENDING,
    SOURCES,
    Source,
    Verdict,
)

__all__ = [
    "CHECK_VERDICTS",
    "DECIDED_OK",
    "ERROR",
    "FINAL_VERDICTS",
    "INSPECTOR_VERDICTS",
    "PENDING",
    "SOURCES",
    "STARS",
    "FinalVerdict",
    "JudgedRequirement",
    "JudgedStates",
    "Outcome",
    "RequirementState",
    "Source",
    "Verdict",
    "assess",
    "decided_ok",
    "evidence_to_add",
    "final_verdict",
    "hashes_now",
    "judge",
    "cited_artefacts",
    "judged_hashes",
    "level_results",
    "read_outcome",
    "read_states",
    "run_check",
    "stale_reasons",
    "why_pending",
    "write_outcome",
    "write_states",
]
