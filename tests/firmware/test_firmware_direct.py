"""A whole-file squashfs image is unpacked by the extraction worker without unblob
(workbench.firmware.direct): the journal and the extracted tree are those of unblob's run over the
same image (modes made readable, links inside kept and rewritten, links out or in a loop removed
and reported, device nodes listed but not created); any other image still goes to unblob."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from rootfs_builder import link, mksquashfs, require, tar_gz, write

from workbench.firmware import direct


def _tree(root: Path) -> None:
    write(root, "/bin/busybox", b"\x7fELF" + bytes(range(256)) * 8, 0o755)
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    write(root, "/etc/shadow", "root:$1$salt$abc:0:0:::::\n", 0o000)
    write(root, "/etc/private/key.pem", "-----BEGIN PRIVATE KEY-----\n", 0o400)
    write(root, "/www/index.html", "<html></html>\n", 0o444)
    (root / "etc" / "private").chmod(0o500)
    link(root, "/bin/sh", "/bin/busybox")  # absolute, inside: rewritten relative
    link(root, "/bin/ls", "busybox")  # relative, inside: kept
    link(root, "/etc/escape", "../../../../../etc/hostname")  # out of the folder: removed
    link(root, "/etc/missing", "/nowhere/at/all")  # absolute to nothing inside: rewritten
    link(root, "/tmp/loop-a", "loop-b")  # a loop: removed
    link(root, "/tmp/loop-b", "loop-a")
    tar_gz(root, "/usr/share/bundle.tar.gz", {"inner/app.conf": "password=Hunter2!\n"})


def _image(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    _tree(root)
    image = mksquashfs(root, tmp_path / "rootfs.sqfs")
    subprocess.run(  # a device node and a FIFO, as an image holds them: listed, never created
        [
            require("mksquashfs"),
            str(root),
            str(image),
            "-noappend",
            "-all-root",
            "-no-progress",
            "-quiet",
            "-mkfs-time",
            "0",
            "-all-time",
            "0",
            *("-p", "dev d 755 0 0", "-p", "dev/console c 600 0 0 5 1", "-p", "dev/initctl i 600 0 0 f"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return image


CHILD = """
import json, os, sys
from pathlib import Path
from workbench.firmware.journal import Journal
from workbench.firmware.limits import ExtractionLimits
from workbench.firmware.worker import Worker

def worker(root):
    root = Path(root)
    root.mkdir()
    os.environ["WORKBENCH_FW_META_DIR"] = str(root / "meta")
    return Worker(root, ExtractionLimits(), Journal(root / "journal.jsonl"))

action, image, *roots = sys.argv[1:]
if action == "both":
    layers = worker(roots[0]).unpack_directly(Path(image))
    slow = worker(roots[1]).unpack(Path(image), None, None, 1, quiet_if_unknown=False)
    print(json.dumps([layers, slow]))
elif action == "run":
    worker(roots[0]).run(Path(image))
    print(json.dumps(None))
else:
    print(json.dumps(worker(roots[0]).unpack_directly(Path(image))))
