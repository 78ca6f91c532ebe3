"""Two writers at once, and writers killed mid-write: nothing recorded is lost, nothing is corrupted."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import signal
import time
import traceback
from pathlib import Path

import pytest
import yaml

from workbench.case import Case, VerdictStore
from workbench.errors import CaseError

FORK = multiprocessing.get_context("fork")
VERDICTS_EACH = 50
ARTEFACTS_EACH = 10


def _writer(case_dir: str, who: str, barrier: object, results: object) -> None:
    try:
        results.put(_write_all(case_dir, who, barrier))
    except BaseException:
        results.put({"who": who, "error": traceback.format_exc()})
        raise


def _write_all(case_dir: str, who: str, barrier: object) -> dict[str, object]:
    case = Case.open(case_dir)
    work = Path(case_dir).parent / f"src-{who}"
    work.mkdir()
    outcome: dict[str, object] = {"who": who, "verdicts": [], "artefacts": [], "clash": None}
    shared = work / "shared.bin"
    shared.write_bytes(b"identical firmware image\n" * 1000)
    clash = work / "clash.bin"
    clash.write_bytes(f"firmware of {who}\n".encode() * 1000)
    barrier.wait()
    outcome["shared"] = case.import_artefact(shared, "firmware")[1]
    try:
        case.add_artefact(clash, "firmware")
        outcome["clash"] = "added"
    except CaseError as exc:
        outcome["clash"] = str(exc)
    for i in range(VERDICTS_EACH):
        if i % (VERDICTS_EACH // ARTEFACTS_EACH) == 0:
            source = work / f"{who}-{i}.bin"
            source.write_bytes(os.urandom(4096))
            outcome["artefacts"].append(case.add_artefact(source, "firmware").name)
        requirement = ("COM-01", "AUTH-04", "DEL-01")[i % 3]
        record = case.verdicts.record(requirement, "FAIL", f"{who} #{i}", who, artefact_hashes={})
        outcome["verdicts"].append(record.id)
    return outcome


def test_two_writers_at_once_both_land(case: Case) -> None:
    barrier = FORK.Barrier(2)
    results = FORK.Queue()
    workers = [
        FORK.Process(target=_writer, args=(str(case.path), w, barrier, results)) for w in ("ann", "ben")
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    assert [o.get("error") for o in outcomes] == [None, None]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    recorded_ids = {i for o in outcomes for i in o["verdicts"]}
    assert len(recorded_ids) == 2 * VERDICTS_EACH
    store = case.verdicts
    stored = {r.id: r for rid in ("COM-01", "AUTH-04", "DEL-01") for r in store.history(rid)}
    assert set(stored) == recorded_ids
    assert {r.rationale for r in stored.values()} == {f"{w} #{i}" for w in ("ann", "ben") for i in range(50)}
    assert store.problems() == []
    # artefacts: every add of both writers is in the registry, the file intact and read-only
    names = {a.name: a for a in case.artefacts()}
    added = {n for o in outcomes for n in o["artefacts"]}
    assert len(added) == 2 * ARTEFACTS_EACH and added <= set(names)
    for artefact in names.values():
        assert hashlib.sha256(artefact.path.read_bytes()).hexdigest() == artefact.sha256
    assert case.verify_artefacts().ok
    # the same content added by both at once: one record; one name, two contents: one refused
    assert sorted(o["shared"] for o in outcomes) == [False, True]
    assert sum(n == "shared.bin" for n in names) == 1
    clash = [str(o["clash"]) for o in outcomes]
    assert clash.count("added") == 1
    refused = next(c for c in clash if c != "added")
    assert "already holds a different artefact named 'clash.bin'" in refused
    registry = yaml.safe_load((case.path / "artefacts.yaml").read_text())["artefacts"]
    assert len(registry) == len(names) == 2 * ARTEFACTS_EACH + 2


def _stuck_writer(store_dir: str, ready: object) -> None:
    store = VerdictStore(store_dir)
    for i in range(5):
        store.record("COM-01", "PASS", f"round {i}", "alice")

    def stall(*_: object) -> None:  # between the complete temporary file and its final name
        ready.set()
        time.sleep(120)

    os.link = stall  # this child only
    store.record("COM-01", "FAIL", "never lands", "mallory")


def test_writer_killed_between_temp_write_and_rename(tmp_path: Path) -> None:
    ready = FORK.Event()
    child = FORK.Process(target=_stuck_writer, args=(str(tmp_path / "verdicts"), ready))
    child.start()
    assert ready.wait(timeout=60)
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    store = VerdictStore(tmp_path / "verdicts")
    history = store.history("COM-01")
    assert [r.rationale for r in history] == [f"round {i}" for i in range(5)]
    problems = store.problems()
    assert len(problems) == 1 and "interrupted write" in problems[0]
    after = store.record("COM-01", "FAIL", "recorded after the crash", "alice")
    assert after.supersedes == history[-1].id
    assert store.latest("COM-01") == after


def _busy_writer(store_dir: str, report_fd: int) -> None:
    store = VerdictStore(store_dir)
    i = 0
    while True:
        record = store.record("COM-01", "FAIL", "x" * random.randint(1, 20000), "alice")
        os.write(report_fd, f"{record.id}\n".encode())  # reported only once record() returned
        i += 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_writer_killed_at_a_random_point_loses_nothing_recorded(tmp_path: Path, seed: int) -> None:
    delay = random.Random(seed).uniform(0.05, 0.4)
    read_end, write_end = os.pipe()
    child = FORK.Process(target=_busy_writer, args=(str(tmp_path / "verdicts"), write_end))
    child.start()
    os.close(write_end)
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    reported = set()
    with os.fdopen(read_end) as pipe:
        reported = {line.strip() for line in pipe if line.endswith("\n")}
    store = VerdictStore(tmp_path / "verdicts")
    history = store.history("COM-01")
    assert reported, "the writer recorded nothing before it was killed"
    assert reported <= {r.id for r in history}
    finals = [p for p in (tmp_path / "verdicts" / "COM-01").iterdir() if not p.name.startswith(".")]
    assert len(finals) == len(history)  # every final file is a whole, readable record
    assert all("unreadable" not in p for p in store.problems())


def _busy_adder(case_dir: str, report_fd: int) -> None:
    case = Case.open(case_dir)
    source = Path(case_dir).parent / "incoming.bin"
    i = 0
    while True:
        source.write_bytes(os.urandom(1 << 18))
        artefact = case.add_artefact(source, "firmware", name=f"fw-{i}.bin")
        os.write(report_fd, f"{artefact.name}\n".encode())
        i += 1


@pytest.mark.parametrize("seed", [1, 2])
def test_adder_killed_at_a_random_point_leaves_a_consistent_case(case: Case, seed: int) -> None:
    delay = random.Random(seed).uniform(0.1, 0.4)
    read_end, write_end = os.pipe()
    child = FORK.Process(target=_busy_adder, args=(str(case.path), write_end))
    child.start()
    os.close(write_end)
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    with os.fdopen(read_end) as pipe:
        reported = {line.strip() for line in pipe if line.endswith("\n")}
    assert reported
    recorded = {a.name for a in case.artefacts()}
    assert reported <= recorded
    report = case.verify_artefacts()
    assert all(item.status == "ok" for item in report.items)
    assert len(report.unrecorded) <= 1  # at most the one being registered at the kill
    # the lock died with the writer: the case takes new evidence at once
    source = case.path.parent / "after.bin"
    source.write_bytes(b"after the crash")
    assert case.add_artefact(source, "firmware").name == "after.bin"
