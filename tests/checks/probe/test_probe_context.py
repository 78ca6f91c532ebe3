"""The context hands every probe-judged check only packet numbers the probe's capture holds: a hostile
results file's numbers past its end (or below 1) never become evidence, for the network checks as for the
checks on the unit."""

from __future__ import annotations

from unitcases import PACKETS

from workbench.case import Case
from workbench.checks.context import EvidenceContext


def test_packet_numbers_outside_the_capture_are_dropped_for_every_check(cases: dict[str, Case]) -> None:
    ctx = EvidenceContext.for_case(cases["hostile"].path, "AUTH-01")  # a network check's context
    rows = [*ctx.probe_rows("session"), *ctx.probe_rows("updates")]
    raw = [p for r in rows for p in (r["packets"] or ())]
    assert rows and raw == [p for p in raw if 0 < p <= PACKETS]
    results = ctx.probe()[1]
    planted = [p for t in ("session", "updates") for r in results.tables[t] for p in r.get("packets") or ()]
    assert 10**12 in planted and -3 in planted  # the file does hold them: the context left them out
