"""Checks with a fixed outcome, for the tests of the batch and the bundle formats: each proposes the
verdict, reasons and findings it is given (or raises, when the verdict is None)."""

from __future__ import annotations

from workbench.checks.base import Check, CheckResult, Finding, Verdict


class FixtureCheck(Check):
    """A check that proposes a fixed verdict (or raises, when `verdict` is None)."""

    verdict: Verdict | None = Verdict.PASS
    reasons: tuple[str, ...] = ("all good",)
    findings: tuple[Finding, ...] = ()

    def evaluate(self, ctx) -> CheckResult:
        if self.verdict is None:
            raise ValueError(f"deliberate check failure in {self.requirement_id}")
        return self.result(ctx, self.verdict, self.reasons, self.findings)


def fixture_check(rid: str, verdict: Verdict | None = Verdict.PASS, *reasons: str, findings=()) -> Check:
    attributes = {"requirement_id": rid, "verdict": verdict, "reasons": reasons or ("all good",),
                  "findings": tuple(findings)}
    return type(f"Check_{rid.replace('-', '_')}", (FixtureCheck,), attributes)()
