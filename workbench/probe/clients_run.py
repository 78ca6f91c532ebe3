"""The bookkeeping the client-driven tests share: a TestRun with its Pacer, the per-exchange
timeout, and the run's final status (completed, partial with what could not be done, timed out)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workbench.probe.pace import Pacer
from workbench.probe.plan import TestPlan
from workbench.probe.results import TestRun, TestStatus

EXCHANGE_TIMEOUT_S = 5.0  # one exchange's timeout unless the test's settings say `exchange_timeout_s`


@dataclass
class Running:
    run: TestRun
    pacer: Pacer
    per_exchange: float
    problems: list[str] = field(default_factory=list)  # what could not be done (-> partial)
    notes: list[str] = field(default_factory=list)  # what was left out on purpose
    timed_out: bool = False

    @property
    def timeout(self) -> float:
        return self.pacer.timeout(self.per_exchange)

    def turn(self) -> bool:
        """Wait for the pace; False (and the run marked timed out) once the budget is spent."""
        if self.pacer.expired:
            self.timed_out = True
            return False
        self.pacer.wait()
        if self.pacer.expired:
            self.timed_out = True
            return False
        return True

    def finish(self, nothing_to_do: str = "") -> TestRun:
        run = self.run
        run.finished = time.time()
        if self.timed_out:
            run.status = TestStatus.TIMED_OUT
            self.problems.insert(0, f"stopped at its budget of {self.pacer.budget_s:g} s")
        elif nothing_to_do:
            run.status = TestStatus.SKIPPED
            self.notes.insert(0, nothing_to_do)
        else:
            run.status = TestStatus.PARTIAL if self.problems else TestStatus.COMPLETED
        run.detail = "; ".join(self.problems + self.notes)[:2000]
        return run


def begin(test: TestPlan) -> Running:
    per_exchange = float(test.settings.get("exchange_timeout_s") or EXCHANGE_TIMEOUT_S)
    run = TestRun(name=test.name, tool=test.tool, started=time.time())
    return Running(run, Pacer(test.rate_per_s, test.budget_s), per_exchange)
