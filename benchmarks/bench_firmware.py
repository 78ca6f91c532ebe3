"""Benchmark: the whole firmware scan of a large squashfs image against plain `unsquashfs`.

    .venv/bin/python benchmarks/bench_firmware.py [--size-mb 64] [--random-mb 8] [--comp gzip|xz]
                                                  [--keep DIR] [--write]

Builds (deterministically, from a seed) a squashfs root filesystem of at least --size-mb MB:
a few thousand configuration files, scripts and text files, --random-mb MB of random
high-entropy blobs, a passwd/shadow pair with real SHA-512 crypt hashes, a small nested .tar.gz,
and a few hundred real ELF binaries (a handful of C programs compiled by gcc with different
hardening flags, copied under varied names with a distinct trailer each so that squashfs cannot
deduplicate them, plus Debian's /bin/busybox when it is installed); copies of busybox (else of
the largest static program) fill the image up to its size, as executables fill real firmware.
Then, in the same run:

- plain: `unsquashfs -d DIR IMAGE`, timed;
- scan: one Python subprocess that runs `scan_firmware(IMAGE, workdir=fresh DIR)` (extraction in
  the confined worker, every table, the default-password tests), writes its JSON and the
  CycloneDX SBOM; peak memory is the largest resident set of any process of its tree (wait4's
  rusage) and the largest sum over the tree sampled from /proc every 50 ms;
- rescan: `workbench firmware scan IMAGE --json --workdir DIR` on the same DIR (the CLI as a user
  runs it; the extraction is reused, every table is computed again).

Targets: scan within 10x of the plain extraction, peak memory under 1 GB.
--write puts the figures into benchmarks/README_firmware.md.
"""

from __future__ import annotations

import argparse
import json
import lzma
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

BIN = Path(sys.executable).parent
README = Path(__file__).with_name("README_firmware.md")
BEGIN, END = "<!-- bench_firmware:begin -->", "<!-- bench_firmware:end -->"
MB = 1 << 20
BUSYBOX = Path("/bin/busybox")
SCAN = """
import json, sys
from workbench.firmware import scan_firmware
from workbench.firmware.sbom import build_sbom
scan = scan_firmware(sys.argv[1], workdir=sys.argv[2])
with open(sys.argv[3], "w") as out:
    json.dump(scan.to_json(include_hashes=False), out, default=str)
with open(sys.argv[4], "w") as out:
    out.write(build_sbom(scan))
"""

PROGRAMS = {
    "httpd": 'const char *v = "lighttpd/1.4.45"; int main(int c, char **a) { char b[64];'
    ' strcpy(b, c > 1 ? a[1] : "x"); printf("%s %s\\n", v, b); return 0; }',
    "sslcheck": 'const char *v = "OpenSSL 1.0.2k  26 Jan 2017"; int main(void) { char b[32];'
    ' snprintf(b, sizeof b, "%s", v); puts(b); return 0; }',
    "dnsd": 'const char *v = "dnsmasq-2.78"; int main(int c, char **a) { char b[128];'
    ' memcpy(b, a[0], strlen(a[0]) % 64); b[63] = 0; puts(v); return b[0]; }',
    "sysmon": "int main(void) { FILE *f = fopen(\"/proc/loadavg\", \"r\"); char b[64];"
    " if (f && fgets(b, sizeof b, f)) puts(b); return 0; }",
    "cfgtool": 'int main(int c, char **a) { char b[256]; sprintf(b, "%s=%s", c > 1 ? a[1] : "k",'
    ' c > 2 ? a[2] : "v"); puts(b); return 0; }',
    "upgraded": 'const char *u = "https://update.example.com/fw"; int main(void) { puts(u); return 0; }',
}
FLAGS = {
    "hardened": ["-O2", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-fPIE", "-pie",
                 "-Wl,-z,relro,-z,now"],
    "partial": ["-O1", "-fstack-protector", "-no-pie", "-Wl,-z,relro"],
    "weak": ["-O0", "-fno-stack-protector", "-no-pie", "-z", "execstack", "-Wl,-z,norelro"],
    "static": ["-O2", "-static"],
}
WORDS = [
    *("device", "camera", "network", "stream", "update", "config", "service", "enable", "disable"),
    *("port", "user", "admin", "log", "level", "timeout", "retry", "buffer", "interface", "address"),
    *("gateway", "route", "firmware", "version", "module"),
]


