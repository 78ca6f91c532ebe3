"""`update_plan`: re-plan a renewed case against its old case as both are now (`case renew --update`).

After the old case's verdicts change (a verdict withdrawn, a new one recorded), its renewal plan offers
what is no longer there. Re-planning compares the old case with the new one as they are now and
rewrites renewal.json (atomically): the new case's artefacts, declaration and verdicts are kept; the
artefacts carried at renewal are listed as they were; `created_at` stays, `updated_at` says when.
"""

from __future__ import annotations

from typing import Any

from workbench.case import Case
from workbench.errors import CaseError
from workbench.renewal.compare import compare_cases
from workbench.renewal.origin import find_old_case
from workbench.renewal.plan import load_plan, write_plan


def update_plan(new: Case, old: str | None = None) -> dict[str, Any]:
    """The new plan of `new` (`old`: the old case's folder when it is not where the plan says)."""
    plan = load_plan(new)
    if plan is None:
        raise CaseError("not a renewed case (no renewal.json): nothing to update", path=str(new.path))
    source = find_old_case(plan["from"], new, {}, old)
    comparison = compare_cases(source, new)
    artefacts = plan.get("artefacts") if isinstance(plan.get("artefacts"), list) else []
    created = plan.get("created_at") if isinstance(plan.get("created_at"), str) else None
    return write_plan(new, source, comparison, artefacts, created_at=created or "unknown")
