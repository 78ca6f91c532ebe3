"""The per-file work's shortcuts (issue 10, fourth pass) give the answers of the searches they
replace: the keywords' leftmost occurrence by substring searches, the candidate lines of the
assignment and credential searches cut around each find, the compared-literal expressions
skipped on lines that cannot hold their operators, the firmware-writing test by substrings, the
byte counts taken without a zeroed counter, and a file read by its descriptor; and the compiled
copies of the firmware modules (workbench/native.py) write the tables the Python source writes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from rootfs_builder import link, mksquashfs, require, write

from workbench import native
from workbench.firmware import accounts, entropy, filework, secrets, secrets_compared, update
from workbench.firmware.anchors import Leftmost
from workbench.firmware.inventory import FileRecord

ROOT = Path(__file__).resolve().parents[2]
rng = random.Random(10)

PIECES = [
    "password=x",
    "TOKEN: y",
    "monKEY",
    "api_key",
    "words",
    "Pwd",
    " ",
    "#",
    "PSK",
    "\n",
    "\r\n",
    "\r",
    "\v",
    "\f",
    "\x1c",
    "\x1e",
    "secreT",
    "passw",
    "ord",
    "user = bob",
    "Login: root",
    "ACCOUNT",
    "café",
    "\u2028",
    "\x85",
    "caſe",
    "K",
    " == 'abc'",
    '[ "$PASS" = "hunter2" ]',
    "pw",
    'strcmp($pass, "xyz123")',
    "case $pw in\n abc) ;;\nesac\n",
    "x" * 70,
    "a=b",
    "!=",
    "~=",
    "if [ $token != 'q1w2e3r4t5' ]",
    "cred",
    "hash_equals($secret, 'k9k9k9k9')",
    "sysupgrade",
    "FirmWare",
    "mtd  write",
    "dd if=a of=/dev/mtd3",
    "fw_upgrade",
    "fw-",
    "wget http://x",
    "MTD\twrite",
]


def _texts(count: int) -> list[str]:
    texts = ["", "\n", "nothing here\n", "PASSW\nORD", "key", "\nkey\n", "k\ney"]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 50))) for _ in range(count)]
    return texts


def _reference_candidate_lines(text: str):
    """_candidate_lines as it was: one expression over the text, lines cut by str.splitlines."""
    searched, keyword = (text.lower(), secrets.KEYWORD_LOWER) if text.isascii() else (text, secrets.KEYWORD)
    match = keyword.search(searched)
    if match is None:
        return
    lines = text.splitlines(keepends=True)
    starts = list(accumulate((len(line) for line in lines), initial=0))
    while match is not None:
        index = bisect_right(starts, match.start()) - 1
        if index >= len(lines):
            return
        yield index + 1, starts[index], lines[index]
        match = keyword.search(searched, starts[index + 1])


def test_leftmost_is_the_alternation_s_search():
    words = ("passw", "pwd", "secret", "token", "key", "psk")
    pattern = re.compile("|".join(words))
    for text in _texts(500):
        lowered = text.lower()
        found = Leftmost(lowered, words)
        start = 0
        while start <= len(lowered) + 1:
            match = pattern.search(lowered, start)
            assert found.search(start) == (-1 if match is None else match.start()), (text, start)
            start += rng.randint(1, 5)


def test_candidate_lines_are_those_of_the_expression_and_splitlines():
    for text in _texts(4000):
        assert list(secrets._candidate_lines(text)) == list(_reference_candidate_lines(text)), repr(text)
    long_text = "".join(rng.choice(PIECES) for _ in range(3000))  # past the one-pass scanner's SMALL
    assert list(secrets._candidate_lines(long_text)) == list(_reference_candidate_lines(long_text))
    newlines_only = long_text.translate({ord(c): " " for c in "\r\v\f\x1c\x1d\x1e\x85\u2028"})
    assert list(secrets._candidate_lines(newlines_only)) == list(_reference_candidate_lines(newlines_only))


def test_credential_lines_left_out_cannot_match_a_user_or_password_key():
    for text in _texts(4000):
        kept = dict(accounts._key_lines(text))
        for number, line in enumerate(text.splitlines(), 1):
            if number in kept:
                assert kept[number] == line, repr(text)
            else:
                assert not accounts._USER_KEY.match(line) and not accounts._PASS_KEY.match(line), repr(text)
        assert set(kept) <= set(range(1, len(text.splitlines()) + 1))


def test_compared_lines_skipped_expressions_find_nothing_there():
    pair = secrets_compared._pair

    def unfiltered(line: bytes, base: int):
        for match in secrets_compared.SHELL_TEST.finditer(line):
            found = pair(match[1], base + match.start(1), match[2], base + match.start(2), True)
            if found:
                yield found
        for match in secrets_compared.COMPARISON.finditer(line):
            a, b = (1, 2) if match[1] is not None else (3, 4)
            found = pair(match[a], base + match.start(a), match[b], base + match.start(b), False)
            if found:
                yield found
        for match in secrets_compared.STRCMP.finditer(line):
            found = pair(match[1], base + match.start(1), match[2], base + match.start(2), False)
            if found:
                yield found

    hits = 0
    for text in _texts(4000):
        for line in text.encode("utf-8").split(b"\n"):
            expected = list(unfiltered(line, 7))
            assert list(secrets_compared._in_line(line, 7)) == expected, line
            hits += bool(expected)
    assert hits > 100


def test_the_firmware_writing_test_is_the_expression_s():
    for text in _texts(4000):
        assert update._writes_firmware(text) is (update.WRITES.search(text) is not None), repr(text)


def test_byte_counts_without_a_zeroed_counter_give_the_same_entropy():
    for size in (0, 1, 5, 300, entropy.PAIRS_FROM - 1, entropy.PAIRS_FROM + 1, 3 << 20):
        data = rng.randbytes(size)
        counter = entropy.Counter()
        counter.update(data)
        counter.update(data[:100])
        zeroed = np.zeros(256, dtype=np.int64)
        for piece in (data, data[:100]):
            if piece:
                zeroed += entropy.byte_counts(piece)
        # the compiled counter sums in another order: the same to the last bits the tables keep
        assert counter.entropy() == pytest.approx(entropy.counts_entropy(zeroed), abs=1e-12)


def test_a_file_read_by_its_descriptor_is_read_whole(tmp_path):
    for size in (0, 1, 4096, filework.READ_BLOCK + 3):
        path = tmp_path / f"f{size}"
        data = rng.randbytes(size)
        path.write_bytes(data)
        record = FileRecord(f"/f{size}", path, "file", size, 0o644, 0, 0, "")
        assert filework._read(record) == data
        assert record.sha256 == hashlib.sha256(data).hexdigest()
        grown = FileRecord(f"/f{size}", path, "file", max(size - 1, 0), 0o644, 0, 0, "")
        filework._read(grown)  # listed smaller than it is: hashed whole all the same
        assert grown.sha256 == record.sha256 and grown.entropy == record.entropy
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    record = FileRecord("/fifo", fifo, "file", 0, 0o644, 0, 0, "")
    assert filework._read(record) == b"" and record.sha256 is None


# the compiled copies against the Python source, on an image of this machine's own files and
# planted findings, scanned as a user runs it (file workers included)
FIRMWARE_MODULES = [m for m in native.MODULES if m.startswith("workbench.firmware.")]
needs_build = pytest.mark.skipif(
    not native.MANIFEST.is_file() and not os.environ.get("CI"),
    reason="compiled copies not built here (make setup builds them; in CI they must be)",
)


def _real_files(root: Path, limit: int) -> None:
    taken = 0
    for top in ("/etc", "/usr/share/doc", "/usr/bin", "/usr/lib/python3/dist-packages"):
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            for name in sorted(names):
                source = Path(folder, name)
                try:
                    if source.is_symlink() or not source.is_file() or source.stat().st_size > 1 << 20:
                        continue
                    if name.endswith((".gz", ".xz", ".bz2", ".zip", ".zst")):
                        continue
                    target = root / "real" / source.relative_to("/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                except OSError:
                    continue
                taken += 1
                if taken >= limit:
                    return


def _image(base: Path) -> Path:
    root = base / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    write(root, "/etc/shadow", "root:$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0:19000:0:99999:7:::\n", 0o600)
    write(
        root, "/etc/config/cloud.conf", "user=admin\napi_token=9f8e7d6c5b4a3928\npassword='hunter2hunter2'\n"
    )
    write(root, "/etc/config/crlf.conf", "user = bob\r\npasswd = Zx9!Zx9!\r\n\x0cpsk=abcdefgh12\n")
    write(root, "/etc/config/utf8.conf", "nom=café\nadmin_password=Ünïcödé99\n")
    write(root, "/www/cgi-bin/login.sh", '#!/bin/sh\nif [ "$PASS" = "s3cr3tPW" ]; then ok; fi\n', 0o755)
    write(root, "/www/login.lua", 'if password == "Lu4Secret!" then\n  strcmp(pw, "C0mpare9")\nend\n')
    write(root, "/etc/update.sh", "#!/bin/sh\nwget http://fw.example.com/firmware.bin\nmtd write x\n", 0o755)
    for i in range(30):
        write(root, f"/etc/app/keys{i}.conf", "".join(rng.choice(PIECES) for _ in range(80)))
    _real_files(root, 2500)
    source = base / "hello.c"
    source.write_text('#include <stdio.h>\nint main(void) { puts("BusyBox v1.24.1 (2017)"); return 0; }\n')
    program = root / "bin" / "hello"
    program.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([require("gcc"), "-O1", str(source), "-o", str(program)], check=True)
    link(root, "/bin/sh", "hello")
    return mksquashfs(root, base / "fw.sqfs")


def _scan(image: Path, out: Path, work: Path, *, pure: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_PURE_PYTHON"}
    if pure:
        env["WORKBENCH_PURE_PYTHON"] = "1"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "workbench"),
            "firmware",
            "scan",
            str(image),
            "--out",
            str(out),
            "--workdir",
            str(work),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "changed since it was compiled" not in done.stderr


@needs_build
def test_every_firmware_module_listed_is_built_from_its_source():
    manifest = json.loads(native.MANIFEST.read_text())
    assert FIRMWARE_MODULES and "workbench.firmware.filework" in FIRMWARE_MODULES
    for module in FIRMWARE_MODULES:
        assert native.compiled_of(module).is_file(), module
        assert manifest["modules"][module] == native.digest(native.source_of(module)), module


@needs_build
def test_compiled_and_python_firmware_scans_write_the_same_tables(tmp_path):
    image = _image(tmp_path)
    sides = {}
    for side, pure in (("compiled", False), ("python", True)):
        sides[side] = tmp_path / side
        _scan(image, sides[side], tmp_path / "work", pure=pure)  # one extraction, reused
    compiled, python = sides["compiled"], sides["python"]
    metas = [json.loads((side / "meta.json").read_text()) for side in (compiled, python)]
    assert [meta["scalars"]["image"].pop("reused") for meta in metas] == [False, True]
    assert metas[0] == metas[1]
    names = sorted(p.name for p in compiled.glob("*.parquet"))
    assert names == sorted(p.name for p in python.glob("*.parquet")) and "files.parquet" in names
    for name in names:
        assert pq.read_table(compiled / name).equals(pq.read_table(python / name)), name
    files = pq.read_table(compiled / "files.parquet")
    assert files.num_rows > 2000  # the file workers ran (FilePool from 2,000 entries / 16 MB)
    secrets_found = pq.read_table(compiled / "secrets.parquet").column("path").to_pylist()
    assert {"/www/cgi-bin/login.sh", "/www/login.lua", "/etc/config/crlf.conf"} <= set(secrets_found)


def test_fetcher_names_found_by_find_are_the_expression_s():
    pieces = ["wget", "curl", "uclient-fetch", "tftp", "ftpget", "fetch", "x", "_", "-", " ", "é", "1", "\n"]
    pieces += ["２", "ſ", "fetcher", "/usr/bin/", "${curl}", "a"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    for text in texts + _texts(2000):
        present = update.FETCHER_ANCHORS.present(text.encode("utf-8"))
        expected = update.FETCHERS.search(text) is not None
        assert (bool(present) and update._names_fetcher(text, present)) is expected, repr(text)


def test_a_listing_said_to_hold_no_special_file_holds_none():
    """unsquashfs.extract parses the listing after starting unsquashfs only when may_list_special
    says no: never when the parse finds a device node, FIFO or socket."""
    from workbench.firmware import metadata

    kinds = "-dlcbps"
    lines = []
    for i in range(400):
        perm = rng.choice(kinds) + "rwxr-xr-x"
        size = "1, 3" if perm[0] in "cb" else str(rng.randint(0, 999))
        lines.append(f"{perm} 0/0 {size:>8} 2024-01-01 00:00 squashfs-root/p{i}")
    ends = ["\n", "\r\n", "\r", "\x0b", "\x1c", "\u2028"]
    for _ in range(3000):
        text = "".join(rng.choice(lines) + rng.choice(ends) for _ in range(rng.randint(0, 6)))
        special = any(
            e.kind in metadata.SPECIAL_KINDS for e in metadata.parse_unsquashfs_listing(text).values()
        )
        assert metadata.may_list_special(text) or not special, repr(text)
