"""Helpers of UPD-01 and UPD-04 on the probe's update test (catalogue 2026.4).

Through the test access the probe installs, with the update command the manufacturer grants the lab
(`plan.access.update.command`), the genuine update with one byte changed, then the genuine one, both under
the genuine file's name: rows `tampered` then `genuine` of `updates`. That command is the unit's local
update path, not necessarily the mechanism the declaration describes (OTA from a cloud, an app): what
links the two is the program, which the firmware image must hold.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import TYPE_CHECKING

from workbench.checks._firmware import describe_update, files_named, image_lines, update_rows
from workbench.checks._probe import Row, clip, probe_refs
from workbench.checks._probe_unit import access_part, command_ref, finite, session_rows
from workbench.checks.base import EvidenceRef
from workbench.i18n import N_, _, tr

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext
    from workbench.probe.results import TestRun

_WRAPPERS = {"env", "sudo", "nice", "nohup", "exec", "timeout", "ionice"}  # run the next word
_SHELLS = {"sh", "ash", "bash", "dash", "busybox", "eval"}  # the updater is inside a script line
_WORD = re.compile(r"[\w./-]+")


def update_attempts(ctx: EvidenceContext) -> dict[str, Row]:
    """The update test's attempts by image (`tampered`, `genuine`): the first row of each."""
    found: dict[str, Row] = {}
    for row in ctx.probe_rows("updates"):
        found.setdefault(clip(row["image"], 20).lower(), row)
    return found


def versions(row: Row) -> tuple[str, str]:
    """The version the unit reported before and after an attempt ('' when it reported none)."""
    return clip(row["version_before"], 80), clip(row["version_after"], 80)


def installed(row: Row) -> bool:
    """The attempt was installed: the unit said so (exit 0), or its version changed."""
    before, after = versions(row)
    return row["accepted"] is True or bool(before and after and before != after)


def answer(row: Row, most: int = 200) -> str:
    """What the install answered: `exit status 1: 'signature check failed'`."""
    output = clip(row["output"], most)
    status = row["exit_status"]
    if status is None:
        if output:
            return tr("no exit status (it did not finish): {output}", output=repr(output))
        return _("no exit status (it did not finish)")
    if output:
        return tr("exit status {status}: {output}", status=status, output=repr(output))
    return tr("exit status {status}", status=status)


def version_story(tampered: Row | None, genuine: Row | None) -> str:
    """The versions over the update test: before the first install, after each attempt."""
    first = tampered or genuine
    if first is None:
        return _("no version read")
    parts = [tr("{version} before the first install", version=versions(first)[0] or "?")]
    for row, said in ((tampered, _AFTER_TAMPERED), (genuine, _AFTER_GENUINE)):
        if row is not None:
            outcome = {True: "installed", False: "refused"}.get(row["accepted"], "not finished")
            parts.append(tr(said[outcome], version=versions(row)[1] or "?"))
    return "; ".join(parts)


_AFTER_TAMPERED = {
    "installed": N_("{version} after the copy with one byte changed (installed)"),
    "refused": N_("{version} after the copy with one byte changed (refused)"),
    "not finished": N_("{version} after the copy with one byte changed (not finished)"),
}
_AFTER_GENUINE = {
    "installed": N_("{version} after the genuine update (installed)"),
    "refused": N_("{version} after the genuine update (refused)"),
    "not finished": N_("{version} after the genuine update (not finished)"),
}


def update_program(ctx: EvidenceContext) -> str | None:
    """The program the test access's update command runs (`/sbin/fw_upgrade` of `/sbin/fw_upgrade
    {image}`), None when there is none or a shell runs it (the updater is then inside the script)."""
    update = access_part(ctx, "update")
    command = update.get("command") if isinstance(update, dict) else None
    try:
        words = shlex.split(command) if isinstance(command, str) else []
    except ValueError:
        return None
    for word in words:
        name = posixpath.basename(word)
        if (
            ("=" in word and not word.startswith("/"))
            or word.startswith("-")
            or word.isdigit()
            or name in _WRAPPERS
        ):
            continue  # VAR=value, an option or its number, a wrapper: the program comes later
        return None if name in _SHELLS or "{image}" in word else clip(word, 120)
    return None


