"""update: does the unit install an update with one byte changed (UPD-04), and the genuine one (UPD-01)?

Through the manufacturer's test shell and declared update path (test-access.yaml `update`). The probe makes
a folder of its own in upload_dir (`wbupdate.XXXXXX`), so nothing already there is overwritten or removed.
Each image goes there under the genuine file's own name (a unit that checks only the name sees the same name
twice): the version asked (`version_command`), the image uploaded (`cat > FILE`, many units have no SFTP),
installed by the declared command (exit 0 = installed; at most `install_timeout_s`, within the budget), the
version asked again, the image removed. The tampered image (the byte at size // 2 XOR 0xFF) goes first, the
genuine one second; the folder is removed at the end. An install still running at its timeout ends the test
(TIMED_OUT): no second image, nothing removed while the installer may still read it. Every command is a
`session` row.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from workbench.probe.clients_base import printable
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import TestRun, TestStatus
from workbench.probe.shell import Ran, ShellError, UnitShell, not_granted
from workbench.probe.vendor_access import VendorAccess

OUTPUT_CHARS = 2048
VERSION_CHARS = 200
RECONNECT_TRIES, RECONNECT_PAUSE_S = 12, 5.0  # a unit may restart after installing
FOLDER_PREFIX = "wbupdate."
_FOLDER_SUFFIX = re.compile(r"[A-Za-z0-9]{6,32}")


@dataclass(frozen=True)
class Image:
    kind: str  # tampered or genuine
    data: bytes
    changed_offset: int | None


def images(genuine: bytes) -> list[Image]:
    """The tampered copy (the byte at size // 2 XOR 0xFF), then the genuine file."""
    tampered = bytearray(genuine)
    offset = len(genuine) // 2 if genuine else None
    if offset is not None:
        tampered[offset] ^= 0xFF
    return [Image("tampered", bytes(tampered), offset), Image("genuine", genuine, None)]


def folder_command(upload_dir: str, fallback: str, existing: str | None = None) -> str:
    """Print a new folder made in upload_dir (mktemp -d; without mktemp, `mkdir` of the fallback name, which
    fails if it exists), readable by an installer running as another user; or `existing` if it is still
    there. Exit status 1 when no folder could be made."""
    d = shlex.quote(upload_dir)
    make = (
        f'f=$(mktemp -d "$d/{FOLDER_PREFIX}XXXXXX" 2>/dev/null) || {{ f="$d/{FOLDER_PREFIX}{fallback}";'
        ' mkdir "$f" || exit 1; }; chmod 755 "$f" 2>/dev/null; printf \'%s\\n\' "$f"'
    )
    if existing is None:
        return f"d={d}; {make}"
    e = shlex.quote(existing)
    return f"d={d}; if [ -d {e} ]; then printf '%s\\n' {e}; else {make}; fi"


def parse_folder(output: str, upload_dir: str) -> str | None:
    """The folder the unit printed, if it is one the probe asked for (the only path it will remove)."""
    folder = output.strip()
    prefix = f"{upload_dir}/{FOLDER_PREFIX}"
    if folder.startswith(prefix) and _FOLDER_SUFFIX.fullmatch(folder[len(prefix) :]):
        return folder
    return None


@dataclass
class _Update:
    shell: UnitShell
    access: VendorAccess
    name: str  # the genuine file's name: both images go up under it
    install_timeout_s: float
    problems: list[str] = field(default_factory=list)  # what could not be done: the test is PARTIAL
    info: list[str] = field(default_factory=list)
    folder: str | None = None
    reconnected: bool = False  # the unit dropped the connection (restarted?): its folder may be gone
    cut: Ran | None = None  # the install still running at its timeout
    install_limit: float = 0.0  # the last install's timeout: install_timeout_s, or what the budget left
    installs: int = 0  # install commands run

    @property
    def upload_dir(self) -> str:
        assert self.access.update is not None
        return self.access.update.upload_dir

    def make_folder(self) -> bool:
        fallback = secrets.token_hex(6)
        ran = self.shell.run(folder_command(self.upload_dir, fallback, self.folder), "upload")
        folder = parse_folder(ran.text, self.upload_dir) if ran.ok else None
        if folder is None:
            ran.fail(ran.error or ran.complaint or f"no folder of its own in {self.upload_dir}")
            self.problems.append(f"make a folder in upload_dir {self.upload_dir} ({ran.error})")
            return False
        if self.folder is not None and folder != self.folder:
            self.info.append(f"{self.folder} was gone after the restart: {folder} made")
        self.folder, self.reconnected = folder, False
        return True

    def attempt(self, image: Image) -> dict[str, Any]:
        assert self.access.update is not None and self.folder is not None
        path = f"{self.folder}/{self.name}"
        command = self.access.update.command.replace("{image}", shlex.quote(path))
        row: dict[str, Any] = {
            "test": "update", "port": self.shell.port, "image": image.kind, "file": printable(self.name),
            "sha256": hashlib.sha256(image.data).hexdigest(), "size": len(image.data),
            "changed_offset": image.changed_offset, "command": printable(command, 1024), "exit_status": None,
            "accepted": None, "version_before": self.version(), "version_after": None, "output": None,
            "started": time.time(), "finished": None,
        }  # fmt: skip
        quoted = shlex.quote(path)
        upload = self.shell.run(f"cat > {quoted} && wc -c < {quoted}", "upload", stdin=image.data)
        row["started"] = upload.started
        if not upload.ok or upload.text.strip() != str(len(image.data)):
            held = f"the unit holds {upload.text.strip()[:20]!r} bytes"
            upload.fail(upload.error or upload.complaint or held)
            self.problems.append(f"upload the {image.kind} image ({upload.error})")
            self.remove(path)
            return {**row, "finished": upload.finished}
        self.install_limit = self.shell.pacer.timeout(self.install_timeout_s)
        install = self.shell.run(command, "install", timeout_s=self.install_limit)
        self.installs += 1
        row.update(
            exit_status=install.exit_status,
            accepted=install.exit_status == 0 if install.exit_status is not None else None,
            output=printable(install.stdout[:OUTPUT_CHARS] + install.stderr[:OUTPUT_CHARS], OUTPUT_CHARS),
            finished=install.finished,
        )
        if install.cut:
            self.cut = install  # the installer may still read the file: nothing more is done
            return row
        if install.exit_status is None:
            self.problems.append(f"finish the {image.kind} install ({install.error})")
        if not self.reconnect_if_gone():
            return row
        row["version_after"] = self.version()
        self.remove(path)
        return row

    def version(self) -> str | None:
        if not self.access.version_command:
            return None
        ran = self.shell.run(self.access.version_command, "version")
        if not ran.ok:
            reason = ran.error or ran.complaint or f"exit status {ran.exit_status}"
            self.problems.append(f"read the version ({reason})")
            return None
        return printable(ran.stdout, VERSION_CHARS)

    def remove(self, path: str) -> None:
        removed = self.shell.run(f"rm -f {shlex.quote(path)}", "cleanup")
        if not removed.ok:
            self.info.append(f"{path} may remain ({removed.error or removed.complaint})")

    def remove_folder(self) -> None:
        assert self.folder is not None
        folder = shlex.quote(self.folder)  # gone already if the unit restarted since
        removed = self.shell.run(f"[ ! -d {folder} ] || rmdir {folder}", "cleanup")
        if not removed.ok:
            self.info.append(f"the folder {self.folder} remains ({removed.error or removed.complaint})")

    def reconnect_if_gone(self) -> bool:
        """A unit that restarts to install: log in again while the budget lasts (a few tries)."""
        shell = self.shell
        if shell.connected:
            return True
        for _ in range(RECONNECT_TRIES):
            if shell.pacer.expired:
                break
            try:
                shell.connect()
                self.info.append("the shell's connection dropped during the install; logged in again")
                self.reconnected = True
                return True
            except ShellError:
                time.sleep(min(RECONNECT_PAUSE_S, shell.pacer.remaining))
        self.problems.append("log in again after the install dropped the connection")
        return False


def update_test(
    target: str, plan: ProbePlan, test: TestPlan
) -> tuple[TestRun, dict[str, list[dict[str, Any]]]]:
    run = TestRun(test.name, test.tool, started=time.time())
    access = plan.access
    if access is None or access.update is None or access.shell is None:
        grant = "shell" if access is not None and access.update is not None else "update"
        run.status, run.detail = TestStatus.SKIPPED, not_granted(grant)
        return run, {}
    image_file = access.path(access.update.image)
    try:
        genuine = image_file.read_bytes()
    except OSError as exc:
        run.status = TestStatus.ERROR
        run.detail = printable(f"cannot read the genuine update {image_file}: {exc}")
        return run, {}
    shell = UnitShell(target, access, test)
    try:
        shell.connect()
    except ShellError as exc:
        run.status, run.detail, run.finished = TestStatus.ERROR, str(exc), time.time()
        return run, {"updates": [], "session": shell.rows}
    install_timeout = float(test.settings.get("install_timeout_s", shell.exchange_timeout))
    update = _Update(shell, access, image_file.name, install_timeout)
    if not access.version_command:
        update.info.append("no version_command: versions not asked")
    with shell:
        rows = _attempts(update, images(genuine))
    run.status, run.detail = _outcome(update, rows)
    run.detail = "; ".join([run.detail, *update.info, f"host key {shell.fingerprint}"])[:2000]
    run.finished = time.time()
    return run, {"updates": rows, "session": shell.rows}


def _attempts(update: _Update, attempts: list[Image]) -> list[dict[str, Any]]:
    if attempts[0].changed_offset is None:
        update.problems.append("the genuine update is empty: no byte to change, no image to send")
        return []
    if not update.make_folder():
        return []
    rows = []
    for image in attempts:
        if update.reconnected and not update.make_folder():
            return rows
        rows.append(update.attempt(image))
        if update.cut is not None or not update.shell.connected:
            return rows  # no rmdir: an installer may be running, or the unit is gone
    update.remove_folder()
    return rows


def _outcome(update: _Update, rows: list[dict[str, Any]]) -> tuple[TestStatus, str]:
    summary = [f"{r['image']}: {_said(r)}" for r in rows]
    if update.cut is not None:
        limit = update.install_limit
        why = "install_timeout_s" if limit >= update.install_timeout_s else "what was left of the budget"
        return TestStatus.TIMED_OUT, "; ".join([
            f"the {rows[-1]['image']} install was still running when cut after {limit:g} s ({why}):"
            " the installer may still be running on the unit; nothing was removed"
            f" ({update.folder}/{update.name} stays), no further image sent",
            *(["could not: " + "; ".join(update.problems)] if update.problems else []),
            *summary,
        ])  # fmt: skip
    failed = ["could not: " + "; ".join(update.problems)] if update.problems else []
    status = TestStatus.PARTIAL if update.problems else TestStatus.COMPLETED
    if not update.installs:
        status = TestStatus.ERROR
    where = [f"uploaded to {update.folder}/{update.name}"] if update.folder else []
    return status, "; ".join([*failed, *summary, *where])


def _said(row: dict[str, Any]) -> str:
    if row["output"] is None:
        return "not installed (the install did not run)"
    versions = f", version {row['version_before']} -> {row['version_after']}" if row["version_before"] else ""
    if row["accepted"] is None:
        return f"no exit status{versions}"
    word = "installed" if row["accepted"] else "refused"
    return f"{word} (exit {row['exit_status']}){versions}"
