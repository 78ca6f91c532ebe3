"""Benchmark: `workbench firmware diff A B` against the two scans it stands on, in one run.

    .venv/bin/python benchmarks/bench_firmware_diff.py [--shapes large,small] [--size-mb 60]
                                                       [--small-files 30000] [--repeat 1] [--keep DIR]

Two shapes (the images of benchmarks/bench_firmware.py, built by its functions, here ~60 MB):
- large: few large files (copies of this machine's ELF programs and libraries of 512 KiB or more);
- small: --small-files files under 64 KiB from /usr and /etc, then large copies up to the size.
Image B is image A's tree changed: 1% of the files edited (a trailer appended, at least 3), as
many removed and added, one file's mode changed, a secret added to a configuration, the root
password's hash changed; both gzip squashfs.

Timed, each a whole process as a user runs it (imports, extraction, tables, writing), after a sync:
- `workbench firmware scan A --out DIR --workdir W1` and the same for B (fresh work folders);
- `workbench firmware diff A B --out DIR --workdir W` on a fresh W (cold: both scans and the diff);
- the same again (cached: both scans reused from W, only the diff).
Targets (issue 13, "no more than the two scans plus 10%"), both readings: the cold diff within
the two scans plus 10%; the cached diff's own work (its time less `workbench --help`'s, the
process start every command pays) within 10% of the two scans.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_firmware import (  # noqa: E402
    ARCHIVES,
    BIN,
    MB,
    SMALL_ROOTS,
    _common,
    _files,
    _write,
    fill_with_libraries,
    mksquashfs,
    timed,
)

SECRET = b"aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n"
NEW_SHADOW = (
    b"root:$6$benchnew$KDwG3oG7ZcH1gSqRYqTtX7fFQmKQ8pJ0zNq2o8bI9X6cN5wJrVxT1uY3aE4dF5gH6jK7lM8nO9pQ0rS1tU2vW3:"
    b"19001::::::\nnobody:*:19000::::::\n"
)


def build_tree(root: Path, shape: str, image: Path, size_mb: int, small_files: int) -> str:
    """Image A's tree (kept in `root`) and image A; what it holds."""
    shutil.rmtree(root, ignore_errors=True)
    _common(root)
    _write(root, "etc/app.conf", b"# application\nserver=example.invalid\n")
    what = ""
    if shape == "small":
        chosen = _files(SMALL_ROOTS, lambda p, s: s < 64 << 10 and not p.name.endswith(ARCHIVES))[
            :small_files
        ]
        for source in chosen:
            target = root / "sys" / source.relative_to("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        what = f"{len(chosen)} files under 64 KiB, "
    copies = fill_with_libraries(root, image, size_mb)
    return what + f"{copies} copies of programs and libraries of 512 KiB or more"


def change_tree(root: Path) -> dict[str, int]:
    """Image B's tree from A's: edited, removed and added files, a mode, a secret, a hash."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and "etc" not in p.parts)
    step = max(1, len(files) // max(3, len(files) // 100))
    picked = files[::step]
    edited, removed = picked[0::2], picked[1::2]
    for path in edited:
        with open(path, "ab") as handle:
            handle.write(b"\0bench-diff-edit\0")
    for number, path in enumerate(removed):
        added = path.with_name(path.name + f".added-{number}")
        shutil.copyfile(path, added)
        with open(added, "ab") as handle:
            handle.write(f"\0bench-diff-added-{number}\0".encode())
        path.unlink()
    (root / "etc/init.d/rcS").chmod(0o700)
    with open(root / "etc/app.conf", "ab") as handle:
        handle.write(SECRET)
    (root / "etc/shadow").write_bytes(NEW_SHADOW)
    return {"edited": len(edited), "removed": len(removed), "added": len(removed)}


def build_pair(base: Path, shape: str, args: argparse.Namespace) -> tuple[Path, Path, str]:
    """Images A and B of a shape, built in `base` (or reused from --images DIR, else built there)."""
    where = Path(args.images) if args.images else base
    image_a, image_b, described = (where / f"{shape}-{n}" for n in ("a.sqfs", "b.sqfs", "what.txt"))
    if args.images and image_a.exists() and image_b.exists() and described.exists():
        return image_a, image_b, described.read_text()
    where.mkdir(parents=True, exist_ok=True)
    root = where / f"tree-{shape}"
    what = build_tree(root, shape, image_a, args.size_mb, args.small_files)
    changed = change_tree(root)
    mksquashfs(root, image_b)
    shutil.rmtree(root)
    what += (
        f"; B: {changed['edited']} files edited, {changed['removed']} removed, {changed['added']} added,"
        " a mode, a secret and a password hash changed"
    )
    described.write_text(what)
    return image_a, image_b, what


def run_turn(base: Path, a: Path, b: Path) -> dict[str, dict]:
    for stale in ("wa", "wb", "oa", "ob", "wd", "od"):
        shutil.rmtree(base / stale, ignore_errors=True)
    wb = str(BIN / "workbench")
    runs = {
        "scan_a": timed(
            [wb, "firmware", "scan", str(a), "--out", str(base / "oa"), "--workdir", str(base / "wa")]
        ),
        "scan_b": timed(
            [wb, "firmware", "scan", str(b), "--out", str(base / "ob"), "--workdir", str(base / "wb")]
        ),
    }
    diff = [wb, "firmware", "diff", str(a), str(b), "--out", str(base / "od"), "--workdir", str(base / "wd")]
    runs["cold"] = timed(diff)
    shutil.rmtree(base / "od")
    runs["cached"] = timed(diff)
    runs["start"] = timed([wb, "--help"])  # what any workbench command pays before its work
    if any(r["code"] for r in runs.values()):
        raise SystemExit("a command failed (see above)")
    return runs


def report(
    shape: str, a: Path, b: Path, what: str, turns: list[dict[str, dict]], base: Path
) -> tuple[list[str], bool]:
    def median(key: str) -> float:  # of one command, or of both scans
        values = sorted(
            t[key]["seconds"] if key != "scans" else t["scan_a"]["seconds"] + t["scan_b"]["seconds"]
            for t in turns
        )
        return values[len(values) // 2]

    scans, cold, cached, start = median("scans"), median("cold"), median("cached"), median("start")
    summary = json.loads((base / "od" / "meta.json").read_text())["scalars"]["summary"]["kinds"]
    counts = ", ".join(
        f"{k} {v['added']}/{v['removed']}/{v['changed']}" for k, v in summary.items() if any(v.values())
    )
    peak = max(t[k]["tree"] for t in turns for k in t)
    ok = cold <= 1.10 * scans and cached - start <= 0.10 * scans
    sizes = f"A {a.stat().st_size / MB:.1f} MB, B {b.stat().st_size / MB:.1f} MB (gzip squashfs)"
    every = "; ".join(
        f"scans {t['scan_a']['seconds']:.1f}+{t['scan_b']['seconds']:.1f}, "
        f"cold {t['cold']['seconds']:.1f}, cached {t['cached']['seconds']:.1f}"
        for t in turns
    )
    return [
        f"**{shape}**: {sizes}; {what}.",
        f"The diff found (added/removed/changed): {counts}.",
        "",
        "| command | wall time | vs the two scans |",
        "|---|---|---|",
        f"| `firmware scan A --out` + `firmware scan B --out` | {scans:.1f} s | 1.00x |",
        f"| `firmware diff A B --out --workdir W`, cold | {cold:.1f} s | **{cold / scans:.2f}x** |",
        f"| `firmware diff A B --out --workdir W`, cached | {cached:.1f} s | **{cached / scans:.2f}x** |",
        f"| `workbench --help` (the process start any command pays) | {start:.1f} s | {start / scans:.2f}x |",
        "",
        f"Every turn (s): {every}. Peak RSS of a process tree: {peak / MB:.0f} MB.",
        "",
    ], ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", default="large,small")
    parser.add_argument("--size-mb", type=int, default=60)
    parser.add_argument("--small-files", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="build and keep everything in DIR")
    parser.add_argument(
        "--images", metavar="DIR", help="reuse the image pairs in DIR (else build them there)"
    )
    args = parser.parse_args()
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}: "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start (the machine is shared).",
        f"Command: `.venv/bin/python benchmarks/bench_firmware_diff.py --shapes {','.join(shapes)} "
        f"--size-mb {args.size_mb} --small-files {args.small_files} --repeat {args.repeat}"
        + (f" --images {args.images}" if args.images else "")
        + "`",
        "",
    ]
    met = True
    with tempfile.TemporaryDirectory(prefix="bench-fwdiff-", dir=args.keep) as tmp:
        base = Path(tmp)
        for shape in shapes:
            started = time.perf_counter()
            a, b, what = build_pair(base, shape, args)
            print(f"{shape}: built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            turns = []
            for turn in range(args.repeat):
                turns.append(run_turn(base, a, b))
                t = turns[-1]
                print(
                    f"  turn {turn + 1}: scans {t['scan_a']['seconds']:.1f}+{t['scan_b']['seconds']:.1f} s, "
                    f"diff cold {t['cold']['seconds']:.1f} s, cached {t['cached']['seconds']:.1f} s",
                    file=sys.stderr,
                )
            text, ok = report(shape, a, b, what, turns, base)
            lines += text
            met = met and ok
    verdict = "met" if met else "NOT met"
    lines.append(
        f"Targets (the cold diff within the two scans + 10%; the cached diff's own work, its time less the"
        f" process start, within 10% of the two scans): **{verdict}**."
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
