"""Helpers of the signing tests: real key pairs made by `workbench key new` through the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from batch.conftest import Invocation, invoke

from workbench import cli

LAB, INSPECTOR = "Acme Test Lab", "Ines Inspector"


@dataclass
class KeyPair:
    private: Path
    public: Path
    key_id: str


def key_cli(*argv: str) -> Invocation:
    """The CLI with `key` mapped to its module (the lead adds it to cli.COMMANDS; until then, here)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(cli.COMMANDS, "key", "workbench.commands.keys")
        return invoke(*argv)


def new_key(stem: Path, lab: str = LAB, inspector: str = INSPECTOR, *extra: str) -> KeyPair:
    done = key_cli("key", "new", "--lab", lab, "--inspector", inspector, "--out", str(stem), *extra)
    assert done.code == 0, done.err
    public = stem.with_name(stem.name + ".pub.json")
    return KeyPair(stem.with_name(stem.name + ".key"), public, json.loads(public.read_text())["key_id"])


def backdate(pair: KeyPair, days_ago: int, valid_days: int) -> None:
    """Move a real key's validity into the past (both files), as if it had been made `days_ago` days ago."""
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago)
    for path in (pair.private, pair.public):
        data = json.loads(path.read_text())
        data["created"] = created.isoformat()
        data["expires"] = (created + timedelta(days=valid_days)).isoformat()
        path.write_text(json.dumps(data))