def _text(rng: random.Random, lines: int) -> str:
    return "".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + "\n"
                   for _ in range(lines))


def _write(root: Path, rel: str, data: str | bytes, mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)


def compile_programs(work: Path) -> list[Path]:
    built = []
    for name, body in PROGRAMS.items():
        source = work / f"{name}.c"
        source.write_text(f"#include <stdio.h>\n#include <string.h>\n{body}\n")
        for variant, flags in FLAGS.items():
            out = work / f"{name}-{variant}"
            done = subprocess.run(["gcc", *flags, str(source), "-o", str(out)], capture_output=True)
            if done.returncode == 0:
                built.append(out)
    source = work / "libcodec.c"
    source.write_text('const char *codec_version(void) { return "libcodec 2.3.1"; }\n')
    lib = work / "libcodec.so"
    if subprocess.run(["gcc", "-shared", "-fPIC", "-O2", str(source), "-o", str(lib)]).returncode == 0:
        built.append(lib)
    if not built:
        raise SystemExit("gcc built nothing: is gcc installed?")
    return built


def build_tree(root: Path, work: Path, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"text": 0, "elf": 0, "random": 0}
    from passlib.hash import sha512_crypt  # real hashes, fixed salts

    _write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n"
           "nobody:x:65534:65534::/nonexistent:/sbin/nologin\n")
    root_hash = sha512_crypt.using(salt="benchroot", rounds=5000).hash("k7#Rq2!vW9zLm4")
    admin_hash = sha512_crypt.using(salt="benchadmn", rounds=5000).hash("admin")  # a default
    shadow = f"root:{root_hash}:19000::::::\nadmin:{admin_hash}:19000::::::\nnobody:*:19000::::::\n"
    _write(root, "etc/shadow", shadow, 0o600)
    _write(root, "etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/httpd -p 80\n")
    _write(root, "etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/dnsd &\n/usr/sbin/sysmon &\n", 0o755)
    for i in range(1200):
        section = rng.choice(["network", "wireless", "system", "firewall", "media", "cloud"])
        body = "".join(f"option {rng.choice(WORDS)}_{j} '{rng.randint(0, 99999)}'\n"
                       for j in range(rng.randint(5, 60)))
        _write(root, f"etc/config/{section}/{section}{i:04d}.conf", f"config {section}\n{body}")
        counts["text"] += 1
    for i in range(900):
        body = "".join(f"{rng.choice(WORDS)}_{j}() {{ echo {rng.choice(WORDS)} $1; }}\n"
                       for j in range(rng.randint(3, 40)))
        _write(root, f"usr/lib/scripts/s{i // 100}/task{i:04d}.sh", f"#!/bin/sh\n{body}", 0o755)
        counts["text"] += 1
    for i in range(1100):
        _write(root, f"usr/share/doc/pkg{i // 50:02d}/notes{i:04d}.txt", _text(rng, rng.randint(5, 120)))
        counts["text"] += 1
    for i in range(200):
        _write(root, f"www/page{i:03d}.html", f"<html><body><p>{_text(rng, 20)}</p></body></html>\n")
        counts["text"] += 1
    nested = work / "nested"
    _write(nested, "share/readme.txt", _text(rng, 30))
    _write(nested, "share/extra.conf", "password_file=/etc/shadow\n")
    subprocess.run(["tar", "-czf", str(root / "usr/share/assets.tar.gz"), "-C", str(nested), "share"],
                   check=True)

    programs = compile_programs(work)
    dirs = ["usr/bin", "usr/sbin", "bin", "sbin", "usr/libexec", "usr/lib"]
    for i in range(360):
        source = programs[i % len(programs)]
        suffix = ".so" if source.suffix == ".so" else ""
        rel = f"{dirs[i % len(dirs)]}/{source.stem.split('-')[0]}{i:03d}{suffix}"
        _write(root, rel, source.read_bytes() + f"\0bench-copy-{i}\0".encode(), 0o755)
        counts["elf"] += 1
    if BUSYBOX.is_file():
        data = BUSYBOX.read_bytes()
        for i, name in enumerate(("bin/busybox", "sbin/busybox-recovery", "usr/bin/busybox-extra")):
            _write(root, name, data + f"\0copy-{i}\0".encode(), 0o755)
            counts["elf"] += 1
        (root / "bin/sh").symlink_to("busybox")

    return counts


