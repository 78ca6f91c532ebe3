"""Re-inspection: compare two cases of a device, renew a case for a new firmware version or edition.

`compare_cases(old, new)` (compare.py) judges both cases requirement by requirement and says what was
fixed, what is new and which inspector verdicts may carry over (carry.py, reads.py), which were carried
and still stand or were superseded in the old case since (carried.py), with warnings (notices.py);
`renew_case` (renew.py) makes the new case and its plan (plan.py, renewal.json), `update_plan`
(replan.py) re-plans it; `carry_verdicts` (confirm.py) records the offered verdicts an inspector
confirms, each a new record, finding the old case again (origin.py); page.py renders the comparison.
"""

from workbench.renewal.plan import load_plan, show_plan

__all__ = ["load_plan", "show_plan"]
