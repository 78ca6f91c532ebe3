"""The workbench CLI run in-process, as a user runs it from the shell, with a test's own checks
standing beside the registered ones (the batch's forked workers inherit them)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest

from workbench.checks.base import Check
from workbench.cli import main as workbench_main
from workbench.judgement import state as judgement_state


@dataclass
class Invocation:
    code: int
    out: str
    err: str


@contextlib.contextmanager
def checks_beside(checks: Mapping[str, Check]) -> Iterator[None]:
    """`checks` (requirement id -> check) found before the registered ones while the block runs."""
    registered = judgement_state.check_for
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(judgement_state, "check_for", lambda rid: checks.get(rid) or registered(rid))
        yield


def invoke_with(checks: Mapping[str, Check], *argv: str) -> Invocation:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), checks_beside(checks):
        try:
            code = workbench_main(list(argv))
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
    return Invocation(code, out.getvalue(), err.getvalue())
