"""What a probe run produced: the plan it ran, each test's status, its tables and warnings.

Written once as the probe's results artefact (JSON, `FORMAT`), read back by the checks. A results
file is evidence from a device and is read as hostile input: `ProbeResults.load` validates its
shape and types every table by the declared schema (workbench/probe/tables.yaml).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import MalformedInput
from workbench.probe.schema import TABLES
from workbench.tables import Misfit

FORMAT = "workbench-probe"
FORMAT_VERSION = 1
MAX_RESULTS_BYTES = 256 * 1024 * 1024


class TestStatus(StrEnum):
    COMPLETED = "completed"  # ran to the end
    PARTIAL = "partial"  # ran, but part of it could not be done (see detail)
    ERROR = "error"  # could not run (the tool failed, the device did not answer)
    TIMED_OUT = "timed_out"  # stopped at its time budget; its rows so far are kept
    SKIPPED = "skipped"  # not applicable (no port for it) or not in the profile


@dataclass
class TestRun:
    """One test of the plan as it ran: its tool and command line, its status, its time."""

    name: str  # port_scan, tls_scan, access, default_credentials, brute_force, http, robustness
    tool: str  # nmap, sslyze, paramiko, ftplib, paho-mqtt, telnetlib, http.client, ...
    status: TestStatus = TestStatus.SKIPPED
    detail: str = ""
    command: list[str] = field(default_factory=list)  # the command line, for a tool run as a process
    started: float | None = None
    finished: float | None = None

    def label(self) -> str:
        return " ".join(self.command) if self.command else self.tool


@dataclass
class ProbeResults:
    target: str
    profile: str
    started: str  # UTC, ISO 8601
    finished: str = ""
    interface: str = ""  # where the capture was taken
    capture_file: str = ""  # the capture's file name as it entered the case
    capture_sha256: str = ""
    capture_packets: int = 0
    tools: dict[str, str] = field(default_factory=dict)  # tool -> version
    plan: dict[str, Any] = field(default_factory=dict)  # the plan as printed by --dry-run
    tests: list[TestRun] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # --- building ----------------------------------------------------------------------------
    def add_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        if table not in TABLES:
            raise ValueError(f"no probe table {table!r}")
        self.tables.setdefault(table, []).extend(rows)

    def test(self, name: str) -> TestRun | None:
        return next((t for t in self.tests if t.name == name), None)

    # --- reading -----------------------------------------------------------------------------
    def frame(self, table: str) -> pd.DataFrame:
        """The table typed by its schema (every declared column, in order; missing cells empty)."""
        schema = TABLES[table]
        rows = self.tables.get(table) or []
        misfits: list[Misfit] = []
        columns = {c: schema.fitted(c, [row.get(c) for row in rows], misfits) for c in schema.names}
        self.warnings.extend(f"probe results: {m.message}" for m in misfits[:20])
        return schema.frame_from_columns(columns)

    # --- the file ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, **data}
        return data

    def write(self, path: Path) -> None:
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False, allow_nan=False, default=str)
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> ProbeResults:
        label = str(path)
        try:
            if path.stat().st_size > MAX_RESULTS_BYTES:
                raise MalformedInput("probe results larger than 256 MiB", path=label)
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise MalformedInput(
                f"not a probe results file: {type(exc).__name__}: {exc}"[:300], path=label
            ) from None
        return cls.from_json(data, label)

    @classmethod
    def from_json(cls, data: Any, label: str = "probe results") -> ProbeResults:
        problem = shape_problem(data)
        if problem:
            raise MalformedInput(problem, path=label)
        tests = [
            TestRun(
                name=str(t.get("name", "")),
                tool=str(t.get("tool", "")),
                status=TestStatus(t.get("status", "skipped")),
                detail=str(t.get("detail", "")),
                command=[str(c) for c in t.get("command") or ()],
                started=_number(t.get("started")),
                finished=_number(t.get("finished")),
            )
            for t in data.get("tests") or ()
        ]
        tables = {
            name: [dict(r) for r in rows if isinstance(r, dict)]
            for name, rows in (data.get("tables") or {}).items()
            if name in TABLES and isinstance(rows, list)
        }
        return cls(
            target=str(data["target"]),
            profile=str(data.get("profile", "")),
            started=str(data.get("started", "")),
            finished=str(data.get("finished", "")),
            interface=str(data.get("interface", "")),
            capture_file=str(data.get("capture_file", "")),
            capture_sha256=str(data.get("capture_sha256", "")),
            capture_packets=_count(data.get("capture_packets")),
            tools={str(k): str(v) for k, v in (data.get("tools") or {}).items()},
            plan=dict(data.get("plan") or {}),
            tests=tests,
            tables=tables,
            warnings=[str(w) for w in data.get("warnings") or ()],
        )


def newest(runs: list[tuple[Any, ProbeResults]]) -> tuple[Any, ProbeResults] | None:
    """The newest of (artefact, results) pairs: by the probe's start, then by when it entered the case."""
    ordered = sorted(runs, key=lambda pair: (pair[1].started, str(getattr(pair[0], "added_at", ""))))
    return ordered[-1] if ordered else None


def shape_problem(data: Any) -> str | None:
    """Why `data` is not a probe results document, or None."""
    if not isinstance(data, dict):
        return "a probe results file holds one JSON object"
    if data.get("format") != FORMAT:
        return f"not a probe results file (format is not {FORMAT!r})"
    if data.get("format_version") != FORMAT_VERSION:
        return f"probe results format version {data.get('format_version')!r} is not {FORMAT_VERSION}"
    if not isinstance(data.get("target"), str):
        return "probe results name no target"
    for key, kind in (("tests", list), ("tables", dict), ("warnings", list), ("tools", dict), ("plan", dict)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            return f"`{key}` is not a {kind.__name__}"
    for test in data.get("tests") or ():
        if (
            not isinstance(test, dict)
            or not isinstance(test.get("status", "skipped"), str)
            or test.get("status", "skipped") not in set(TestStatus)
            or not isinstance(test.get("command") or [], list)
        ):
            return "a test entry is malformed"
    return None


def _count(value: Any) -> int:
    """A non-negative whole number from hostile JSON (anything else is 0)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != value
        or value in (float("inf"), float("-inf"))
    ):
        return 0
    return max(0, int(value))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
