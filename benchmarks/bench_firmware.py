"""Benchmark: `workbench firmware scan` as a user runs it, beside plain `unsquashfs -d`, in one run.

    .venv/bin/python benchmarks/bench_firmware.py [--shapes large,small] [--size-mb 100]
                                                  [--small-files 55000] [--repeat 1] [--keep DIR] [--write]

Two squashfs images (gzip) built from this machine's own files, deterministically:
- large: real ELF programs and libraries of 512 KiB or more from /usr/lib and /usr/bin, each
  copy with its own trailer (squashfs cannot deduplicate them), up to --size-mb MB of image;
- small: --small-files regular files under 64 KiB from /usr/bin, /usr/sbin, /usr/lib, /usr/libexec,
  /usr/share and /etc (configurations, scripts, small ELF programs and libraries, Python sources,
  terminfo, ...; compressed archives left out, each would be a nested layer of its own), then
  real libraries as in `large` until the image has --size-mb MB.
Both also hold a passwd/shadow pair, an inittab and an init script.

Then, alternated in each turn (each command first in one turn of three), each a whole process
(imports and writing included), each on a fresh work folder (the extraction is part of the time),
after the trees of earlier runs are removed and a `sync`:
- `unsquashfs -d DIR IMAGE`;
- `workbench firmware scan IMAGE --out DIR --workdir W` (result folder: Parquet + meta.json);
- `workbench firmware scan IMAGE --json --workdir W > FILE` (JSON Lines).
Peak memory: the largest resident set of one process of the tree (wait4) and the largest sum over
the tree, sampled from /proc every 50 ms. Target: each scan within 3x of unsquashfs, under 1 GB.
--write puts the figures into benchmarks/README_firmware.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BIN = Path(sys.executable).parent
README = Path(__file__).with_name("README_firmware.md")
BEGIN, END = "<!-- bench_firmware:begin -->", "<!-- bench_firmware:end -->"
MB = 1 << 20
SMALL_ROOTS = ("/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec", "/usr/share", "/etc")
LARGE_ROOTS = ("/usr/lib", "/usr/bin")
ARCHIVES = (".gz", ".xz", ".bz2", ".zst", ".lz4", ".zip", ".whl", ".jar", ".egg", ".tgz", ".7z", ".deb")
SHADOW = (
    "root:$6$benchroot$KDwG3oG7ZcH1gSqRYqTtX7fFQmKQ8pJ0zNq2o8bI9X6cN5wJrVxT1uY3aE4dF5gH6jK7lM8nO9pQ0rS1tU2vW3:"
    "19000::::::\nnobody:*:19000::::::\n"
)


def _files(roots: tuple[str, ...], keep) -> list[Path]:
    """Regular, readable files under `roots` that `keep(path, size)` accepts, sorted."""
    found = []
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in names:
                path = Path(folder, name)
                try:
                    if path.is_symlink() or not path.is_file():
                        continue
                    size = path.stat().st_size
                    if keep(path, size) and os.access(path, os.R_OK):
                        found.append(path)
                except OSError:
                    continue
    return sorted(found)


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def _write(root: Path, rel: str, data: bytes, mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def _common(root: Path) -> None:
    _write(root, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/sbin/nologin\n")
    _write(root, "etc/shadow", SHADOW.encode(), 0o600)
    _write(root, "etc/inittab", b"::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -l /bin/sh\n")
    _write(root, "etc/init.d/rcS", b"#!/bin/sh\n/usr/sbin/dropbear -p 22 &\n", 0o755)


def mksquashfs(root: Path, image: Path) -> int:
    image.unlink(missing_ok=True)
    subprocess.run(
        [
            "mksquashfs",
            str(root),
            str(image),
            "-noappend",
            "-comp",
            "gzip",
            "-all-root",
            "-no-progress",
            "-quiet",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return image.stat().st_size


def fill_with_libraries(root: Path, image: Path, size_mb: int, start: int = 0) -> int:
    """Copies of real programs and libraries (each with its own trailer) until the image has
    size_mb MB; the number of copies."""
    pool = [p for p in _files(LARGE_ROOTS, lambda p, s: s >= 512 << 10) if _is_elf(p)]
    if not pool:
        raise SystemExit("no ELF file of 512 KiB or more under /usr/lib, /usr/bin")
    copies, made = start, mksquashfs(root, image)
    while made < size_mb * MB:
        missing = size_mb * MB - made
        added = 0
        while added < missing * 2.6:  # binaries compress to about 40%
            source = pool[copies % len(pool)]
            data = source.read_bytes() + f"\0bench-copy-{copies}\0".encode()
            _write(root, f"usr/lib/bench/{copies // 100:03d}/{source.name}.{copies}", data, 0o755)
            added += len(data)
            copies += 1
        made = mksquashfs(root, image)
    return copies - start


def build_large(base: Path, size_mb: int) -> tuple[Path, str]:
    root = base / "tree-large"
    shutil.rmtree(root, ignore_errors=True)
    _common(root)
    image = base / "large.sqfs"
    copies = fill_with_libraries(root, image, size_mb)
    shutil.rmtree(root)
    return image, f"{copies} copies of real programs and libraries of 512 KiB or more"


def build_small(base: Path, count: int, size_mb: int) -> tuple[Path, str]:
    root = base / "tree-small"
    shutil.rmtree(root, ignore_errors=True)
    _common(root)
    chosen = _files(SMALL_ROOTS, lambda p, s: s < 64 << 10 and not p.name.endswith(ARCHIVES))[:count]
    elves = 0
    for source in chosen:
        target = root / "sys" / source.relative_to("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        elves += _is_elf(source)
    image = base / "small.sqfs"
    copies = fill_with_libraries(root, image, size_mb)
    shutil.rmtree(root)
    return image, (
        f"{len(chosen)} files under 64 KiB ({elves} of them ELF) and {copies} copies of real "
        "programs and libraries of 512 KiB or more"
    )


class TreeSampler(threading.Thread):
    """The largest sum of resident set sizes over a process and its descendants, from /proc."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def _tree_rss(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        total, stack = 0, [self.pid]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack += [child for child, parent in parents.items() if parent == pid]
        return total

    def run(self) -> None:
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, self._tree_rss())