def add_random(root: Path, total: int, seed: int, blobs: int = 12) -> int:
    """Random blobs (calibration data, encrypted parts): they do not compress."""
    rng = random.Random(seed + 1)
    for i in range(blobs):
        _write(root, f"usr/share/blobs/cal{i:02d}.bin", rng.randbytes(total // blobs + 1))
    return blobs


def filler(work: Path) -> bytes:
    """The binary whose copies bring the image to its size: busybox, else the largest static
    program built here (what makes most of a real firmware image: executables)."""
    if BUSYBOX.is_file():
        return BUSYBOX.read_bytes()
    static = [p for p in work.iterdir() if p.name.endswith("-static")]
    return max(static, key=lambda p: p.stat().st_size).read_bytes()


def packed_size(data: bytes, comp: str) -> int:
    """About what mksquashfs makes of data: 128 KiB blocks compressed one by one."""
    block = 128 << 10
    pack = zlib.compress if comp == "gzip" else lzma.compress
    return sum(len(pack(data[i : i + block])) for i in range(0, len(data), block))


def add_copies(root: Path, data: bytes, count: int, start: int) -> int:
    for i in range(start, start + count):
        rel = f"usr/libexec/pkg{i // 20:02d}/applet{i:03d}"
        _write(root, rel, data + f"\0fill-copy-{i}\0".encode(), 0o755)  # distinct: no deduplication
    return count


def mksquashfs(root: Path, image: Path, comp: str) -> None:
    subprocess.run(["mksquashfs", str(root), str(image), "-noappend", "-comp", comp, "-all-root",
                    "-no-progress", "-quiet"], check=True, stdout=subprocess.DEVNULL)


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


def timed(command: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, int, int]:
    """(wall seconds, exit code, largest RSS of one process in the tree, sampled tree peak)."""
    os.sync()  # the previous run's dirty pages are not this run's to write back
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-3000:])
    proc.stderr.close()
    return elapsed, proc.returncode, usage.ru_maxrss * 1024, sampler.peak


