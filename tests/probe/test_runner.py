"""The runner keeps the probe going: a test that raises is its own ERROR, a test that will not stop (a device
dripping its answer byte by byte) is abandoned past its budget, and an abandoned test's rows never arrive."""

from __future__ import annotations

import threading

import pytest

from workbench.probe import runner
from workbench.probe.plan import TestPlan as Planned
from workbench.probe.results import TestRun as Run
from workbench.probe.results import TestStatus as Status


def test_a_test_that_raises_is_an_error_and_the_run_goes_on() -> None:
    def body() -> tuple[Run, dict]:
        raise ConnectionResetError("the device reset the connection")

    run, tables = runner._guarded(Planned("access", 5, 10), body)
    assert run.status == Status.ERROR and "ConnectionResetError" in run.detail and tables == {}
    assert run.started is not None and run.finished is not None


def test_a_test_that_will_not_stop_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "ABANDON_AFTER_S", 0.2)
    release = threading.Event()

    def body() -> tuple[Run, dict]:
        release.wait(10)  # a device that never finishes its answer
        return Run("http", "http.client", Status.COMPLETED), {"http": [{"port": 80}]}

    run, tables = runner._guarded(Planned("http", 5, 0.1), body)
    release.set()
    assert run.status == Status.TIMED_OUT and "abandoned" in run.detail
    assert tables == {}, "rows of an abandoned test are never added"


def test_a_test_that_finishes_gives_its_rows() -> None:
    def body() -> tuple[Run, dict]:
        run = Run("http", "http.client", Status.COMPLETED, started=1.0, finished=2.0)
        return run, {"http": [{"port": 80}]}

    run, tables = runner._guarded(Planned("http", 5, 10), body)
    assert run.status == Status.COMPLETED and tables == {"http": [{"port": 80}]} and run.started == 1.0


@pytest.mark.parametrize(("name", "waits"), [("password_change", True), ("http", False)])
def test_ctrl_c_waits_for_a_test_that_sets_the_unit_back(name: str, waits: bool) -> None:
    """Ctrl-C reaches the main thread only; the password change runs in a worker and must finish its restore
    before the process exits, or the unit keeps a password nobody knows. Other tests are left at once."""
    import signal
    import time

    restored = threading.Event()

    def body() -> tuple[Run, dict]:
        # the inspector presses Ctrl-C while the test runs: a real SIGINT to the main thread, as a terminal's
        # reaches it (the simulated one of _thread.interrupt_main does not wake the main thread's wait; one
        # delivered to this thread waits for it to end before the main thread sees it)
        time.sleep(0.2)  # the main thread waiting for this one by now
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        time.sleep(0.5)  # the restore still under way
        restored.set()
        return Run(name, "http.client", Status.COMPLETED), {}

    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's Ctrl-C, whatever ran before
    try:
        with pytest.raises(KeyboardInterrupt):
            runner._guarded(Planned(name, 5, 10), body)
    finally:
        signal.signal(signal.SIGINT, before)
    assert restored.is_set() is waits


def test_a_password_the_unit_logs_or_echoes_never_reaches_the_results() -> None:
    from workbench.probe.plan import ProbePlan
    from workbench.probe.results import ProbeResults
    from workbench.probe.vendor_access import VendorAccess

    access = VendorAccess.model_validate(
        {"shell": {"user": "root", "password": "shell-pw-1"},
         "password_change": {"documented_in": "m", "port": 443, "user": "admin", "password": "web-pw-22"}}
    )  # fmt: skip
    plan = ProbePlan("127.0.0.1", "quick", "lo", [], access=access, scrub={"New_pw_333", "ab"})
    results = ProbeResults(target="127.0.0.1", profile="quick", started="2026-12-07T00:00:00+00:00")
    results.add_rows("device_log", [{"text": "webd: password changed web-pw-22 -> New_pw_333", "line": 3}])
    results.add_rows("session", [{"output": "Password: shell-pw-1\n", "exit_status": 0}])
    results.tests.append(Run("password_change", "http.client", Status.COMPLETED, "said New_pw_333 about"))
    results.warnings.append("echo shell-pw-1")
    runner.scrub(results, runner.secrets_of(plan))
    text = str(results.to_json())
    assert not any(s in text for s in ("shell-pw-1", "web-pw-22", "New_pw_333"))
    assert "password changed (set) -> (set)" in text and "about" in text
    assert "ab" in str(results.tests[0].detail)  # too short to be told from ordinary text: left alone
    assert "scrub" not in plan.to_json()
