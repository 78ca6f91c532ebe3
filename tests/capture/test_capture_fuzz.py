"""Mutated real captures (the shared corpus and sample_captures/*.pcap): bit flips, truncations,
length fields set to huge values, spliced and repeated records, made from fixed seeds. Each
mutant is analysed by the capture engine in a child process, under a watchdog per mutant and a
time limit per batch: the documented EvidenceError or a complete result, never another
exception, never a hang, never a write outside the mutant's out folder (the children run with
an empty working folder, HOME and TMPDIR, which must stay empty).

Run as a script (`python test_capture_fuzz.py MANIFEST`), this file is the child: it analyses
the mutants the manifest names and prints one JSON line per mutant.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import struct
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from subprocess import PIPE

import pytest

MUTANTS_PER_SOURCE = 4  # 42 sources: 168 mutants, 8 more on the compressed bytes
BATCHES = 4  # child processes, run at once
WATCHDOG_S = 30  # per mutant (an analysis takes about 0.1 s)
BATCH_LIMIT_S = 600  # a child that outlives this is killed: its unanswered mutant hangs
HUGE = (0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x0FFFFFFF, 0x00040001)


# --- the records of a capture (only to aim the mutations) -------------------------------------
def pcap_records(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """(byte order, [(start, end)] of each record header + frame) of a pcap file."""
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    spans, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack_from(order + "I", data, pos + 8)[0]
        end = pos + 16 + caplen
        if end > len(data):
            break
        spans.append((pos, end))
        pos = end
    return order, spans


def pcapng_blocks(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """(byte order, [(start, end)] of each block) of a pcapng file."""
    order = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    spans, pos = [], 0
    while pos + 12 <= len(data):
        length = struct.unpack_from(order + "I", data, pos + 4)[0]
        if length < 12 or pos + length > len(data):
            break
        spans.append((pos, pos + length))
        pos += length
    return order, spans


def units(data: bytes) -> tuple[str, list[tuple[int, int]], int]:
    """(byte order, record spans, offset of the length field to blow up within a span)."""
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        order, spans = pcapng_blocks(data)
        return order, spans, 4
    order, spans = pcap_records(data)
    return order, spans, 8


# --- mutations: each (data, other capture, rng) -> mutant bytes ---------------------------------
def bit_flips(data: bytes, _other: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    head = rng.random() < 0.5  # half of them aimed at the first 256 bytes: file and first headers
    for _ in range(rng.randint(1, 24)):
        pos = rng.randrange(min(len(out), 256) if head else len(out))
        out[pos] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncation(data: bytes, _other: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def huge_length(data: bytes, _other: bytes, rng: random.Random) -> bytes:
    """A capture length (pcap record, pcapng block) or a length inside a frame set huge."""
    order, spans, field = units(data)
    out = bytearray(data)
    if spans and rng.random() < 0.5:
        start, _end = spans[rng.randrange(len(spans))]
        struct.pack_into(order + "I", out, start + field, rng.choice(HUGE))
    elif spans:  # inside a frame: an IP, UDP, TLS or DNS length or count, whatever is there
        start, end = spans[rng.randrange(len(spans))]
        if end - start > 40:
            pos = rng.randrange(start + 16, end - 2)
            struct.pack_into(">H", out, pos, rng.choice((0xFFFF, 0xFFFE, 0x8000)))
    else:
        struct.pack_into(order + "I", out, min(len(out) - 4, 20), rng.choice(HUGE))
    return bytes(out)


def splice(data: bytes, other: bytes, rng: random.Random) -> bytes:
    """Records of another capture inserted, a record repeated, or a slice of bytes dropped in."""
    _order, spans, _field = units(data)
    _o, other_spans, _f = units(other)
    if not spans:
        cut = rng.randrange(len(data) + 1)
        return data[:cut] + other[rng.randrange(len(other)) :][:4096] + data[cut:]
    start, end = spans[rng.randrange(len(spans))]
    choice = rng.randrange(3)
    if choice == 0 and other_spans:  # another file's records (perhaps of another format)
        a, b = other_spans[rng.randrange(len(other_spans))]
        return data[:end] + other[a:b] * rng.randint(1, 3) + data[end:]
    if choice == 1:  # one record repeated many times
        return data[:end] + data[start:end] * rng.randint(2, 50) + data[end:]
    at = rng.randrange(start, end)  # raw bytes from the middle of a record
    piece = other[rng.randrange(len(other)) :][: rng.randint(1, 512)]
    return data[:at] + piece + data[at:]


MUTATIONS: tuple[Callable[[bytes, bytes, random.Random], bytes], ...] = (
    bit_flips,
    truncation,
    huge_length,
    splice,
)


# --- the mutants --------------------------------------------------------------------------------
def sources() -> list[Path]:
    from capture_support import CORPUS_FILES, SAMPLES

    return [*CORPUS_FILES, *sorted(SAMPLES.glob("*.pcap"))]


def raw(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def make_mutants(folder: Path) -> list[Path]:
    """MUTANTS_PER_SOURCE mutants of every source, each mutation in turn, from fixed seeds;
    a mutant of a compressed source is compressed again; and a few mutants of the compressed bytes."""
    folder.mkdir()
    files = sources()
    made: list[Path] = []
    for index, path in enumerate(files):
        data, gzipped = raw(path), path.suffix == ".gz"
        for k in range(MUTANTS_PER_SOURCE):
            rng = random.Random(f"{path.name}/{k}")
            mutation = MUTATIONS[(index + k) % len(MUTATIONS)]
            other = raw(files[rng.randrange(len(files))])
            mutant = mutation(data, other, rng) if data else other[: rng.randrange(len(other))]
            name = f"{len(made):03d}-{mutation.__name__}-{path.name}"
            target = folder / name
            target.write_bytes(gzip.compress(mutant, mtime=0) if gzipped else mutant)
            made.append(target)
    for path in [p for p in files if p.suffix == ".gz"]:
        for k in range(4):
            rng = random.Random(f"gz/{path.name}/{k}")
            mutation = (bit_flips, truncation)[k % 2]
            target = folder / f"{len(made):03d}-gz-{mutation.__name__}-{path.name}"
            target.write_bytes(mutation(path.read_bytes(), b"", rng))
            made.append(target)
    return made


# --- the child ----------------------------------------------------------------------------------
class Hang(BaseException):
    """The watchdog fired: a BaseException, so the engine's own `except Exception` cannot hide it."""


