"""Compile the engines' hot modules with Cython (`make setup` runs this; see workbench/native.py).

    .venv/bin/python scripts/build_native.py            # build what is missing or out of date
    .venv/bin/python scripts/build_native.py --clean    # remove every compiled copy and the manifest

Each module of workbench.native.MODULES is compiled unchanged from a copy of its source (the package
folders recreated in a scratch folder, so its classes keep their module names), and the shared
object lands beside the source as `<name>.native.<ABI tag>.so`; workbench/native-build.json records
the SHA-256 of each source compiled. A module whose source changed since is compiled again; one
that cannot be compiled (no Cython, no C compiler) is said and left to run as Python: set-up does
not fail for it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench import native  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled copies and the manifest")
    args = parser.parse_args()
    if args.clean:
        for module in native.MODULES:
            native.compiled_of(module).unlink(missing_ok=True)
        native.MANIFEST.unlink(missing_ok=True)
        return 0
    built = native.built()
    stale = [
        m
        for m in native.MODULES
        if built.get(m) != native.digest(native.source_of(m)) or not native.compiled_of(m).is_file()
    ]
    if not stale:
        return 0
    try:
        import Cython  # noqa: F401
        from Cython.Build import cythonize  # noqa: F401
    except ImportError:
        print("build_native: Cython is not installed: the engines run as Python (slower)")
        return 0
    print(
        f"build_native: compiling {len(stale)} module(s) of the capture and firmware engines with Cython "
        "(a minute or two the first time) ...",
        flush=True,
    )
    started = time.monotonic()
    try:
        done = _compile(stale)
    except Exception as exc:  # a missing compiler or headers: said, set-up goes on
        print(f"build_native: not compiled ({exc}): the engines run as Python (slower)")
        return 0
    built = {m: s for m, s in built.items() if m not in stale} | done
    _write_manifest(built)
    print(
        f"build_native: done in {time.monotonic() - started:.0f} s ({len(done)} module(s) compiled, "
        f"{len(built) - len(done)} up to date)"
    )
    return 0


def _compile(modules: list[str]) -> dict[str, str]:
    from Cython.Build import cythonize
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    done: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="workbench-native-") as tmp:
        scratch = Path(tmp)
        sources = {}
        for module in modules:
            source = native.source_of(module)
            copy = scratch / source.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
            for pxd in native.layout_of(source):  # its C declarations and those it cimports
                if pxd.suffix == ".pxd":
                    (scratch / pxd.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(pxd, scratch / pxd.relative_to(ROOT))
            sources[module] = (native.digest(source), copy)
            for parent in copy.relative_to(scratch).parents:  # package folders: qualified names
                if str(parent) != ".":
                    (scratch / parent / "__init__.py").touch()
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            extensions = cythonize(
                [str(copy.relative_to(scratch)) for _, copy in sources.values()],
                # annotations stay hints, as in Python: `x: int` must not make Cython refuse a
                # numpy integer or a bool that the source accepts
                compiler_directives={"language_level": 3, "binding": True, "annotation_typing": False},
                nthreads=os.cpu_count() or 1,
                quiet=True,
            )
            for extension in extensions:  # no debug information: a quarter less time, a fifth the size
                extension.extra_compile_args = [*extension.extra_compile_args, "-g0"]
            dist = Distribution({"ext_modules": extensions})
            command = build_ext(dist)
            command.build_lib = str(scratch / "lib")
            command.build_temp = str(scratch / "temp")
            command.parallel = os.cpu_count() or 1
            command.ensure_finalized()
            command.run()
        finally:
            os.chdir(cwd)
        for module, (sha, _) in sources.items():
            relative = native.source_of(module).relative_to(ROOT).with_suffix("")
            (built,) = (scratch / "lib" / relative.parent).glob(f"{relative.name}.*.so")
            target = native.compiled_of(module)
            partial = target.with_name(target.name + ".tmp")
            shutil.copyfile(built, partial)
            os.replace(partial, target)  # a running process keeps the file it mapped
            done[module] = sha
    return done


def _write_manifest(built: dict[str, str]) -> None:
    import Cython

    text = json.dumps({"tag": native.TAG, "cython": Cython.__version__, "modules": built}, indent=1)
    partial = native.MANIFEST.with_name(native.MANIFEST.name + ".tmp")
    partial.write_text(text + "\n")
    os.replace(partial, native.MANIFEST)


if __name__ == "__main__":
    raise SystemExit(main())