def timed(command: list[str], stdout=subprocess.DEVNULL) -> dict:
    """Wall seconds, exit code, largest RSS of one process of the tree, sampled tree peak."""
    os.sync()  # the previous run's dirty pages are not this run's to write back
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-3000:])
    proc.stderr.close()
    return {"seconds": elapsed, "code": code, "rss": usage.ru_maxrss * 1024, "tree": sampler.peak}


def run_shape(base: Path, image: Path, repeat: int) -> dict:
    runs: dict[str, list[dict]] = {"plain": [], "out": [], "json": []}
    scan = [str(BIN / "workbench"), "firmware", "scan", str(image)]
    commands = {
        "plain": (["unsquashfs", "-no-progress", "-d", str(base / "plain"), str(image)], None),
        "out": ([*scan, "--out", str(base / "out"), "--workdir", str(base / "work-out")], None),
        "json": ([*scan, "--json", "--workdir", str(base / "work-json")], base / "lines.jsonl"),
    }
    for turn in range(repeat):  # alternated, so that all three see the same machine load
        order = list(commands)[turn % 3 :] + list(commands)[: turn % 3]  # each goes first in turn
        for kind in order:
            # every run on the same disk: the trees earlier runs wrote removed (a tree of the size
            # of the image left there made the next run 0.3-0.5 s slower on this machine's disk)
            for stale in ("plain", "work-out", "work-json") + (("out",) if kind == "out" else ()):
                shutil.rmtree(base / stale, ignore_errors=True)  # the result folder kept for its rows
            command, output = commands[kind]
            if output is None:
                runs[kind].append(timed(command))
                continue
            with open(output, "wb") as handle:
                runs[kind].append(timed(command, stdout=handle))
        print(
            f"  turn {turn + 1} ({', '.join(order)}): unsquashfs {runs['plain'][-1]['seconds']:.1f} s, "
            f"scan --out {runs['out'][-1]['seconds']:.1f} s, scan --json {runs['json'][-1]['seconds']:.1f} s",
            file=sys.stderr,
        )
    if any(r["code"] for rs in runs.values() for r in rs):
        raise SystemExit("a command failed (see above)")
    meta = json.loads((base / "out" / "meta.json").read_text())
    with open(base / "lines.jsonl", "rb") as handle:
        lines = sum(1 for _ in handle)
    return {"runs": runs, "rows": {n: t["rows"] for n, t in meta["tables"].items()}, "lines": lines}