def _alarm(_signum: int, _frame: object) -> None:
    raise Hang()


def analyse_one(mutant: str, out: str) -> dict:
    from workbench.capture import CaptureAnalysis, analyse_capture
    from workbench.errors import EvidenceError

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(WATCHDOG_S)
    try:
        analysis = analyse_capture(mutant, out=out)
        tables = {name: len(analysis.tables[name]) for name in ("flows", "warnings", "credentials")}
        warnings = sorted(set(analysis.tables["warnings"]["kind"])) if tables["warnings"] else []
        reopened = CaptureAnalysis.open(out) is not None
        return {
            "outcome": "result",
            "warnings": warnings,
            "packets": analysis.summary["packets"],
            "reopened": reopened,
        }
    except EvidenceError as exc:
        return {"outcome": "error", "message": str(exc)}
    except Hang:
        return {"outcome": "hang"}
    except Exception as exc:  # what the test is looking for: report it, with where it came from
        return {"outcome": "crash", "error": repr(exc), "trace": traceback.format_exc(limit=-4)}
    finally:
        signal.alarm(0)


def child(manifest: Path) -> None:
    for mutant, out in json.loads(manifest.read_text()):
        print(json.dumps({"mutant": mutant, **analyse_one(mutant, out)}), flush=True)


if __name__ == "__main__":
    child(Path(sys.argv[1]))
    sys.exit(0)


# --- the test -----------------------------------------------------------------------------------
def _start(manifest: Path, room: Path) -> subprocess.Popen:
    """A child analysing the manifest's mutants, in `room`'s empty cwd, HOME and TMPDIR."""
    env = {**os.environ, "HOME": str(room / "home"), "TMPDIR": str(room / "tmp")}
    command = [sys.executable, __file__, str(manifest)]
    return subprocess.Popen(command, cwd=room / "cwd", env=env, stdout=PIPE, stderr=PIPE, text=True)


