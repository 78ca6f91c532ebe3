"""Fixtures of the signing tests: real key pairs made by `workbench key new`, and one real bundle made by
`workbench run --sign` on the batch tests' fixture case (two requirements), once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch.conftest import RunOutput, run_fixture
from signing_helpers import KeyPair, new_key


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyPair]:
    """The lab's key (signs the session's bundle) and another lab's key."""
    root = tmp_path_factory.mktemp("keys")
    return {"lab": new_key(root / "acme-lab"), "other": new_key(root / "other-lab", "Other Lab", "Otto")}


@pytest.fixture(scope="session")
def signed(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, KeyPair]) -> RunOutput:
    """A bundle of the fixture case, signed with the lab's key: `workbench run --sign` as a user runs it."""
    run = run_fixture(tmp_path_factory.mktemp("signed"), "--only", "FIX-01,FIX-04",
                      "--sign", str(keys["lab"].private))
    assert run.invocation.code == 0, run.invocation.err
    return run


@pytest.fixture
def bundle_copy(signed: RunOutput, tmp_path: Path) -> Iterator[Path]:
    """A copy of the signed bundle's folder, for a test to damage."""
    copy = tmp_path / signed.bundle.name
    shutil.copytree(signed.bundle, copy)
    yield copy