def median(runs: list[tuple[float, int, int, int]]) -> tuple[float, int, int, int]:
    """The run of median wall time, with the largest memory figures of all runs."""
    ordered = sorted(runs)
    middle = ordered[len(ordered) // 2]
    return middle[0], middle[1], max(r[2] for r in runs), max(r[3] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=64, help="smallest image size, in MB (default 64)")
    parser.add_argument("--random-mb", type=int, default=8, help="random data in it, in MB (default 8)")
    parser.add_argument("--comp", default="gzip", choices=("gzip", "xz"))
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side (median reported)")
    parser.add_argument("--keep", metavar="DIR", help="build and keep everything in DIR")
    parser.add_argument("--write", action="store_true", help=f"write the figures into {README.name}")
    args = parser.parse_args()
    for tool in ("mksquashfs", "unsquashfs", "gcc"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (scripts/install-system-deps.sh installs it)")

    with tempfile.TemporaryDirectory(prefix="bench-fw-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        for stale in ("tree", "work", "plain", "scan"):
            shutil.rmtree(base / stale, ignore_errors=True)
        (base / "work").mkdir()
        started = time.perf_counter()
        counts = build_tree(base / "tree", base / "work", args.seed)
        image = base / f"bench-{args.comp}.sqfs"
        image.unlink(missing_ok=True)
        counts["random"] = add_random(base / "tree", args.random_mb * MB, args.seed)
        fill, copies = filler(base / "work"), 0
        mksquashfs(base / "tree", image, args.comp)
        while image.stat().st_size < args.size_mb * MB:  # fill with executables up to the size
            missing = args.size_mb * MB - image.stat().st_size
            more = math.ceil(missing * 1.02 / packed_size(fill, args.comp))
            copies += add_copies(base / "tree", fill, more, copies)
            mksquashfs(base / "tree", image, args.comp)
        counts["elf"] += copies
        built = time.perf_counter() - started
        shutil.rmtree(base / "tree")
        size = image.stat().st_size
        load = os.getloadavg()[0]

        plains, scans, out = [], [], base / "scan.json"
        for turn in range(args.repeat):  # alternated, so that both see the same machine load
            shutil.rmtree(base / "plain", ignore_errors=True)
            shutil.rmtree(base / "scan", ignore_errors=True)
            plains.append(timed(["unsquashfs", "-no-progress", "-d", str(base / "plain"), str(image)]))
            scans.append(timed([sys.executable, "-c", SCAN, str(image), str(base / "scan"), str(out),
                                str(base / "sbom.json")]))
            print(f"turn {turn + 1}: unsquashfs {plains[-1][0]:.1f} s, scan {scans[-1][0]:.1f} s",
                  file=sys.stderr)
        with open(base / "rescan.json", "wb") as handle:
            rescan = timed([str(BIN / "workbench"), "firmware", "scan", str(image), "--json",
                            "--workdir", str(base / "scan")], stdout=handle)
        if any(run[1] for run in [*plains, *scans, rescan]):
            raise SystemExit("a command failed (see above)")
        plain, scan = median(plains), median(scans)
        load_end = os.getloadavg()[0]
        result = json.loads(out.read_text())
        sbom_components = len(json.loads((base / "sbom.json").read_text()).get("components", []))
    tables = {name: len(rows) for name, rows in result.items() if isinstance(rows, list)}
    ratio = scan[0] / plain[0]
    peak = max(scan[2], scan[3], rescan[2], rescan[3])
    verdict = "met" if ratio <= 10 and peak < 1 << 30 else "NOT met"
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}: "
        f"{os.cpu_count()} CPUs, {platform.machine()}, Linux {platform.release()}, Python "
        f"{platform.python_version()}; load average {load:.1f} at start, {load_end:.1f} at the end "
        "(the machine is shared: figures vary with it).",
        "Command: `.venv/bin/python benchmarks/bench_firmware.py "
        f"--size-mb {args.size_mb} --random-mb {args.random_mb} --comp {args.comp} --repeat {args.repeat}`",
        "",
        f"Image: squashfs ({args.comp}), {size / MB:.1f} MB; {counts['text']} text/config/script files, "
        f"{counts['elf']} ELF binaries, {counts['random']} random blobs ({args.random_mb} MB), "
        "one nested .tar.gz "
        f"(built in {built:.0f} s). Scan found {tables.get('files', 0)} files, "
        f"{tables.get('binaries', 0)} binaries, {tables.get('accounts', 0)} accounts, "
        f"{tables.get('components', 0)} components, {tables.get('layers', 0)} layers, "
        f"{tables.get('warnings', 0)} warnings; the SBOM lists {sbom_components} components.",
        "",
        f"Wall times: median of {args.repeat} alternated runs "
        f"(unsquashfs {', '.join(f'{r[0]:.1f}' for r in plains)} s; "
        f"scan {', '.join(f'{r[0]:.1f}' for r in scans)} s); memory: the largest of all runs.",
        "",
        "| run | wall time | vs plain | peak RSS, one process | peak RSS, process tree |",
        "|---|---|---|---|---|",
        f"| `unsquashfs -d DIR IMAGE` | {plain[0]:.1f} s | 1.0x | {plain[2] / MB:.0f} MB | "
        f"{plain[3] / MB:.0f} MB |",
        f"| `scan_firmware` + JSON + SBOM, fresh workdir (extraction + every table) | {scan[0]:.1f} s | "
        f"**{ratio:.1f}x** | {scan[2] / MB:.0f} MB | {scan[3] / MB:.0f} MB |",
        f"| `workbench firmware scan IMAGE --json`, same workdir (extraction reused) | {rescan[0]:.1f} s | "
        f"{rescan[0] / plain[0]:.1f}x | {rescan[2] / MB:.0f} MB | {rescan[3] / MB:.0f} MB |",
        "",
        f"Targets (scan within 10x of the plain extraction, peak memory under 1 GB): **{verdict}**.",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        text = README.read_text()
        block = f"{BEGIN}\n{report}\n{END}"
        pattern = re.escape(BEGIN) + ".*?" + re.escape(END)
        README.write_text(re.sub(pattern, lambda _: block, text, flags=re.S))
    return 0


if __name__ == "__main__":
    sys.exit(main())