def updater_in_image(ctx: EvidenceContext, program: str | None) -> list[str]:
    """Where the firmware image holds the update command's program (its path, else its name)."""
    if not program:
        return []
    rows = files_named(ctx, [posixpath.basename(program)])
    exact = [r["path"] for r in rows if r["path"] == program]
    return sorted(set(exact or [r["path"] or "" for r in rows]) - {""})


def updater_verifiers(ctx: EvidenceContext, where: list[str]) -> list[str]:
    """The verifier and public-key rows of the firmware's update table that belong to the updater at
    `where` (its paths in the image): found in it, or a file its script names (`usign` or
    `/usr/bin/usign`, `/etc/opkg/keys` or a key under it)."""
    rows = update_rows(ctx)
    words: dict[str, set[str]] = {}  # artefact -> the words of its updater scripts
    for updater in files_matching_paths(ctx, where):
        seen = words.setdefault(updater["artefact"], set())
        for _number, line in image_lines(ctx, updater["artefact_sha256"] or "", updater["path"] or ""):
            seen.update(w.rstrip("/") for w in _WORD.findall(line.split("#", 1)[0]))
    tied = []
    for kind in ("verifier", "public_key"):
        for row in rows.get(kind, []):
            path, named = row["path"] or "", words.get(row["artefact"])
            if named is None or not path:
                continue
            by_name = kind == "verifier" and posixpath.basename(path) in named
            under = any(w.startswith("/") and len(w) > 1 and path.startswith(w + "/") for w in named)
            if path in where or path in named or by_name or under:
                tied.append(describe_update(row))
    return tied


def files_matching_paths(ctx: EvidenceContext, paths: list[str]) -> list[Row]:
    """The image's files at `paths` (rows path, type, artefact, artefact_sha256)."""
    wanted = set(paths)
    return [r for r in ctx.firmware_rows("files", ("path", "type")) if r["path"] in wanted]


def uploaded_name(row: Row, template: str | None) -> str | None:
    """The name of the file an attempt installed, read off its command with the access's template
    (`... {image} ...`); None when the command does not follow the template."""
    command = row.get("command")
    if not isinstance(template, str) or not isinstance(command, str) or template.count("{image}") != 1:
        return None
    head, tail = template.split("{image}")
    if not command.startswith(head) or not command.endswith(tail) or len(command) < len(head) + len(tail):
        return None
    try:
        (path,) = shlex.split(command[len(head) : len(command) - len(tail)])
    except ValueError:
        return None
    return posixpath.basename(path)


def names_differ(ctx: EvidenceContext, tampered: Row, genuine: Row) -> tuple[str, str] | None:
    """The two names, when the copy and the control were installed under different file names."""
    update = access_part(ctx, "update")
    template = update.get("command") if isinstance(update, dict) else None
    names = uploaded_name(tampered, template), uploaded_name(genuine, template)
    if names[0] is None or names[1] is None or names[0] == names[1]:
        return None
    return clip(names[0], 80), clip(names[1], 80)


def update_refs(ctx: EvidenceContext, row: Row, test: TestRun | None) -> tuple[EvidenceRef, ...]:
    """The unit commands of one attempt (its upload, install, versions), its packets, the results file."""
    started, finished = finite(row["started"]), finite(row["finished"])
    if started is None or finished is None:
        return probe_refs([row], test, 4)
    during = [
        s
        for s in session_rows(ctx, "version", "upload", "install")
        if started - 1 <= (finite(s["started"]) or -1.0) <= finished + 1
    ]
    return (*(command_ref(s) for s in during[:4]), *probe_refs([row], test, 4))
