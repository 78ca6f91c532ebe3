"""FirmwareScan.local_path: image paths to extracted files, on a real image (uImage kernel +
squashfs root filesystem with links, a nested .tar.gz with a link out of it), never outside
the extraction folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rootfs_builder import link, mksquashfs, tar_gz, with_kernel, write

from workbench.firmware import FirmwareScan, scan_firmware
from workbench.firmware.localpath import Resolver, split
from workbench.firmware.schema import TABLES

KERNEL = b"\x1f\x8b-not-really-a-kernel-" * 64


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> FirmwareScan:
    base = tmp_path_factory.mktemp("localpath")
    root = base / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    write(root, "/etc/shadow", "root:*:19000:0:99999:7:::\n", 0o600)
    write(root, "/bin/busybox", b"\x7fELF" + b"\0" * 60, 0o755)
    link(root, "/bin/sh", "/bin/busybox")  # absolute: from the image's root
    link(root, "/sbin/init", "../bin/sh")  # relative, through a second link
    link(root, "/etc/escape", "../../../../../../../../etc/hostname")  # climbs out of the tree
    link(root, "/etc/host-shadow", "/etc/shadow")  # absolute: the image's shadow, not the host's
    link(root, "/etc/loop-a", "loop-b")
    link(root, "/etc/loop-b", "loop-a")
    link(root, "/usr/config", "/etc")  # a link to a folder, used in the middle of a path
    write(root, "/usr/share/readme.txt", "hello\n")
    tar_gz(
        root,
        "/usr/share/bundle.tar.gz",
        {"conf/app.conf": "port=8080\n"},
        links={"conf/out": "../../../../../../etc/hostname", "conf/up": "../../etc/passwd"},
    )
    squashfs = mksquashfs(root, base / "root.sqfs")
    image = with_kernel(squashfs, base / "flash.img", KERNEL)
    return scan_firmware(image, workdir=base / "work")


def content(scan: FirmwareScan, image_path: str) -> bytes | None:
    found = scan.local_path(image_path)
    return found.read_bytes() if found is not None and found.is_file() else None


def test_plain_files_folders_and_top_level_layers(scanned):
    assert content(scanned, "/etc/passwd") == b"root:x:0:0:root:/root:/bin/sh\n"
    assert content(scanned, "/usr/share/readme.txt") == b"hello\n"
    assert scanned.local_path("/etc").is_dir()
    assert scanned.local_path("/").is_dir()
    kernel = [p for p in scanned.files["path"] if p.startswith("/@0/")]
    assert kernel, list(scanned.layers["path"])
    assert content(scanned, kernel[0]) == KERNEL  # the uImage payload, a layer beside the root


def test_nested_archive_members_by_their_image_path(scanned):
    member = [p for p in scanned.files["path"] if p.endswith("!/conf/app.conf")]
    assert member == ["/usr/share/bundle.tar.gz!/bundle.tar!/conf/app.conf"]  # gzip, then tar
    assert content(scanned, member[0]) == b"port=8080\n"


def test_links_are_followed_inside_the_image(scanned):
    busybox = scanned.local_path("/bin/busybox")
    assert scanned.local_path("/bin/sh") == busybox
    assert scanned.local_path("/sbin/init") == busybox  # two hops
    assert scanned.local_path("/etc/host-shadow") == scanned.local_path("/etc/shadow")
    assert content(scanned, "/usr/config/passwd") == content(scanned, "/etc/passwd")
    # a relative link's ".." stops at the top of its own layer (the archive), as /.. is /
    assert scanned.local_path("/usr/share/bundle.tar.gz!/conf/up") is None


def test_links_are_refused_when_not_following(scanned):
    assert scanned.local_path("/bin/sh", follow_links=False) is None
    assert scanned.local_path("/usr/config/passwd", follow_links=False) is None
    assert scanned.local_path("/bin/busybox", follow_links=False) == scanned.local_path("/bin/busybox")


@pytest.mark.parametrize(
    "image_path",
    [
        "/etc/escape",  # a link climbing out: stops at the image's root, where there is no etc/hostname
        "/usr/share/bundle.tar.gz!/bundle.tar!/conf/out",
        "/etc/loop-a",  # a link loop
        "/etc/../etc/passwd",  # ".." in the question itself
        "/../../../../etc/passwd",
        "etc/passwd",  # not an image path
        "/etc/passwd/x",  # through a file
        "/etc/passwd\0",
        "/nonexistent",
        "/@999/kernel.bin",
    ],
)
def test_never_outside_the_extraction(scanned, image_path):
    assert scanned.local_path(image_path) is None


def test_every_answer_is_inside_the_extraction_folder(scanned):
    root = Path(scanned.image["extraction_root"]).resolve()
    unanswered = set()
    for image_path in scanned.files["path"]:
        found = scanned.local_path(image_path)
        if found is None:
            unanswered.add(image_path)
        else:
            assert found.resolve().is_relative_to(root), (image_path, found)
            assert not found.is_symlink()
    nested = "/usr/share/bundle.tar.gz!/bundle.tar!/conf/"
    assert unanswered == {"/etc/escape", "/etc/loop-a", "/etc/loop-b", nested + "out", nested + "up"}


def test_a_cached_scan_answers_the_same_and_ignores_mounts_outside_its_root(scanned, tmp_path):
    again = FirmwareScan.from_json(json.loads(json.dumps(scanned.to_json(), default=str)))
    assert again.local_path("/bin/sh") == scanned.local_path("/bin/sh")
    hostile = scanned.to_json()
    hostile["image"]["mounts"] = [["/", "/"], ["/@0", str(tmp_path)]]
    (tmp_path / "kernel.bin").write_bytes(b"outside")
    tampered = FirmwareScan.from_json(json.loads(json.dumps(hostile, default=str)))
    assert tampered.local_path("/etc/passwd") is None
    assert tampered.local_path("/@0/kernel.bin") is None


def test_a_deleted_extraction_answers_none(scanned, tmp_path):
    copy = tmp_path / "extraction"
    shutil.copytree(scanned.image["extraction_root"], copy, symlinks=True)
    data = json.loads(json.dumps(scanned.to_json(), default=str))
    old = data["image"]["extraction_root"]
    data["image"]["extraction_root"] = str(copy)
    mounts = data["image"]["mounts"]
    data["image"]["mounts"] = [[mount, folder.replace(old, str(copy), 1)] for mount, folder in mounts]
    moved = FirmwareScan.from_json(data)
    assert moved.local_path("/etc/passwd").read_bytes().startswith(b"root:")
    shutil.rmtree(copy)
    assert moved.local_path("/etc/passwd") is None


def test_resolver_without_extraction_and_split():
    assert Resolver([["/", "/tmp"]], None).resolve("/etc/passwd") is None
    assert split("/a//b/./c") == ["a", "b", "c"]
    assert split("/a/../b") is None and split("a") is None and split(None) is None  # type: ignore[arg-type]


def test_read_file_and_lines_through_local_path(scanned):
    assert scanned.read_file("/etc/passwd") == b"root:x:0:0:root:/root:/bin/sh\n"
    assert scanned.read_file("/sbin/init", max_bytes=4) == b"\x7fELF"  # two links, then 4 bytes
    assert list(scanned.lines("/etc/shadow")) == [(1, "root:*:19000:0:99999:7:::")]
    assert list(scanned.lines("/usr/share/bundle.tar.gz!/bundle.tar!/conf/app.conf")) == [(1, "port=8080")]
    assert list(scanned.lines("/bin/busybox")) == []  # binary: no lines
    for refused in ("/etc", "/etc/escape", "/etc/loop-a", "/etc/../etc/passwd", "/nonexistent"):
        assert scanned.read_file(refused) is None, refused  # a folder, a link out, a loop, "..", nothing
        assert list(scanned.lines(refused)) == [], refused


def test_read_file_never_follows_a_link_put_in_after_resolving(scanned, tmp_path):
    found = scanned.local_path("/usr/share/readme.txt")
    swapped = tmp_path / "swapped"
    swapped.symlink_to(found)
    from workbench.firmware.localpath import read_regular

    assert read_regular(found) == b"hello\n"
    assert read_regular(swapped) is None  # O_NOFOLLOW
    assert read_regular(found.parent) is None  # not a regular file


def test_a_scan_read_back_after_its_work_folder_moved_finds_its_files(scanned, tmp_path):
    """The case cache keeps absolute folders; a case folder copied or moved elsewhere passes its
    work folder to from_json and the scan reads its files there, never at the old place."""
    root = Path(scanned.image["extraction_root"])
    moved_workdir = tmp_path / "moved-work"
    shutil.copytree(root, moved_workdir / root.name, symlinks=True)
    data = json.loads(json.dumps(scanned.to_json(), default=str))
    moved = FirmwareScan.from_json(data, workdir=moved_workdir)
    assert moved.image["extraction_root"] == str(moved_workdir / root.name)
    assert {m for m, _ in moved.image["mounts"]} == {m for m, _ in scanned.image["mounts"]}
    found = moved.local_path("/etc/passwd")
    assert found is not None and found.is_relative_to(moved_workdir)
    assert moved.read_file("/bin/sh") == scanned.read_file("/bin/busybox")
    (moved_workdir / root.name / "manifest.json").unlink()  # the copy is what is read, not the original
    assert list(moved.lines("/etc/shadow")) == [(1, "root:*:19000:0:99999:7:::")]
    shutil.rmtree(moved_workdir)
    assert moved.read_file("/etc/passwd") is None
    assert scanned.read_file("/etc/passwd") is not None  # the original is where it was


def test_the_case_cache_of_a_copied_case_reads_the_copy(tmp_path):
    from workbench import analysis
    from workbench.case import Case, CaseInfo

    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=1)
    case = Case.create(tmp_path / "case", info)
    artefact = case.add_artefact(
        Path(__file__).resolve().parents[2] / "sample_captures/demo_clean.img", "firmware"
    )
    fresh = analysis.firmware_scan(case, artefact)
    shadow = fresh.read_file("/etc/shadow")
    assert shadow and shadow.startswith(b"root:")
    keys = list(fresh.keys["path"])  # read before the move: the tables are read from the folder
    shutil.move(tmp_path / "case", tmp_path / "elsewhere")
    copied = Case.open(tmp_path / "elsewhere")
    (copied_artefact,) = copied.artefacts(kind="firmware")
    cached = analysis.firmware_scan(copied, copied_artefact)  # read back from the moved cache
    assert cached.image["reused"] is False  # the cached record, not a new scan
    assert Path(cached.image["extraction_root"]).is_relative_to(tmp_path / "elsewhere")
    assert cached.read_file("/etc/shadow") == shadow
    assert [r["path"] for r in TABLES["keys"].rows(cached.keys)] == keys
