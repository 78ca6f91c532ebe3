"""Judge every requirement of a case with its catalogue, noting what each check reads of the images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.judgement import RequirementState, assess, hashes_now
from workbench.renewal.reads import FirmwareReads, ReadingContext


@dataclass(frozen=True)
class Judged:
    state: RequirementState
    reads: FirmwareReads  # what the check read of the case's firmware images


def judge_case(case: Any, catalog: Any, requirements: list[Any]) -> dict[str, Judged]:
    """id -> the requirement (of `catalog`) judged in `case`, its check run on the case's cached analyses."""
    hashes = hashes_now(case)
    analyses: dict[str, Any] = {}  # each artefact's analysis loaded once for every requirement
    judged = {}
    for requirement in requirements:
        ctx = ReadingContext(case, requirement, _analyses=analyses)
        judged[requirement.id] = Judged(assess(ctx, hashes, catalog=catalog), ctx.reads)
    return judged
