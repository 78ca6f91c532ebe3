"""The capture engine's compiled copies (workbench/native.py, built by `make setup`): used only while
they match their source, and writing exactly the tables the Python source writes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from capture_frames import bench_capture
from corpus_captures import CORPUS

from workbench import native

ROOT = Path(__file__).resolve().parents[2]
BUILT = native.MANIFEST.is_file()
needs_build = pytest.mark.skipif(
    not BUILT and not os.environ.get("CI"),
    reason="compiled copies not built here (make setup builds them; in CI they must be)",
)
ANALYSE_ALL = """
import json, sys
from pathlib import Path
from workbench.capture import analyse_capture
from workbench import native
for capture, out in json.loads(sys.argv[1]):
    analyse_capture(capture, out=out)
print(json.dumps(native.status()))
"""


def _analyse(pairs: list[tuple[str, str]], *, pure: bool) -> dict[str, bool]:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_PURE_PYTHON"}
    if pure:
        env["WORKBENCH_PURE_PYTHON"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", ANALYSE_ALL, json.dumps(pairs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_build
def test_setup_built_every_listed_module_and_the_engine_runs_compiled() -> None:
    manifest = json.loads(native.MANIFEST.read_text())
    assert manifest["tag"] == native.TAG and set(manifest["modules"]) == set(native.MODULES)
    for module in native.MODULES:
        assert native.compiled_of(module).is_file(), module
        assert manifest["modules"][module] == native.digest(native.source_of(module)), (
            f"{module} changed since its build: make setup compiles it again"
        )
    status = _analyse([], pure=False)
    assert status and all(status.values()), status
    assert not any(_analyse([], pure=True).values())  # WORKBENCH_PURE_PYTHON: the sources


@needs_build
def test_a_source_that_changed_since_the_build_is_loaded_as_python(capsys) -> None:
    module = "workbench.capture.sizes"
    current = native.NativeFinder({module: native.digest(native.source_of(module))})
    spec = current.find_spec(module)
    assert spec is not None and spec.origin == str(native.compiled_of(module)) and current.loaded[module]
    source = native.source_of(module).read_bytes()
    edited = native.NativeFinder({module: hashlib.sha256(source + b"\n# edited\n").hexdigest()})
    assert edited.find_spec(module) is None and edited.loaded[module] is False
    assert "changed since it was compiled" in capsys.readouterr().err  # said, not silent
    edited.built["workbench.capture.netutil"] = "0" * 64
    assert edited.find_spec("workbench.capture.netutil") is None
    assert capsys.readouterr().err == ""  # said once a process, not once a module
    assert native.NativeFinder({}).find_spec("workbench.capture.analyse") is None  # not listed


def test_a_module_compiled_against_another_is_stale_when_that_one_changes(tmp_path, monkeypatch) -> None:
    """engine.pxd and sink.pxd cimport flow: an engine compiled against the C `Flow` beside a `Flow`
    run as Python would read the wrong memory, so editing flow.py or flow.pxd makes engine and sink
    stale too (never a crash); a module that cimports nothing is not concerned."""
    tree = tmp_path / "workbench" / "capture"
    tree.mkdir(parents=True)
    for name in ("flow", "datagrams", "engine", "sink", "sizes"):
        for suffix in (".py", ".pxd"):
            source = native.PACKAGE / "capture" / (name + suffix)
            if source.is_file():
                (tree / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(native, "PACKAGE", tmp_path / "workbench")
    names = ["flow", "datagrams", "engine", "sink", "sizes"]

    def digests() -> dict[str, str]:
        return {n: native.digest(native.source_of(f"workbench.capture.{n}")) for n in names}

    layout = {p.name for p in native.layout_of(native.source_of("workbench.capture.engine"))}
    assert layout == {"engine.pxd", "flow.py", "flow.pxd", "datagrams.py", "datagrams.pxd"}
    before = digests()
    with (tree / "flow.py").open("a") as handle:
        handle.write("# edited\n")
    after = digests()
    assert {n for n in names if before[n] != after[n]} == {"flow", "engine", "sink"}
    with (tree / "datagrams.pxd").open("a") as handle:
        handle.write("# edited\n")
    again = digests()
    assert {n for n in names if after[n] != again[n]} == {"datagrams", "engine"}


@needs_build
def test_compiled_and_python_engines_write_the_same_tables(tmp_path) -> None:
    captures = sorted(CORPUS.glob("*.pcap*")) + sorted((ROOT / "sample_captures").glob("*.pcap"))
    assert len(captures) > 30, f"corpus missing at {CORPUS}"
    mixed, scan = tmp_path / "mixed.pcap", tmp_path / "scan.pcap"
    bench_capture.generate(mixed, 30_000)
    bench_capture.generate_scan(scan, 20_000)
    captures += [mixed, scan]
    sides = {}
    for side, pure in (("compiled", False), ("python", True)):
        pairs = [(str(c), str(tmp_path / side / f"{i}-{c.name}")) for i, c in enumerate(captures)]
        status = _analyse(pairs, pure=pure)
        assert all(status.values()) if not pure else not any(status.values())
        sides[side] = [Path(out) for _, out in pairs]
    for capture, compiled, python in zip(captures, sides["compiled"], sides["python"], strict=True):
        meta_c, meta_p = (json.loads((d / "meta.json").read_text()) for d in (compiled, python))
        assert meta_c["scalars"] == meta_p["scalars"], capture.name
        names = sorted(p.name for p in compiled.glob("*.parquet"))
        assert names == sorted(p.name for p in python.glob("*.parquet")) and names
        for name in names:
            assert pq.read_table(compiled / name).equals(pq.read_table(python / name)), (capture.name, name)
