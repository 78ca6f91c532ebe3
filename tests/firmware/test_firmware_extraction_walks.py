"""The extraction's own walks made cheaper hold to what they replace: the limit watcher's count of
entries and bytes, and the permission bits of a squashfs listing (worked out once per string)."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from workbench.firmware import metadata
from workbench.firmware.extract import _ended_within, _measure

rng = random.Random(10)


def _reference_measure(top: str) -> tuple[int, int]:
    """What the watcher counted before: every entry, and the size of every entry but a folder."""
    files = size = 0
    for folder, dirs, names in os.walk(top):
        for name in dirs + names:
            files += 1
            st = os.lstat(os.path.join(folder, name))
            if not os.path.isdir(os.path.join(folder, name)) or os.path.islink(os.path.join(folder, name)):
                size += st.st_size
    return files, size


def test_the_watchers_count_is_every_entry_and_every_non_folders_bytes(tmp_path):
    top = tmp_path / "x"
    deep = top
    for level in range(40):  # nested deeper than a few levels, walked without recursion
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    for i in range(300):
        folder = top / f"f{i % 7}" / f"g{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file{i}").write_bytes(rng.randbytes(rng.randrange(0, 5000)))
    (deep / "leaf").write_bytes(b"x" * 123)
    with open(top / "sparse", "wb") as handle:  # counted by its size, as a bomb's file would be
        handle.truncate(1 << 30)
    os.symlink("/etc/passwd", top / "out")  # a link is an entry of its own: never followed
    os.symlink("f0", top / "to-folder")
    os.mkfifo(top / "fifo")
    (top / "odd\udcffname".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")).write_bytes(
        b"abc"
    )
    assert _measure(top) == _reference_measure(str(top))
    assert _measure(top)[1] > 1 << 30
    assert _measure(tmp_path / "missing") == (0, 0)


def test_permission_bits_worked_out_once_are_those_worked_out_each_time():
    chars = "-rwxsStT"
    texts = [rng.choice("-dlcbps") + "".join(rng.choice(chars) for _ in range(9)) for _ in range(6000)]
    texts += ["-rwsr-x--T", "drwxrwxrwt", "-rwSr-Sr-T", "----------"]
    for text in texts + texts[:100]:
        assert metadata.permissions_from_ls(text) == metadata._permissions(text), text
    assert len(metadata._PERMISSIONS) <= metadata.PERMISSIONS_KEPT  # a hostile listing is not kept whole
    assert metadata.permissions_from_ls("-rwsr-x--T") == 0o4750 | 0o1000


def test_the_watcher_sees_the_worker_end():
    running = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert _ended_within(running, 0.05) is False  # still running: the time is up first
        running.stdin.close()  # now it ends
        assert _ended_within(running, 60) is True
        assert running.returncode == 0  # reaped
        assert _ended_within(running, 60) is True  # and once reaped, still ended
    finally:
        running.kill()
        running.wait()


def test_the_watcher_sees_the_worker_end_past_a_thousand_descriptors(tmp_path):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200 if hard == resource.RLIM_INFINITY else min(hard, 1200)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    held = []
    try:
        while len(held) < 1100 and (not held or held[-1] < 1030):  # the next descriptor past 1024
            held.append(os.open(tmp_path, os.O_RDONLY))
        assert held[-1] >= 1024
        ended = subprocess.Popen([sys.executable, "-c", "pass"])
        assert _ended_within(ended, 60) is True  # (select.select refuses such a descriptor)
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_walk_the_workers_end_overtakes_stops_at_the_next_folder(tmp_path):
    """The watcher's walk during the extraction gives up once the worker has ended (the final walk
    then counts everything): it asks before each folder, and keeps what it counted."""
    top = tmp_path / "x"
    for i in range(30):
        folder = top / f"f{i:02}"
        folder.mkdir(parents=True)
        for j in range(5):
            (folder / f"file{j}").write_bytes(b"x" * 10)
    whole = _measure(top)
    assert whole == (180, 1500)
    asked = []

    def ended_after_three() -> bool:
        asked.append(1)
        return len(asked) > 3

    files, size = _measure(top, until=ended_after_three)
    assert len(asked) == 4  # the top folder and two subfolders walked, then the end seen
    assert files == 30 + 2 * 5 and size == 2 * 5 * 10
    assert _measure(top, until=lambda: False) == whole


def test_a_listing_is_cut_at_its_line_ends_only_and_a_forged_line_is_left_out():
    """unsquashfs prints names raw: a name holding "\\r" or U+2028 keeps them (str.splitlines
    would have cut a line of its own out of it, one that can name another path), and a name holding
    "\\n" that forges the line of another path makes that path listed twice: left out, with
    neither line's owner and mode."""
    line = "{perm} {uid}/0 {size:>8} 2024-01-01 00:00 squashfs-root/{path}"
    text = "\n".join(
        [
            line.format(perm="drwxr-xr-x", uid=0, size=3, path="etc"),
            line.format(perm="----------", uid=0, size=20, path="etc/shadow"),
            # a decoy whose name ends in "\r": once the listing of etc/shadow, readable
            line.format(perm="-rw-r--r--", uid=0, size=1, path="etc/shadow\r"),
            line.format(
                perm="-rw-r--r--", uid=0, size=1, path="etc/a\u2028-rw-r--r-- 0/0 1 2024-01-01 00:00 b"
            ),
            # a name holding "\n": its second half forges the line of etc/passwd, and of a device
            line.format(perm="-rw-------", uid=5, size=9, path="etc/passwd"),
            line.format(perm="-rw-r--r--", uid=0, size=1, path="zz"),
            line.format(perm="-rwxrwxrwx", uid=0, size=1, path="etc/passwd"),
            line.format(perm="crw-rw-rw-", uid=0, size="1, 3", path="etc/passwd"),
        ]
    )
    entries, twice = metadata.listing_entries(text)
    assert twice == ["etc/passwd"]
    assert "etc/passwd" not in entries  # neither line believed
    assert entries["etc/shadow"].mode == 0 and entries["etc/shadow\r"].mode == 0o644
    assert "etc/a\u2028-rw-r--r-- 0/0 1 2024-01-01 00:00 b" in entries
    assert metadata.parse_unsquashfs_listing(text) == entries
    assert metadata.may_list_special(text)  # the forged device line starts a line