"""


def _in_a_worker_process(action: str, image: Path, *roots: Path):
    """What the extraction worker does, in a process of its own as in a scan: unblob, imported
    there, sets multiprocessing's start method and signal handlers, which must not leak into the
    test process (they broke later tests of the same pytest worker)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, action, str(image), *map(str, roots)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _state(root: Path) -> dict:
    """The journal (sidecar names aside: they hash the absolute folder), the sidecars' content, and
    every extracted entry: kind, mode, link target, content digest."""
    events = []
    for line in (root / "journal.jsonl").read_text().splitlines():
        event = json.loads(line)
        event.pop("meta", None)
        events.append(event)
    sidecars = sorted((root / "meta").glob("*.json"))
    tree = {}
    top = root / "x"
    for folder, dirs, names in os.walk(top):
        for name in dirs + names:
            path = Path(folder, name)
            st = path.lstat()
            entry = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode)]
            if path.is_symlink():
                entry.append(os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                entry.append(hashlib.sha256(path.read_bytes()).hexdigest())
            tree[path.relative_to(top).as_posix()] = entry
    return {"events": events, "sidecars": [json.loads(s.read_text()) for s in sidecars], "tree": tree}


def test_a_whole_squashfs_is_unpacked_as_unblob_unpacks_it(tmp_path):
    image = _image(tmp_path)
    assert direct.whole_squashfs(image)
    layers, slow = _in_a_worker_process("both", image, tmp_path / "direct", tmp_path / "unblob")
    assert layers is not None and layers[0]["format"] == "squashfs_v4_le" and layers[0]["extracted"]
    assert slow == [{**layers[0], "meta": slow_meta} for slow_meta in [_meta_of(tmp_path / "unblob")]]
    fast_state, slow_state = _state(tmp_path / "direct"), _state(tmp_path / "unblob")
    assert fast_state == slow_state
    tree = fast_state["tree"]
    base = "0/rootfs.sqfs_extract"
    assert tree[f"{base}/bin/sh"][2] == "busybox" and tree[f"{base}/bin/ls"][2] == "busybox"
    assert f"{base}/etc/escape" not in tree and tree[f"{base}/etc/missing"][2] == "../nowhere/at/all"
    assert sum(f"{base}/tmp/loop-{end}" in tree for end in "ab") == 1  # the first one met is removed
    assert tree[f"{base}/etc/shadow"][1] == 0o644 and tree[f"{base}/etc/private"][1] == 0o775
    assert f"{base}/dev/console" not in tree and f"{base}/dev/initctl" not in tree
    assert {"dev/console", "dev/initctl"} <= set(fast_state["sidecars"][0])
    removed = [e for e in fast_state["events"] if e.get("kind") == "symlink_escape"]
    assert len(removed) >= 2, removed


def _meta_of(root: Path) -> str:
    (sidecar,) = (root / "meta").glob("*.json")
    return sidecar.relative_to(root).as_posix()


def test_the_whole_run_still_unpacks_nested_archives_and_other_images_go_to_unblob(tmp_path):
    image = _image(tmp_path)
    _in_a_worker_process("run", image, tmp_path / "run")
    layers = [json.loads(line) for line in (tmp_path / "run" / "journal.jsonl").read_text().splitlines()]
    layers = [e for e in layers if e["event"] == "layer"]
    assert [layer["format"] for layer in layers][:2] == ["squashfs_v4_le", "gzip"]
    assert layers[1]["container"] == "usr/share/bundle.tar.gz"

    trailing = tmp_path / "trailing.bin"  # a squashfs followed by other data: unblob's to split
    trailing.write_bytes(image.read_bytes() + b"\xff" * 8192)
    shifted = tmp_path / "shifted.bin"  # a squashfs after a header: unblob's to find
    shifted.write_bytes(b"\0" * 4096 + image.read_bytes())
    short = tmp_path / "short.bin"
    short.write_bytes(image.read_bytes()[:64])
    for other in (trailing, shifted, short, tmp_path / "root" / "etc" / "passwd"):
        assert not direct.whole_squashfs(other), other
    assert _in_a_worker_process("direct", trailing, tmp_path / "other") is None
    assert not (tmp_path / "other" / "x").exists()


@pytest.mark.parametrize("pad", [0, 1024, 4096])
def test_the_end_of_a_squashfs_is_unblobs_end(tmp_path, pad):
    """mksquashfs pads to 4 KiB; without padding (-nopad) or with 1 KiB of it, the file still ends
    where unblob's squashfs handler ends the chunk."""
    root = tmp_path / "root"
    write(root, "/etc/hostname", "device\n")
    image = tmp_path / "fs.sqfs"
    subprocess.run(
        [require("mksquashfs"), str(root), str(image), "-noappend", "-nopad", "-quiet", "-no-progress"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    used = image.stat().st_size
    data = image.read_bytes() + b"\0" * ((-used % pad) if pad else 0)
    image.write_bytes(data)
    assert direct.whole_squashfs(image)
    image.write_bytes(data + b"\0" * 3)  # more than any padding: a chunk and then something else
    assert not direct.whole_squashfs(image)


def test_a_listing_spares_the_lookups_never_the_fix(tmp_path, monkeypatch):
    """With the archive's listing, an entry is looked up only when the listing does not show it
    readable already; a listing that disagrees with the disk (another kind, a link listed as a
    file, a mode lacking the bits) leaves the fix to the disk, as without a listing."""
    from workbench.firmware.metadata import Entry

    def tree(top: Path) -> None:
        write(top, "/etc/shadow", "root:x:0:0\n", 0o000)  # listed lacking the bits: fixed
        write(top, "/etc/group", "root:x:0:\n", 0o000)  # listed as a folder: fixed from the disk
        write(top, "/etc/ok", "x\n", 0o644)
        (top / "etc").chmod(0o500)
        os.symlink("/nowhere", top / "link-listed-as-file")  # a link whatever the listing says

    listed = {
        "etc": Entry("directory", 0o500, 0, 0),
        "etc/shadow": Entry("file", 0o000, 0, 0),
        "etc/group": Entry("directory", 0o755, 0, 0),
        "etc/ok": Entry("file", 0o644, 0, 0),
        "link-listed-as-file": Entry("file", 0o644, 0, 0),
    }
    states = []
    for name, listing in (("plain", None), ("listed", listed)):
        top = (tmp_path / name / "fs_extract").resolve()
        top.mkdir(parents=True)
        tree(top)
        seen: list[str] = []
        looked_up: list[str] = []
        with monkeypatch.context() as patch:
            patch.setattr(
                os,
                "lstat",
                lambda path, seen=looked_up, lstat=os.lstat, **kw: seen.append(path) or lstat(path, **kw),
            )
            reports = direct.fix_tree(top, seen.append, listing)
        looked_up = [p for p in map(str, looked_up) if p.startswith(f"{top}/etc")]
        if listing is not None:  # the folder listed lacking the bits, the file, the one of another kind
            assert sorted(Path(p).relative_to(top).as_posix() for p in looked_up) == [
                "etc",
                "etc/group",
                "etc/shadow",
            ]
        else:
            assert len(looked_up) == 4  # every entry but the link
        modes = {p.relative_to(top).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in top.rglob("*")}
        links = {p.name: os.readlink(p) for p in top.rglob("*") if p.is_symlink()}
        states.append((modes, links, sorted(Path(s).relative_to(top).as_posix() for s in seen), len(reports)))
    assert states[0] == states[1]
    modes, links, seen, _ = states[1]
    assert modes["etc"] == 0o775 and modes["etc/shadow"] == 0o644 and modes["etc/group"] == 0o644
    assert links == {"link-listed-as-file": "nowhere"}  # rewritten to stay inside, as unblob does
    assert seen == ["etc/group", "etc/ok", "etc/shadow"]


def test_names_holding_line_breaks_forge_no_listing(tmp_path):
    """unsquashfs prints names raw. A decoy named `shadow\\r` once listed as `etc/shadow`, readable;
    a name holding "\\n" can forge the whole line of another path. Neither spares the real entry
    its fix (the tree is unblob's), nor hides a real file as a device node never created."""
    root = tmp_path / "root"
    write(root, "/etc/shadow", "root:$1$salt$abcdefghijklmnopqrstu:0:0:::::\n", 0o000)
    write(root, "/etc/shadow\r", "decoy\n", 0o644)
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o000)
    write(root, "/zz\n-rw-r--r-- 0/0 1 2020-01-01 00:00 squashfs-root/etc/passwd", "forged\n")
    write(root, "/etc/app.conf", "password=Hunter2!\n")
    write(root, "/yy\ncrw-rw-rw- 0/0 1, 3 2020-01-01 00:00 squashfs-root/etc/app.conf", "forged\n")
    write(root, "/vault/inside", "x\n")
    (root / "vault").chmod(0o000)
    (root / "vault\r").mkdir(mode=0o775)
    image = mksquashfs(root, tmp_path / "forged.sqfs")
    _in_a_worker_process("both", image, tmp_path / "direct", tmp_path / "unblob")
    fast, slow = _state(tmp_path / "direct"), _state(tmp_path / "unblob")
    assert fast == slow
    tree, base = fast["tree"], "0/forged.sqfs_extract"
    assert tree[f"{base}/etc/shadow"][1] == 0o644 and tree[f"{base}/etc/passwd"][1] == 0o644
    assert tree[f"{base}/vault"][1] == 0o775 and f"{base}/vault/inside" in tree
    assert tree[f"{base}/etc/app.conf"][2] == hashlib.sha256(b"password=Hunter2!\n").hexdigest()
    (sidecar,) = fast["sidecars"]
    assert "etc/passwd" not in sidecar and "etc/app.conf" not in sidecar  # listed twice: unknown
    assert sidecar["etc/shadow"]["mode"] == 0 and sidecar["etc/shadow\r"]["mode"] == 0o644
    (layer,) = [e for e in fast["events"] if e.get("event") == "layer"]
    # (each "/" in a forged name is a folder, whose forged line lists yet another path)
    assert "6 paths claimed by two lines" in layer["reason"]


def test_a_whole_squashfs_unsquashfs_fails_on_leaves_no_sidecar(tmp_path):
    """A squashfs whose data is damaged: the direct path gives it to unblob from a clean folder,
    its sidecar (written while unsquashfs ran) removed with the rest."""
    root = tmp_path / "root"
    for i in range(40):
        write(root, f"/data/f{i}", os.urandom(20_000).hex())
    image = mksquashfs(root, tmp_path / "damaged.sqfs")
    data = bytearray(image.read_bytes())
    data[200 : len(data) // 2] = b"\xa5" * (len(data) // 2 - 200)  # the data blocks, not the tables
    image.write_bytes(bytes(data))
    assert direct.whole_squashfs(image)
    assert _in_a_worker_process("direct", image, tmp_path / "w") is None
    assert not (tmp_path / "w" / "x" / "0").exists()
    assert (tmp_path / "w" / "meta").is_dir()  # where the sidecar was written
    assert list((tmp_path / "w" / "meta").iterdir()) == []


def test_special_files_named_like_exclusion_syntax_exclude_only_themselves(tmp_path):
    """unsquashfs reads an exclude file skipping leading blanks, "#" comments and one leading
    backslash: a FIFO named " etc" once excluded the folder etc, and one named "#null" was not
    excluded at all. A special file's name that is no UTF-8 was an error that stopped the worker."""
    from workbench.firmware import unsquashfs

    root = tmp_path / "root"
    write(root, "/etc/shadow", "root:$1$salt$abcdefghijklmnopqrstu:0:0:::::\n")
    write(root, "/bin/busybox", b"\x7fELF" + bytes(200))
    for name in (" etc", "\\bin", "#log", "  #x"):
        os.mkfifo(root / name)
    os.mkfifo(os.fsencode(root) + b"/fifo\xff")
    image = mksquashfs(root, tmp_path / "names.sqfs")
    out, exclude = tmp_path / "out", tmp_path / "exclude"
    outcome = unsquashfs.extract(image, out, exclude)
    assert outcome.ok, outcome.stderr
    made = sorted(os.fsencode(p.relative_to(out)) for p in out.rglob("*"))
    assert made == [b"bin", b"bin/busybox", b"etc", b"etc/shadow"]
    specials = {p for p, e in outcome.entries.items() if e.kind == "fifo"}
    assert specials == {" etc", "\\bin", "#log", "  #x", os.fsdecode(b"fifo\xff")}
    assert exclude.read_bytes().count(b"\n") == 5