def median(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return {
        **ordered[len(ordered) // 2],
        "rss": max(r["rss"] for r in runs),
        "tree": max(r["tree"] for r in runs),
    }


def report(
    shape: str, image: Path, what: str, built: float, result: dict, repeat: int
) -> tuple[list[str], bool]:
    plain, out, lines = (median(result["runs"][k]) for k in ("plain", "out", "json"))
    rows = result["rows"]
    ok = all(r["seconds"] <= 3 * plain["seconds"] and r["tree"] < 1 << 30 for r in (out, lines))
    every = "; ".join(
        k + " " + ", ".join(f"{r['seconds']:.1f}" for r in v) for k, v in result["runs"].items()
    )
    runs = result["runs"]
    ratios = {
        kind: [r["seconds"] / p["seconds"] for r, p in zip(runs[kind], runs["plain"], strict=True)]
        for kind in ("out", "json")
    }
    per_turn = "; ".join(f"{kind} " + ", ".join(f"{x:.1f}x" for x in xs) for kind, xs in ratios.items())
    text = [
        f"**{shape}**: squashfs (gzip), {image.stat().st_size / MB:.1f} MB; {what} (built in {built:.0f} s). "
        f"The scan found {rows['files']} files, {rows['binaries']} binaries, "
        f"{rows['components']} components, "
        f"{rows['secrets']} secrets, {rows['layers']} layers, {rows['warnings']} warnings; --json wrote "
        f"{result['lines']} lines.",
        "",
        f"Wall times (s), median of {repeat} alternated turns ({every}); memory: the largest of all turns.",
        "",
        "Ratio to unsquashfs turn by turn (the same turn's unsquashfs; the disk's speed varies from run "
        f"to run): {per_turn}.",
        "",
        "| command | wall time | vs unsquashfs | peak RSS, one process | peak RSS, process tree |",
        "|---|---|---|---|---|",
    ]
    for label, run in (
        ("`unsquashfs -d DIR IMAGE`", plain),
        ("`workbench firmware scan IMAGE --out DIR`", out),
        ("`workbench firmware scan IMAGE --json > FILE`", lines),
    ):
        ratio = run["seconds"] / plain["seconds"]
        text.append(
            f"| {label} | {run['seconds']:.1f} s | **{ratio:.1f}x** | {run['rss'] / MB:.0f} MB | "
            f"{run['tree'] / MB:.0f} MB |"
        )
    return [*text, ""], ok


def _image(shape: str, base: Path, args: argparse.Namespace) -> tuple[Path, str]:
    """The image of `shape`: built in `base`, or reused from (else built into) --images DIR,
    with its description beside it."""
    where = Path(args.images) if args.images else base
    image, described = where / f"{shape}.sqfs", where / f"{shape}.txt"
    if args.images and image.exists() and described.exists():
        return image, described.read_text()
    where.mkdir(parents=True, exist_ok=True)
    if shape == "large":
        image, what = build_large(where, args.size_mb)
    else:
        image, what = build_small(where, args.small_files, args.size_mb)
    described.write_text(what)
    return image, what


def _filesystem(path: str) -> str:
    """The type of the file system holding `path` and its mount point, from /proc/mounts."""
    where = os.path.realpath(path)
    best = ("", "an unknown file system")
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = fields[1].replace("\\040", " ")
                inside = where == point or where.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best[0]):
                    best = (point, fields[2])
    except OSError:
        pass
    return f"{best[1]} at {best[0]}" if best[0] else best[1]


def _where_run(path: str) -> str:
    kind = _filesystem(path)
    why = (
        "no disk in the way: the CPU-bound case"
        if kind.startswith("tmpfs")
        else "a disk's speed varies from run to run"
    )
    return f"Work folders and results on {kind} ({why})."


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", default="large,small", help="large, small or both (default)")
    parser.add_argument("--size-mb", type=int, default=100, help="smallest image size, in MB (default 100)")
    parser.add_argument("--small-files", type=int, default=55_000, help="small files of the small shape")
    parser.add_argument("--repeat", type=int, default=1, help="alternated turns (the median is reported)")
    parser.add_argument("--keep", metavar="DIR", help="build and keep everything in DIR")
    parser.add_argument(
        "--images", metavar="DIR", help="reuse DIR/large.sqfs and DIR/small.sqfs (else build them there)"
    )
    parser.add_argument("--write", action="store_true", help=f"write the figures into {README.name}")
    args = parser.parse_args()
    for tool in ("mksquashfs", "unsquashfs"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (scripts/install-system-deps.sh installs it)")
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    load = os.getloadavg()
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}: "
        f"{os.cpu_count()} CPUs, {platform.machine()}, Linux {platform.release()}, Python "
        f"{platform.python_version()}; load average {load[0]:.1f} at the start (the machine is shared).",
        "Command: `.venv/bin/python benchmarks/bench_firmware.py "
        f"--shapes {','.join(shapes)} --size-mb {args.size_mb} --small-files {args.small_files} "
        f"--repeat {args.repeat}"
        + (f" --images {args.images}" if args.images else "")
        + (f" --keep {args.keep}" if args.keep else "")
        + "`",
        _where_run(args.keep or tempfile.gettempdir()),
        "",
    ]
    met = True
    with tempfile.TemporaryDirectory(prefix="bench-fw-", dir=args.keep) as tmp:
        base = Path(tmp)
        for shape in shapes:
            started = time.perf_counter()
            image, what = _image(shape, base, args)
            built = time.perf_counter() - started
            print(f"{shape}: {image.stat().st_size / MB:.1f} MB built in {built:.0f} s", file=sys.stderr)
            result = run_shape(base, image, args.repeat)
            text, ok = report(shape, image, what, built, result, args.repeat)
            lines += text
            met = met and ok
            for stale in ("plain", "out", "work-out", "work-json", "lines.jsonl"):
                path = base / stale
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    lines.append(
        f"Load average at the end {os.getloadavg()[0]:.1f}. Targets (each scan within 3x of "
        f"unsquashfs, peak under 1 GB): **{'met' if met else 'NOT met'}**."
    )
    text = "\n".join(lines)
    print(text)
    if args.write:
        readme = README.read_text()
        block = f"{BEGIN}\n{text}\n{END}"
        README.write_text(
            re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, readme, flags=re.S)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