def test_a_worker_that_ends_during_a_walk_past_the_timeout_is_held_to_the_limits(tmp_path):
    """The watcher's walk gives up when the worker ends during it; past the time limit, that is
    still the end of the worker, not a timeout: the final walk then finds the bomb."""
    from workbench.firmware import extract
    from workbench.firmware.limits import ExtractionLimits

    for i in range(20):
        (tmp_path / "x" / f"d{i}").mkdir(parents=True)
        (tmp_path / "x" / f"d{i}" / "bomb").write_bytes(b"\0" * 10_000)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)

    class EndsDuringTheFirstWalk:  # the worker: seen to end on the third look inside a walk
        pid = sleeper.pid
        returncode = None
        looks = 0

        def poll(self):
            self.looks += 1
            if self.looks > 3 and self.returncode is None:
                sleeper.kill()
                sleeper.wait()
                self.returncode = 0
            return self.returncode

        def wait(self, timeout=None):
            return self.poll()

    try:
        status, warnings = extract._watch_worker(
            EndsDuringTheFirstWalk(), tmp_path, ExtractionLimits(max_total_size=100_000, timeout=0.0)
        )
    finally:
        sleeper.kill()
        sleeper.wait()
    assert status == "limit", warnings
    assert "decompression bomb" in warnings[0]["message"]


def test_a_link_whose_name_holds_an_arrow_claims_each_path_it_may_stand_for():
    """A link's line `name -> target` reads as several paths when its name holds " -> " too: a
    forged line for one of them (a device, to be excluded) is left out, as a path listed twice."""
    line = "{perm} 0/0 {size:>8} 2024-01-01 00:00 squashfs-root/{path}"
    text = "\n".join(
        [
            line.format(perm="lrwxrwxrwx", size=11, path="etc/x -> y -> /etc/passwd"),
            line.format(perm="crw-rw-rw-", size="1, 3", path="etc/x -> y"),
            line.format(perm="lrwxrwxrwx", size=7, path="bin/sh -> busybox"),
        ]
    )
    entries, left_out = metadata.listing_entries(text)
    assert left_out == ["etc/x -> y"]
    assert not any(e.kind in metadata.SPECIAL_KINDS for e in entries.values())
    assert entries["bin/sh"].link_target == "busybox"
