"""When an inspector's verdict is stale: the one rule of `workbench case status`, the notebooks and the batch.

A recorded verdict is stale when

- an artefact (or the declaration) it was judged on has changed or is gone: the hash recorded
  with the verdict differs from the file's hash now, hashed again, so evidence modified in place
  counts too; or
- evidence of a kind the requirement judges was added since: an artefact of one of the
  requirement's evidence kinds (a vulnerability feed counts with firmware), an attachment for the
  requirement or for the whole case, or the declaration, that the verdict did not see. A verdict
  given on one capture says nothing about a second one.

The rule reads the case and the catalogue's requirement only, never a check's result, so the status
command (which runs no check) and the notebooks give the same answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.case.case import Case
    from workbench.case.verdicts import RecordedVerdict
    from workbench.checks.base import CheckResult


def hashes_now(case: Case) -> dict[str, str]:
    """name -> SHA-256 of every artefact and the declaration as the files are now (missing ones left out)."""
    return case.current_hashes(recompute=True)


def stale_reasons(
    case: Case,
    requirement: Any,
    recorded: RecordedVerdict | None,
    current: dict[str, str] | None = None,
) -> list[str]:
    """Why `recorded` no longer matches the evidence (empty: it still does, or nothing is recorded).

    `current`: the hashes now, from hashes_now(); computed when not given.
    """
    if recorded is None:
        return []
    now = hashes_now(case) if current is None else current
    reasons = [f"{name} changed or is gone" for name in recorded.stale_artefacts(now)]
    judged = case.judged_hashes(requirement.evidence, requirement.id)
    added = sorted(set(judged) - set(recorded.artefact_hashes))
    return reasons + [f"{name} added since" for name in added]


def judged_hashes(case: Case, requirement: Any, result: CheckResult | None) -> dict[str, str]:
    """Name -> SHA-256 of what a verdict on `requirement` rests on, as the case is now: recorded
    with an inspector's verdict.

    The case's artefacts of the evidence kinds the requirement names, its attachments, the
    declaration if named, and any other artefact the check's result was derived from.
    """
    hashes = dict(case.judged_hashes(requirement.evidence, requirement.id))
    used = set(result.evidence_used) if result is not None else set()
    hashes.update({n: h for n, h in case.current_hashes().items() if h in used})
    return hashes
