"""Compiled copies of the engines' hot modules, used only while they match their source.

The engines are Python; `scripts/build_native.py` (run by `make setup`) compiles the modules named
in `MODULES` with Cython, unchanged, into `<module>.native.<ABI tag>.so` beside each source. A
`.pxd` beside a module gives C types to its compiled copy only (the capture engine's hot loop, a
flow's counters); as Python the module is the same code. Two modules take another path when
compiled (`cython.compiled`): linejoin and entropy loop in C where, as Python, Arrow and numpy do
the work; the tests hold both paths to the same answers. `workbench/native-build.json` records each
source's SHA-256 together with what its copy is built against (`layout_of`: its `.pxd` and the
modules that cimports). `install()` (done when `workbench` is imported) puts a finder before
Python's own: a listed module is loaded from its compiled copy when that copy was built from the
source as it is now, else from the source as usual, so an edited module (or one compiled against
an edited module's C layout) is never shadowed by a stale build. The compiled copies are not in
the repository (`.gitignore`) and need a C compiler to build; without them everything runs as
Python, slower. WORKBENCH_PURE_PYTHON=1 ignores them (the tests compare both).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
MANIFEST = PACKAGE / "native-build.json"
TAG = importlib.machinery.EXTENSION_SUFFIXES[0].removeprefix(".").removesuffix(".so")
MODULES = (  # what a capture's every packet or flow, or a firmware image's every file, passes through
    "workbench.capture.engine",
    "workbench.capture.streams",
    "workbench.capture.tls_stream",
    "workbench.capture.tls",
    "workbench.capture.http",
    "workbench.capture.http_stream",
    "workbench.capture.flow",
    "workbench.capture.sink",
    "workbench.capture.datagrams",
    "workbench.capture.dns",
    "workbench.capture.appid",
    "workbench.capture.logins",
    "workbench.capture.reader",
    "workbench.capture.downloads",
    "workbench.capture.sizes",
    "workbench.capture.netutil",
    "workbench.capture.discovery",
    "workbench.capture.credentials",
    "workbench.capture.certs",
    "workbench.spill",
    "workbench.linejoin",  # JSON Lines' rows joined
    "workbench.firmware.filework",  # a firmware scan's per-file work: every file of the image
    "workbench.firmware.secrets",  # firmware: secrets in every text and program
    "workbench.firmware.secrets_compared",  # firmware: compared literals in every text
    "workbench.firmware.accounts",  # firmware: credentials in every text
    "workbench.firmware.update",  # firmware: update tools and URLs in every text and program
    "workbench.firmware.filetype",  # firmware: every file's type
    "workbench.firmware.magic",  # firmware: every file's type
    "workbench.firmware.entropy",  # firmware: every file's byte counts
    "workbench.firmware.anchors",  # firmware: every finder's anchors
    "workbench.firmware.keys",  # firmware: keys in every file
    "workbench.firmware.components",  # firmware: version strings in every file
    "workbench.firmware.inventory",  # firmware: every entry of the image walked
)


def source_of(module: str) -> Path:
    return PACKAGE.parent / (module.replace(".", "/") + ".py")


def compiled_of(module: str) -> Path:
    source = source_of(module)
    return source.with_name(f"{source.stem}.native.{TAG}.so")


_CIMPORT = re.compile(r"^\s*(?:from\s+(workbench(?:\.\w+)+)\s+cimport|cimport\s+(workbench(?:\.\w+)+))", re.M)


def layout_of(path: Path) -> list[Path]:
    """What a source's compiled copy is built against: its `.pxd`, then the sources and `.pxd`s of
    the modules that declaration cimports, transitively (engine.pxd cimports flow: an engine
    compiled against the C `Flow` must never run beside a `Flow` run as Python)."""
    found: list[Path] = []
    pending = [path.with_suffix(".pxd")]
    while pending:
        pxd = pending.pop()
        if pxd in found or not pxd.is_file():
            continue
        found.append(pxd)
        for named in _CIMPORT.findall(pxd.read_text(encoding="utf-8")):
            other = source_of(named[0] or named[1])
            if other not in found:
                found.append(other)
            pending.append(other.with_suffix(".pxd"))
    return found


def digest(path: Path) -> str:
    """SHA-256 of a source and of everything its compiled copy is built against (`layout_of`)."""
    sha = hashlib.sha256(path.read_bytes())
    for part in sorted(layout_of(path)):
        sha.update(part.name.encode() + b"\0" + part.read_bytes())
    return sha.hexdigest()


class NativeFinder:
    """Finds a listed module's compiled copy when it was built from the source as it is now."""

    def __init__(self, built: dict[str, str]) -> None:
        self.built = built  # module -> SHA-256 of the source it was compiled from
        self.loaded: dict[str, bool] = {}  # module -> whether its compiled copy was used
        self.said = False  # a stale copy is said once a process, not once a module

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        expected = self.built.get(name)
        if expected is None:
            return None
        compiled = compiled_of(name)
        try:
            current = digest(source_of(name)) == expected and compiled.is_file()
        except OSError:
            current = False
        self.loaded[name] = current
        if not current:
            if compiled.is_file() and not self.said:  # built from another version of the source
                self.said = True
                print(
                    f"workbench: {name} changed since it was compiled: it (and any other module so "
                    "changed) runs as Python, slower, until `make setup` compiles it again",
                    file=sys.stderr,
                )
            return None  # the source as usual
        loader = importlib.machinery.ExtensionFileLoader(name, str(compiled))
        return importlib.util.spec_from_file_location(name, compiled, loader=loader)


def built() -> dict[str, str]:
    """The listed modules compiled for this interpreter (module -> SHA-256 of the source each was
    compiled from), as the manifest says; empty when there is none or it is of another build."""
    try:
        manifest = json.loads(MANIFEST.read_text())
        modules = dict(manifest.get("modules") or {}) if manifest.get("tag") == TAG else {}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}
    return {m: s for m, s in modules.items() if m in MODULES}


def install() -> NativeFinder | None:
    """The finder, first on sys.meta_path, if compiled copies were built (once per process)."""
    if (finder := _installed()) is not None:
        return finder
    compiled = {} if os.environ.get("WORKBENCH_PURE_PYTHON") else built()
    if not compiled:
        return None
    finder = NativeFinder(compiled)
    sys.meta_path.insert(0, finder)
    return finder


def status() -> dict[str, bool]:
    """Each listed module imported so far: whether it runs compiled."""
    loaded = finder.loaded if (finder := _installed()) is not None else {}
    return {m: loaded.get(m, False) for m in MODULES if m in sys.modules}


def _installed() -> NativeFinder | None:
    return next((f for f in sys.meta_path if isinstance(f, NativeFinder)), None)
