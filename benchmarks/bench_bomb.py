"""Benchmark: `workbench firmware scan` of a decompression bomb, beside expanding it with `gzip -dc`.

    .venv/bin/python benchmarks/bench_bomb.py [--gib 2] [--keep DIR]

The image is a gzip stream of --gib GiB of zeros (about 2 MB per GiB), written by streaming zlib, never
the zeros themselves. Each command a whole process (imports and writing included), timed by
bench_firmware.timed (wall seconds, the largest resident set of the tree):
- `gzip -dc bomb.gz > /dev/null`: what expanding the whole stream costs;
- `workbench firmware scan bomb.gz --out DIR --workdir W`: the engine stops the stream at the
  extraction's size limit or its expansion ratio (workbench.firmware.streams), and says so.
Target (issue 17): the scan under 30 s. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_firmware import timed  # noqa: E402  (the shared whole-process timer)

BLOCK = bytes(1 << 20)


def write_bomb(path: Path, gib: int) -> int:
    """A gzip stream of `gib` GiB of zeros; its size in bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    with open(path, "wb") as out:
        for _ in range(gib * 1024):
            out.write(packer.compress(BLOCK))
        out.write(packer.flush())
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=int, default=2)
    parser.add_argument("--keep", metavar="DIR", help="work here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    base = Path(args.keep or tempfile.mkdtemp(prefix="bench-bomb-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        bomb = base / "bomb.gz"
        size = write_bomb(bomb, args.gib)
        gzip_run = timed(["sh", "-c", f"gzip -dc '{bomb}' > /dev/null"])
        out, work = base / "scan", base / "work"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        scan = timed([sys.executable, "-m", "workbench", "firmware", "scan", str(bomb), "--out", str(out),
                      "--workdir", str(work)])  # fmt: skip
        meta = json.loads((out / "meta.json").read_text()) if (out / "meta.json").is_file() else {}
        image = meta.get("scalars", {}).get("image", {})
        warnings = pq.read_table(out / "warnings.parquet", columns=["message"]).column(0).to_pylist()
        print(json.dumps({
            "bomb": {"compressed_bytes": size, "expanded_gib": args.gib},
            "gzip -dc": {"seconds": round(gzip_run["seconds"], 2), "rss_mb": gzip_run["rss"] >> 20},
            "workbench firmware scan": {"seconds": round(scan["seconds"], 2), "rss_mb": scan["rss"] >> 20,
                                        "tree_mb": scan["tree"] >> 20, "exit": scan["code"],
                                        "extraction": image.get("extraction"), "warnings": warnings[:3]},
            "target_met": scan["code"] == 0 and scan["seconds"] < 30,
        }, indent=2))  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
