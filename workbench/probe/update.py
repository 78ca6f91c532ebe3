"""update: does the unit install an update with one byte changed (UPD-04), and the genuine one (UPD-01)?

Through the manufacturer's test shell and declared update path (test-access.yaml `update`): the version
asked (`version_command`), the genuine file with the byte at size // 2 XOR 0xFF uploaded (`cat > FILE`, many
units have no SFTP) and installed by the declared command (exit 0 = installed), the version asked again;
then the genuine file the same way. The uploaded files are removed after. Every command is a `session` row.
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from workbench.probe.clients_base import printable
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import TestRun, TestStatus
from workbench.probe.shell import Shell, ShellError
from workbench.probe.vendor_access import VendorAccess

OUTPUT_CHARS = 2048
VERSION_CHARS = 200
RECONNECT_TRIES, RECONNECT_PAUSE_S = 12, 5.0  # a unit may restart after installing


@dataclass(frozen=True)
class Image:
    kind: str  # tampered or genuine
    data: bytes
    changed_offset: int | None
    path: str  # where it goes on the unit
    name: str  # the genuine file's name


@dataclass
class _Notes:
    problems: list[str] = field(default_factory=list)  # what could not be done: the test is PARTIAL
    info: list[str] = field(default_factory=list)


def images(genuine: bytes, name: str, upload_dir: str) -> list[Image]:
    """The tampered copy (the byte at size // 2 XOR 0xFF), then the genuine file."""
    tampered = bytearray(genuine)
    offset = len(genuine) // 2 if genuine else None
    if offset is not None:
        tampered[offset] ^= 0xFF
    return [
        Image("tampered", bytes(tampered), offset, posixpath.join(upload_dir, f"{name}.tampered"), name),
        Image("genuine", genuine, None, posixpath.join(upload_dir, name), name),
    ]


def update_test(
    target: str, plan: ProbePlan, test: TestPlan
) -> tuple[TestRun, dict[str, list[dict[str, Any]]]]:
    run = TestRun(test.name, test.tool, started=time.time())
    access = plan.access
    if access is None or access.update is None or access.shell is None:
        run.status, run.detail = TestStatus.SKIPPED, "no test access: test-access.yaml grants no `update`"
        return run, {}
    image_file = access.path(access.update.image)
    try:
        genuine = image_file.read_bytes()
    except OSError as exc:
        run.status, run.detail = (
            TestStatus.ERROR,
            printable(f"cannot read the genuine update {image_file}: {exc}"),
        )
        return run, {}
    shell = Shell(target, access, test)
    try:
        shell.connect()
    except ShellError as exc:
        run.status, run.detail, run.finished = TestStatus.ERROR, str(exc), time.time()
        return run, {"updates": [], "session": shell.rows}
    notes = _Notes(info=[] if access.version_command else ["no version_command: versions not asked"])
    rows = []
    with shell:
        attempts = images(genuine, image_file.name, access.update.upload_dir)
        for image in attempts:
            rows.append(_attempt(shell, access, image, notes))
        removed = shell.run("rm -f " + " ".join(shlex.quote(i.path) for i in attempts), "cleanup")
        if not removed.ok:
            notes.info.append(f"the uploaded files may remain ({removed.error or removed.complaint})")
    run.status = TestStatus.PARTIAL if notes.problems else TestStatus.COMPLETED
    if all(r["accepted"] is None for r in rows):
        run.status = TestStatus.ERROR
    summary = [f"{r['image']}: {_outcome(r)}" for r in rows]
    failed = ["could not: " + "; ".join(notes.problems)] if notes.problems else []
    run.detail = "; ".join([*failed, *summary, *notes.info, f"host key {shell.fingerprint}"])[:2000]
    run.finished = time.time()
    return run, {"updates": rows, "session": shell.rows}


def _attempt(shell: Shell, access: VendorAccess, image: Image, notes: _Notes) -> dict[str, Any]:
    assert access.update is not None
    command = access.update.command.replace("{image}", shlex.quote(image.path))
    row: dict[str, Any] = {
        "test": "update", "port": shell.port, "image": image.kind, "file": printable(image.name),
        "sha256": hashlib.sha256(image.data).hexdigest(), "size": len(image.data),
        "changed_offset": image.changed_offset, "command": printable(command, 1024), "exit_status": None,
        "accepted": None, "version_before": _version(shell, access, notes), "version_after": None,
        "output": None, "started": time.time(), "finished": None,
    }  # fmt: skip
    if image.changed_offset is None and image.kind == "tampered":
        notes.problems.append("the genuine update is empty: no byte to change, no tampered image")
        return {**row, "finished": time.time()}
    target = shlex.quote(image.path)
    upload = shell.run(f"cat > {target} && wc -c < {target}", "upload", stdin=image.data)
    row["started"] = upload.started
    if not upload.ok or upload.text.strip() != str(len(image.data)):
        upload.fail(upload.error or upload.complaint or f"the unit holds {upload.text.strip()[:20]!r} bytes")
        notes.problems.append(f"upload the {image.kind} image ({upload.error})")
        return {**row, "finished": upload.finished}
    install = shell.run(command, "install")
    _reconnect_if_gone(shell, notes)
    row.update(
        exit_status=install.exit_status,
        accepted=install.exit_status == 0 if install.exit_status is not None else None,
        output=printable(install.stdout[:OUTPUT_CHARS] + install.stderr[:OUTPUT_CHARS], OUTPUT_CHARS),
        finished=install.finished,
        version_after=_version(shell, access, notes),
    )
    if install.exit_status is None:
        notes.problems.append(f"finish the {image.kind} install ({install.error})")
    return row


def _version(shell: Shell, access: VendorAccess, notes: _Notes) -> str | None:
    if not access.version_command:
        return None
    ran = shell.run(access.version_command, "version")
    if not ran.ok:
        notes.problems.append(
            f"read the version ({ran.error or ran.complaint or f'exit status {ran.exit_status}'})"
        )
        return None
    return printable(ran.stdout, VERSION_CHARS)


def _reconnect_if_gone(shell: Shell, notes: _Notes) -> None:
    """A unit that restarts to install: log in again while the budget lasts (a few tries)."""
    if shell.connected:
        return
    for _ in range(RECONNECT_TRIES):
        if shell.pacer.expired:
            break
        try:
            shell.connect()
            notes.info.append("the shell's connection dropped after the install; logged in again")
            return
        except ShellError:
            time.sleep(min(RECONNECT_PAUSE_S, shell.pacer.remaining))
    notes.problems.append("log in again after the install dropped the connection")


def _outcome(row: dict[str, Any]) -> str:
    if row["accepted"] is None:
        return "not tried to the end"
    word = "installed" if row["accepted"] else "refused"
    versions = f", version {row['version_before']} -> {row['version_after']}" if row["version_before"] else ""
    return f"{word} (exit {row['exit_status']}){versions}"
