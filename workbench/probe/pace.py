"""Pace and budget: every test of the probe keeps to a rate limit and stops at its time budget."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Pacer:
    """`wait()` before each exchange keeps at most `rate_per_s` exchanges a second; `expired` says
    the test's total budget is spent (the test then stops and reports itself timed out)."""

    rate_per_s: float
    budget_s: float
    started: float = field(default_factory=time.monotonic)
    _next: float = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + (1.0 / self.rate_per_s if self.rate_per_s > 0 else 0.0)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining(self) -> float:
        return max(0.0, self.budget_s - self.elapsed)

    @property
    def expired(self) -> bool:
        return self.elapsed >= self.budget_s

    def timeout(self, per_exchange: float) -> float:
        """A socket timeout for one exchange: `per_exchange`, never past the budget (at least 0.1 s)."""
        return max(0.1, min(per_exchange, self.remaining))
