"""The inventory's walk (issue 10: one lstat per entry, relative to its folder's descriptor, plain
str joins, the layer's metadata normalised only when a name needs it, compiled with Cython) gives
the records of the walk it replaced, field for field and in the same order: the first algorithm
is kept below and both walk the same trees, built here with links (to folders, out, dangling,
looping), names of odd bytes, nesting deeper than the recursion limit and paths past PATH_MAX,
special files, and metadata listing members absent on disk, climbing out or named oddly; and a
copy of part of this machine's /usr. Records pickle between a compiled and a Python process."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import posixpath
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import native
from workbench.firmware import inventory
from workbench.firmware.extract import Extraction
from workbench.firmware.inventory import LISTED_ONLY, FileRecord, walk
from workbench.firmware.layout import join
from workbench.firmware.members import climbs_out
from workbench.firmware.metadata import KIND_BY_MODE

ROOT = Path(__file__).resolve().parents[2]
FIELDS = FileRecord.__slots__


# ---- the first algorithm, as it was before issue 10's pass (workbench/firmware/inventory.py) ----


def _normalise_first(name: str) -> str:
    name = posixpath.normpath(name.replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/")
    return "" if name == "." else name


def walk_first(extraction: Extraction, mounts: dict[int, str]) -> Iterator[FileRecord]:
    for layer in extraction.layers:
        directory = extraction.layer_dir(layer)
        if directory is None or not directory.is_dir():
            continue
        yield from _walk_layer_first(layer, directory, mounts[layer["id"]], extraction)


def walk_tree_first(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    stack = [top]
    while stack:
        folder = stack.pop()
        folders: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        (folders if entry.is_dir() else files).append(entry.name)
                    except OSError:
                        files.append(entry.name)
        except OSError:
            continue
        folders.sort()
        yield folder, folders, files
        for name in reversed(folders):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                stack.append(path)


def _walk_layer_first(
    layer: dict, directory: Path, mount: str, extraction: Extraction
) -> Iterator[FileRecord]:
    meta = {_normalise_first(k): v for k, v in extraction.layer_metadata(layer).items()}
    seen: set[str] = set()
    top = str(directory)
    for dirpath, dirnames, filenames in walk_tree_first(top):
        inside = dirpath[len(top) + 1 :] if dirpath != top else ""
        for name in dirnames + sorted(filenames):
            disk = os.path.join(dirpath, name)
            rel = f"{inside}/{name}" if inside else name
            seen.add(rel)
            try:
                st = os.lstat(disk)
            except OSError:
                continue
            yield _record_first(join(mount, rel), disk, st, meta.get(rel), layer["id"])
    for rel, entry in sorted(meta.items()):
        if rel not in seen and entry["kind"] in LISTED_ONLY and not climbs_out(rel):
            yield FileRecord(
                path=join(mount, rel),
                disk=None,
                kind=entry["kind"],
                size=entry.get("size") or 0,
                mode=entry.get("mode"),
                uid=entry.get("uid"),
                gid=entry.get("gid"),
                type=entry["kind"] if entry["kind"] != "file" else "data",
                link_target=entry.get("link_target"),
                layer=layer["id"],
            )


def _record_first(path: str, disk: str, st: os.stat_result, entry: dict | None, layer: int) -> FileRecord:
    kind = KIND_BY_MODE.get(stat.S_IFMT(st.st_mode), "file")
    record = FileRecord(
        path=path,
        disk=disk,
        kind=kind,
        size=st.st_size if kind == "file" else 0,
        mode=entry.get("mode") if entry else None,
        uid=entry.get("uid") if entry else None,
        gid=entry.get("gid") if entry else None,
        type=kind,
        layer=layer,
    )
    if kind == "symlink":
        try:
            record.link_target = (entry or {}).get("link_target") or os.readlink(disk)
        except OSError:
            record.link_target = None
    return record


# ---- helpers ----


def _rows(records) -> list[tuple]:
    return [tuple(getattr(r, f) for f in FIELDS) for r in records]


def _extraction(root: Path, metas: dict[str, dict] | list[dict | None]) -> Extraction:
    """An extraction whose layers are root/x/<i> with metadata metas[i] (None: no metadata)."""
    if isinstance(metas, dict):
        metas = [metas]
    layers = []
    for i, meta in enumerate(metas):
        layer = {"id": i, "dir": f"x/{i}", "meta": None}
        if meta is not None:
            (root / "meta").mkdir(exist_ok=True)
            (root / "meta" / f"{i}.json").write_text(json.dumps(meta))
            layer["meta"] = f"meta/{i}.json"
        layers.append(layer)
    return Extraction(root=root, status="complete", layers=layers, warnings=[], limits={})


def _same(extraction: Extraction, mounts: dict[int, str]) -> list[tuple]:
    first = _rows(walk_first(extraction, mounts))
    now = _rows(walk(extraction, mounts))
    assert now == first
    return now


def _entry(kind: str, mode: int | None = 0o644, uid: int | None = 0, gid: int | None = 0, **more) -> dict:
    return {"kind": kind, "mode": mode, "uid": uid, "gid": gid, "size": more.get("size"), **more}


def _remove(path: Path) -> None:
    subprocess.run(["rm", "-rf", str(path)], check=True)  # shutil.rmtree recurses per level on 3.11


# ---- trees ----


def _hostile_tree(top: Path) -> dict[str, dict]:
    """Links of every sort, odd names, special files; its metadata, partly wrong on purpose."""
    (top / "etc" / "init.d").mkdir(parents=True)
    (top / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (top / "etc" / "init.d" / "rcS").write_text("#!/bin/sh\n")
    (top / "bin").mkdir()
    (top / "bin" / "busybox").write_bytes(b"\x7fELF" + bytes(100))
    os.symlink("busybox", top / "bin" / "sh")
    os.symlink("/etc", top / "etc_abs")  # a link to a folder, by an absolute target: not followed
    os.symlink("etc", top / "a_link_to_a_folder")  # sorted among the folders, as os.walk lists it
    os.symlink("bin", top / "zz_link_to_a_folder")
    os.symlink("../../../../..", top / "out")  # climbs out
    os.symlink("nowhere", top / "dangling")
    os.symlink("loop", top / "loop")  # is_dir() fails with ELOOP: among the other entries
    os.symlink(str(top.parent), top / "outside_folder")  # an absolute link out of the layer
    (top / "empty").mkdir()
    (top / "Upper").mkdir()
    (top / "lower").mkdir()
    for name in ("B", "a", "_", "Z", "é", "e\u0301", "~x", "-", "0", "10", "9"):  # the order of str
        (top / "lower" / name).write_text(name)
    odd = os.fsencode(top / "odd")
    os.mkdir(odd)
    for raw in (
        b"\xff\xfe",
        b"latin\xe9",
        b"new\nline",
        b"back\\slash",
        b"tab\tname",
        b" lead",
        b"...",
        b".hidden",
    ):
        with open(os.path.join(odd, raw), "wb") as handle:
            handle.write(raw)
    os.mkdir(os.path.join(odd, b"dir\xff"))
    with open(os.path.join(odd, b"dir\xff", b"inner\x80"), "wb") as handle:
        handle.write(b"x" * 33)
    os.symlink(b"target\xfe", os.path.join(odd, b"link\xfd"))
    os.mkfifo(top / "fifo")
    with socket.socket(socket.AF_UNIX) as sock, contextlib.suppress(OSError):  # too long an address
        sock.bind(str(top / "sock"))
    with contextlib.suppress(OSError):  # a device node needs root
        os.mknod(top / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    (top / "sparse").write_bytes(b"")
    os.truncate(top / "sparse", 1 << 30)  # a size, not content
    return {
        "": _entry("directory", 0o755),
        "./etc": _entry("directory", 0o700, 5, 6),  # tar's ./ prefix
        "etc/passwd": _entry("file", 0o600, 0, 0, size=27),
        "etc//init.d/": _entry("directory", 0o751),
        "bin/sh": _entry("symlink", 0o777, link_target="busybox-from-listing"),
        "bin/busybox": {},  # an empty entry: as if not listed
        "dangling": _entry("symlink", 0o777, link_target=""),  # empty target: the disk's
        "/lower/a": _entry("file", 0o4755, 1000, 1000),  # an absolute name
        "lower\\B": _entry("file", 0o600, 7, 7),  # a backslash
        "lower/./Z": _entry("file", 0o640),
        "lower/x/../9": _entry("file", 0o444),
        "lower/9": _entry("file", 0o400),  # the later of two names normalised alike wins
        "lower/é": {"kind": "file"},  # no mode nor owner
        "odd/\udcff\udcfe": _entry("file", 0o755, 1, 2),  # surrogateescape'd bytes
        "odd/.hidden": _entry("file", 0o600),
        "fifo": _entry("fifo", 0o600),
        "missing_fifo": _entry("fifo", 0o600),
        "missing/char": _entry("char_device", 0o660, 0, 6, size=5),
        "missing/block": _entry("block_device", 0o660),
        "missing/sock": _entry("socket", 0o755),
        "missing/link": _entry("symlink", 0o777, link_target="/bin/busybox"),
        "missing/link_without_target": _entry("symlink", 0o777),
        "missing/file": _entry("file", 0o644, size=10),  # not on disk, not a listed-only kind
        "missing/dir": _entry("directory", 0o755),
        "../climbs/out": _entry("symlink", 0o777, link_target="/etc/shadow"),
        "a/../../out": _entry("char_device", 0o777),
        "..": _entry("symlink", 0o777, link_target="x"),
        "./": _entry("directory", 0o755),
        "\\win\\style": _entry("symlink", 0o777, link_target="c:\\x"),
        "missing/\udcff": _entry("fifo", 0o600),
        "zzz/../aaa": _entry("fifo", 0o600),  # normalised to aaa
    }


def test_a_hostile_tree_walks_as_it_did(tmp_path):
    meta = _hostile_tree(tmp_path / "x" / "0")
    rows = _same(_extraction(tmp_path, meta), {0: "/"})
    paths = [row[0] for row in rows]
    assert "/etc/passwd" in paths and "/odd/\udcff\udcfe" in paths and "/aaa" in paths
    assert not any(p.startswith("/etc_abs/") or p.startswith("/out/") for p in paths)  # links not followed
    assert paths.index("/a_link_to_a_folder") < paths.index("/bin")  # among the folders
    assert "/missing/file" not in paths and "/missing/char" in paths and "/../climbs/out" not in paths
    by_path = {row[0]: row for row in rows}
    assert by_path["/bin/sh"][FIELDS.index("link_target")] == "busybox-from-listing"
    assert by_path["/dangling"][FIELDS.index("link_target")] == "nowhere"
    assert by_path["/lower/9"][FIELDS.index("mode")] == 0o400
    assert by_path["/sparse"][FIELDS.index("size")] == 1 << 30


def test_layers_and_mounts_walk_as_they_did(tmp_path):
    _hostile_tree(tmp_path / "x" / "0")
    for i in (1, 3):
        (tmp_path / "x" / str(i) / "www").mkdir(parents=True)
        (tmp_path / "x" / str(i) / "www" / "index.html").write_text("<html>")
        os.symlink("index.html", tmp_path / "x" / str(i) / "www" / "home")
    extraction = _extraction(
        tmp_path,
        [
            {"etc": _entry("directory", 0o755)},
            None,  # no metadata
            {"": _entry("directory")},  # no folder on disk: skipped
            {"www/home": _entry("symlink", link_target="index.html"), "dev/null": _entry("char_device")},
        ],
    )
    extraction.layers[2]["dir"] = "x/2"
    extraction.layers.append({"id": 4, "dir": None, "meta": None})  # a layer not extracted
    (tmp_path / "meta" / "bad.json").write_text("{not json")
    extraction.layers.append({"id": 5, "dir": "x/3", "meta": "meta/bad.json"})  # unreadable metadata
    mounts = {0: "/", 1: "/@0!/", 2: "/x", 3: "/@4096!@64", 4: "/y", 5: "//z//"}
    rows = _same(extraction, mounts)
    paths = [row[0] for row in rows]
    assert "/@0!/www/index.html" in paths and "/@4096!@64/dev/null" in paths and "//z/www/home" in paths


def test_a_tree_deeper_than_the_recursion_limit_walks_as_it_did(tmp_path):
    top = tmp_path / "x" / "0"
    top.mkdir(parents=True)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    meta = {}
    rel = ""
    try:
        for level in range(1500):  # past the recursion limit, and past _BY_DESCRIPTOR characters
            os.mkdir("a", dir_fd=fd)
            if level % 100 == 0:
                os.symlink("..", f"up{level}", dir_fd=fd)
                meta[f"{rel}up{level}"] = _entry("symlink", 0o777)
            child = os.open("a", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            rel += "a/"
        with open(os.open("bottom.conf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write("password=hunter2\n")
        meta[rel + "bottom.conf"] = _entry("file", 0o600, 3, 4)
        meta[rel + "missing.fifo"] = _entry("fifo", 0o600)
    finally:
        os.close(fd)
    try:
        rows = _same(_extraction(tmp_path, meta), {0: "/"})
        assert len(rows) == 1500 + 15 + 2
        assert rows[-2][0].endswith("/a/bottom.conf") and rows[-2][FIELDS.index("mode")] == 0o600
        assert len(rows[-2][1]) > inventory._BY_DESCRIPTOR  # folders listed by path as well as by descriptor
    finally:
        _remove(tmp_path / "x")


def test_paths_past_path_max_are_left_out_as_they_were(tmp_path):
    """Folders of long names of 1-4 byte characters: os.lstat fails past PATH_MAX (4,096 bytes),
    and the entries the first walk left out there are left out still; the folders listed by a
    descriptor are those whose entries' paths are all shorter."""
    top = tmp_path / "x" / "0"
    top.mkdir(parents=True)
    names = ["é" * 120, "a" * 250, "€" * 80, "\U0001f600" * 60, "\udcff" * 250, "b" * 30]
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    meta = {}
    rel = ""
    try:
        for level in range(40):  # about 8,000 bytes deep
            name = names[level % len(names)]
            os.mkdir(os.fsencode(name), dir_fd=fd)
            for leaf in ("f", "g" * 200, "n" + name[:50]):
                os.close(os.open(os.fsencode(leaf), os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
                meta[rel + leaf] = _entry("file", 0o600 + level)
            os.symlink("x" * (level + 1), os.fsencode("l" * (level + 1)), dir_fd=fd)
            os.mkfifo(b"p", dir_fd=fd)
            child = os.open(os.fsencode(name), os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            rel += name + "/"
    finally:
        os.close(fd)
    try:
        rows = _same(_extraction(tmp_path, meta), {0: "/"})
        disks = [row[1] for row in rows if row[1] is not None]
        longest = max(len(os.fsencode(disk)) for disk in disks)
        assert 3800 < longest < 4096  # entries up to PATH_MAX, none past it
        assert len(rows) < 40 * 6
    finally:
        _remove(tmp_path / "x")


def _copy_of(source: Path, target: Path, budget: list[int]) -> None:
    """The tree of `source` (folders, links with their targets, files of their sizes, sparse),
    without following a link, until the budget of entries is spent."""
    for folder, dirs, names in os.walk(source):
        dirs.sort()
        here = target / Path(folder).relative_to(source)
        here.mkdir(parents=True, exist_ok=True)
        for name in sorted(dirs + names):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            where = Path(folder, name)
            try:
                st = os.lstat(where)
                if stat.S_ISLNK(st.st_mode):
                    os.symlink(os.readlink(where), here / name)
                elif stat.S_ISREG(st.st_mode):
                    with open(here / name, "wb") as handle:
                        handle.truncate(st.st_size)
                    os.chmod(here / name, stat.S_IMODE(st.st_mode))
            except OSError:
                continue


def test_a_copy_of_part_of_usr_walks_as_it_did(tmp_path):
    top = tmp_path / "x" / "0"
    budget = [12_000]
    for part in ("share/zoneinfo", "lib/python3", "share/doc", "include", "bin", "lib/x86_64-linux-gnu"):
        if Path("/usr", part).is_dir():
            _copy_of(Path("/usr", part), top / "usr" / part, budget)
    entries = sum(len(dirs) + len(names) for _, dirs, names in os.walk(top))
    assert entries > 3000
    meta: dict[str, dict] = {}
    for i, (folder, dirs, names) in enumerate(os.walk(top)):
        for j, name in enumerate(sorted(dirs + names)):
            rel = os.path.relpath(os.path.join(folder, name), top)
            st = os.lstat(os.path.join(folder, name))
            kind = KIND_BY_MODE.get(stat.S_IFMT(st.st_mode), "file")
            if (i + j) % 3:  # two in three listed, some by a ./ name as tar lists them
                named = f"./{rel}" if (i + j) % 7 == 0 else rel
                meta[named] = _entry(kind, stat.S_IMODE(st.st_mode), i % 5, j % 5, size=st.st_size)
            if (i + j) % 97 == 0:
                meta[f"{rel}.gone"] = _entry("symlink", 0o777, link_target=rel)
    rows = _same(_extraction(tmp_path, meta), {0: "/"})
    assert len(rows) > entries and any(row[2] == "symlink" for row in rows)


def test_the_metadata_is_normalised_only_when_a_name_changes():
    plain = {"": {"kind": "directory"}, "etc/.profile": {"kind": "file"}, ".config/x": {"kind": "file"}}
    assert inventory._normalised(plain) is plain  # hidden names are their own normal form
    for odd in ("./etc", "etc/", "/etc", "a//b", "a\\b", "a/./b", "a/../b", ".", "..", "../x", "a/.."):
        listing = {**plain, odd: {"kind": "fifo"}, "etc": {"kind": "file"}}
        expected = {_normalise_first(k): v for k, v in listing.items()}
        got = inventory._normalised(listing)
        assert got == expected and list(got) == list(expected), odd


# ---- records pickle between a compiled and a Python process (the file workers) ----

ROUND_TRIP = """
import pickle, sys
from workbench import native
from workbench.firmware import inventory
records = pickle.load(sys.stdin.buffer)
assert all(type(r) is inventory.FileRecord for r in records)
for r in records:
    r.sha256 = "ab" * 32
    r.entropy = 7.5
sys.stdout.buffer.write(pickle.dumps((native.status().get("workbench.firmware.inventory"), records)))
"""


def _round_trip(records: list[FileRecord], *, pure: bool) -> tuple[bool | None, list[FileRecord]]:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_PURE_PYTHON"}
    if pure:
        env["WORKBENCH_PURE_PYTHON"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        input=pickle.dumps(records),
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return pickle.loads(done.stdout)


@pytest.mark.skipif(
    not native.MANIFEST.is_file() and not os.environ.get("CI"),
    reason="compiled copies not built here (make setup builds them; in CI they must be)",
)
def test_records_pickle_between_compiled_and_python_processes(tmp_path):
    meta = _hostile_tree(tmp_path / "x" / "0")
    records = list(walk(_extraction(tmp_path, meta), {0: "/"}))
    assert native.status()["workbench.firmware.inventory"]  # this process walked compiled
    for pure in (True, False):
        compiled, back = _round_trip(records, pure=pure)
        assert compiled is (not pure)
        assert [type(r) for r in back] == [FileRecord] * len(records)
        expected = _rows(records)
        got = _rows(back)
        sha, ent = FIELDS.index("sha256"), FIELDS.index("entropy")
        assert [row[:sha] + row[ent + 1 :] for row in got] == [row[:sha] + row[ent + 1 :] for row in expected]
        assert all(row[sha] == "ab" * 32 and row[ent] == 7.5 for row in got)
        assert back[0].values()[:7] == records[0].values()[:7]  # path .. type: the table's columns


def test_a_folder_gone_or_unreadable_is_left_out_as_it_was(tmp_path, monkeypatch):
    """A folder that cannot be opened (here: a file where a folder was listed, a folder whose
    listing fails) is left out whole, by both walks."""
    top = tmp_path / "x" / "0"
    (top / "keep" / "in").mkdir(parents=True)
    (top / "keep" / "in" / "f").write_text("f")
    (top / "gone").mkdir()
    (top / "gone" / "g").write_text("g")
    real = os.scandir

    def failing(path="."):
        named = os.readlink(f"/proc/self/fd/{path}") if isinstance(path, int) else os.fspath(path)
        if named.endswith("/gone"):
            raise PermissionError(13, "Permission denied", named)
        return real(path)

    monkeypatch.setattr(os, "scandir", failing)
    rows = _same(_extraction(tmp_path, {"gone/g": _entry("fifo")}), {0: "/"})
    paths = [row[0] for row in rows]
    assert "/gone" in paths and "/gone/g" in paths and "/keep/in/f" in paths  # g: as listed


def test_a_record_pickles_every_field_it_has():
    """Pickled as its fields in order (`__reduce__` takes them from the dataclass's own list): each
    field, given a value of its own, comes back in its place."""
    import dataclasses

    values = {f.name: f"value of {f.name}" for f in dataclasses.fields(FileRecord)}
    values.update(size=12, mode=0o755, uid=1, gid=2, entropy=7.25, layer=3)
    record = FileRecord(**values)
    back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is FileRecord and back == record
    assert {name: getattr(back, name) for name in values} == values
