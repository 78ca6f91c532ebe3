"""Re-inspection: compare two cases of a device, renew a case for a new firmware version or edition.

`compare_cases(old, new)` (compare.py) judges both cases requirement by requirement and says what was
fixed, what is new and which inspector verdicts may carry over (carry.py, reads.py); `renew_case`
(renew.py) makes the new case and its plan (plan.py, renewal.json); `carry_verdicts` (confirm.py)
records the offered verdicts an inspector confirms, each a new record; page.py renders the comparison.
"""

from workbench.renewal.plan import load_plan, show_plan

__all__ = ["load_plan", "show_plan"]