def _run_batches(mutants: list[Path], base: Path) -> tuple[dict[str, dict], list[Path]]:
    """Each batch in a child with an empty working folder, HOME and TMPDIR; results by mutant."""
    clean_rooms: list[Path] = []
    children = []
    for number in range(BATCHES):
        room = base / f"room{number}"
        for sub in ("cwd", "home", "tmp"):
            (room / sub).mkdir(parents=True)
            clean_rooms.append(room / sub)
        batch = [(str(m), str(base / "out" / m.name)) for m in mutants[number::BATCHES]]
        manifest = base / f"batch{number}.json"
        manifest.write_text(json.dumps(batch))
        children.append((batch, _start(manifest, room)))
    results: dict[str, dict] = {}
    for batch, process in children:
        try:
            stdout, stderr = process.communicate(timeout=BATCH_LIMIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        for line in stdout.splitlines():
            row = json.loads(line)
            results[row["mutant"]] = row
        unanswered = [m for m, _ in batch if m not in results]
        if unanswered:  # the child died or was killed on this mutant
            results[unanswered[0]] = {"outcome": "hang or death", "stderr": stderr[-2000:]}
    return results, clean_rooms


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    files = sources()
    if len(files) < 20:
        pytest.fail(f"the shared corpus of captures is missing: {len(files)} sources found")
    base = tmp_path_factory.mktemp("fuzz")
    mutants = make_mutants(base / "mutants")
    (base / "out").mkdir()
    results, rooms = _run_batches(mutants, base)
    return mutants, results, rooms, base


def test_at_least_100_distinct_mutants_of_real_captures(fuzzed):
    mutants, _results, _rooms, _base = fuzzed
    assert len(mutants) >= 100
    contents = {m.read_bytes() for m in mutants}
    assert len(contents) >= 100
    originals = {raw(p) for p in sources()} | {p.read_bytes() for p in sources()}
    assert not contents & originals  # every mutant differs from every source
    kinds = {m.name.split("-")[1] for m in mutants}
    assert {"bit_flips", "truncation", "huge_length", "splice", "gz"} <= kinds


def test_no_crash_no_hang_every_mutant_answered(fuzzed):
    mutants, results, _rooms, _base = fuzzed
    assert set(results) == {str(m) for m in mutants}
    bad = {Path(m).name: r for m, r in results.items() if r["outcome"] not in ("result", "error")}
    assert not bad, json.dumps(bad, indent=1)[:6000]
    # the engine's own safety net (an exception it caught mid-analysis) is a crash as well
    caught = {Path(m).name: r for m, r in results.items() if "analysis-error" in r.get("warnings", ())}
    assert not caught, caught
    assert all(r["reopened"] for r in results.values() if r["outcome"] == "result")


def test_errors_are_the_documented_one_line_error(fuzzed):
    _mutants, results, _rooms, _base = fuzzed
    errors = [r["message"] for r in results.values() if r["outcome"] == "error"]
    assert errors, "no mutant was refused: the mutations did not reach the file headers"
    assert all("\n" not in m and ": " in m for m in errors), errors
    damaged = [r for r in results.values() if r["outcome"] == "result" and r["warnings"]]
    assert damaged, "no mutant gave a partial result with a warning"


def test_nothing_written_outside_the_out_folders(fuzzed):
    mutants, results, rooms, base = fuzzed
    assert [p for room in rooms for p in room.iterdir()] == []
    assert sorted((base / "mutants").iterdir()) == sorted(mutants)
    outs = {p.name for p in (base / "out").iterdir()}
    assert outs <= {m.name for m in mutants}
    refused = {Path(m).name for m, r in results.items() if r["outcome"] == "error"}
    assert not outs & refused  # a refused capture leaves no result behind


def _workbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "workbench"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "workbench"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_the_cli_on_a_refused_and_a_damaged_mutant(fuzzed, tmp_path):
    """`workbench capture analyse`: one line and exit 2 for a refused mutant; the rows and the
    warnings of a damaged one, exit 0."""
    _mutants, results, _rooms, _base = fuzzed
    refused = next(m for m, r in sorted(results.items()) if r["outcome"] == "error")
    done = _workbench("capture", "analyse", refused, "--json", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and Path(refused).name in done.stderr
    damaged = next(m for m, r in sorted(results.items()) if r["outcome"] == "result" and r["warnings"])
    done = _workbench("capture", "analyse", damaged, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = {row["kind"] for row in rows if row["table"] == "warnings"}
    assert kinds == set(results[damaged]["warnings"]) and kinds
    assert list(tmp_path.iterdir()) == []  # nothing written where it ran
