"""Shared helpers of the checks whose evidence is a firmware image.

Tables come from the firmware engine as typed rows (`ctx.firmware_rows(table, columns)`, by the
schemas of workbench.firmware.schema), each row with its image's `artefact` and `artefact_sha256`;
a value the engine could not tell is None. Files inside an image are read only through the
image's scan (`FirmwareScan.lines`, which resolves the path with `local_path`: in the layer the
image path names, never outside the extraction folder, never more than a bounded size).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from workbench.checks.base import Check, CheckResult, EvidenceKind, EvidenceRef, Verdict
from workbench.enginetext import warning_text
from workbench.firmware.services import NOT_A_START
from workbench.i18n import tr

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext

Row = dict[str, Any]


# --- evidence references ------------------------------------------------------------------
def ref(row: Row, *, path: str | None = None, note: str = "") -> EvidenceRef:
    """An EvidenceRef to a table row: its image, the path inside it, offset and line if known."""
    line = row.get("line")
    notes = [n for n in (note, f"line {line}" if line else "") if n]
    return EvidenceRef(
        artefact=row.get("artefact") or "firmware",
        sha256=row.get("artefact_sha256") or "",
        path=path if path is not None else (row.get("path") or row.get("source") or None),
        offset=row.get("offset"),
        note="; ".join(notes),
    )


def declaration_ref(ctx: EvidenceContext, field: str) -> EvidenceRef:
    return EvidenceRef(artefact="declaration", sha256=ctx.case.declaration_sha256() or "", note=field)


# --- files inside an extracted image -------------------------------------------------------
def image_lines(ctx: EvidenceContext, sha256: str, image_path: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of a text file of the image whose SHA-256 is `sha256`, read
    through its scan; nothing if the file is not there, unreadable or binary."""
    for artefact, scan in ctx.firmwares():
        if artefact.sha256 == sha256:
            yield from scan.lines(image_path)
            return


def files_matching(ctx: EvidenceContext, predicate: Callable[[str], bool]) -> list[Row]:
    """Rows (path, type) of the `files` table whose path satisfies `predicate(path)`."""
    return [
        row for row in ctx.firmware_rows("files", ("path", "type")) if row["path"] and predicate(row["path"])
    ]


def files_named(ctx: EvidenceContext, names: Iterable[str]) -> list[Row]:
    """Rows of the `files` table whose base name is one of `names` (regular files and links)."""
    wanted = {str(n).lower() for n in names}
    return [
        row
        for row in files_matching(ctx, lambda p: PurePosixPath(p).name.lower() in wanted)
        if row["type"] != "directory"
    ]


def file_index(ctx: EvidenceContext) -> dict[tuple[str, str], Row]:
    """(artefact, path) -> row (path, mode, uid, type, link_target) of the `files` table."""
    return {
        (row["artefact"], row["path"]): row
        for row in ctx.firmware_rows("files", ("path", "mode", "uid", "type", "link_target"))
    }


def parse_mode(mode: str | None) -> int | None:
    """Permission bits from the `files` table's mode (octal digits, `0644`); None if unknown."""
    try:
        return int(mode, 8) & 0o7777 if mode else None
    except ValueError:
        return None


# --- the base class ------------------------------------------------------------------------
class FirmwareCheck(Check):
    """A check that reads the firmware engine's tables.

    If no image of the case could be unpacked at all (an empty `files` table), there is nothing
    to judge: INCONCLUSIVE with the engine's warnings, rather than a PASS on an empty table.
    """

    needs = frozenset({EvidenceKind.FIRMWARE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        unreadable = self.unreadable_images(ctx)
        images = [a.name for a in ctx.artefacts(EvidenceKind.FIRMWARE)]
        if images and len(unreadable) == len(images):
            warnings = [
                f"{w['artefact']}: {warning_text(w['message'] or '')}"
                for w in islice(ctx.firmware_rows("warnings", ("message",)), 5)
            ]
            reason = tr(
                "no file could be extracted from the firmware image(s) {images}; nothing to examine",
                images=", ".join(unreadable),
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *warnings])
        return self.evaluate_firmware(ctx)

    def evaluate_firmware(self, ctx: EvidenceContext) -> CheckResult:
        raise NotImplementedError

    @staticmethod
    def unreadable_images(ctx: EvidenceContext) -> list[str]:
        seen = {row["artefact"] for row in ctx.firmware_rows("files", ("path",))}
        return [a.name for a in ctx.artefacts(EvidenceKind.FIRMWARE) if a.name not in seen]


MAX_FINDINGS = 200


def cap(findings: list[Any], reasons: list[str], limit: int = MAX_FINDINGS) -> list[Any]:
    """Keep at most `limit` findings; say how many more there were."""
    if len(findings) > limit:
        more = len(findings) - limit
        reasons.append(tr("{n} further findings of the same kind are not listed", n=more))
        return findings[:limit]
    return findings


def english_and_here(message: str, **params: Any) -> tuple[str, str]:
    """A message (marked with N_ where it is written) in English, for a finding's `data` or the
    indicators, which stay English, and in the current language, for a reason or a summary."""
    return message.format(**params), tr(message, **params)


# --- accounts -----------------------------------------------------------------------------
_NO_LOGIN_SHELLS = ("nologin", "/false", "/dev/null", "/sync", "/halt", "/shutdown")
_SYSTEM_ACCOUNT_FILES = {"passwd", "shadow", "master.passwd", "shadow-", "passwd-"}


def system_account(row: Row) -> bool:
    """An account of the system's database (passwd/shadow), not a web or service credential."""
    return PurePosixPath(row.get("source") or "").name in _SYSTEM_ACCOUNT_FILES


def login_capable(row: Row) -> bool:
    """Whether a system account has a login shell (the engine's flag, else judged from the shell)."""
    if row.get("login_shell") is not None:
        return bool(row["login_shell"])
    if not system_account(row):
        return False
    return not (row.get("shell") or "").endswith(_NO_LOGIN_SHELLS)  # an empty shell field means /bin/sh


def account_ref(row: Row) -> EvidenceRef:
    return ref(row, path=row.get("source") or None, note=f"user {row.get('user') or ''}")


# --- password hash schemes ----------------------------------------------------------------
_ALIASES = {
    "des": "des_crypt",
    "descrypt": "des_crypt",
    "tradcrypt": "des_crypt",
    "bigcrypt": "bigcrypt",
    "bsdicrypt": "bsdi_crypt",
    "bsdi": "bsdi_crypt",
    "md5crypt": "md5_crypt",
    "1": "md5_crypt",
    "aprmd5crypt": "apr1",
    "apr1": "apr1",
    "apr": "apr1",
    "sha": "ldap_sha",
    "sha1": "ldap_sha",
    "ldapsha": "ldap_sha",
    "ldapsha1": "ldap_sha",
    "ssha": "ldap_ssha",
    "ldapssha": "ldap_ssha",
    "ldapsaltedsha1": "ldap_ssha",
    "md5": "ldap_md5",
    "ldapmd5": "ldap_md5",
    "smd5": "ldap_smd5",
    "ldapsmd5": "ldap_smd5",
    "plain": "plaintext",
    "cleartext": "plaintext",
    "clear": "plaintext",
    "plaintext": "plaintext",
    "nthash": "nthash",
    "nt": "nthash",
    "lmhash": "lmhash",
    "lm": "lmhash",
    "sha256crypt": "sha256_crypt",
    "5": "sha256_crypt",
    "sha512crypt": "sha512_crypt",
    "6": "sha512_crypt",
    "yescrypt": "yescrypt",
    "y": "yescrypt",
    "gostyescrypt": "gost_yescrypt",
    "scrypt": "scrypt",
    "bcrypt": "bcrypt",
    "2a": "bcrypt",
    "2b": "bcrypt",
    "2y": "bcrypt",
    "2": "bcrypt",
    "sha1crypt": "sha1_crypt",
    "sunmd5": "sun_md5_crypt",
    "sunmd5crypt": "sun_md5_crypt",
    "argon2": "argon2",
    "argon2id": "argon2",
    "pbkdf2": "pbkdf2",
    "htdigest": "htdigest",
}
KNOWN_SCHEMES = set(_ALIASES.values())
NO_HASH = {"", "none", "empty", "locked", "shadow", "x", "disabled"}


def scheme_name(value: str | None) -> str:
    """A hash scheme named by the engine (or by a catalogue parameter) in one canonical spelling."""
    value = value or ""
    key = re.sub(r"[^a-z0-9]", "", value.lower())
    return _ALIASES.get(key, value.strip().lower())


# --- boot services ------------------------------------------------------------------------
_LOGIN_PROGRAMS = {"getty", "agetty", "mingetty", "login", "sulogin", "mgetty", "serial-getty"}
_WRAPPERS = {"busybox", "exec", "nohup", "env", "chroot", "setsid", "nice", "ionice", "taskset"}


def program_names(command: str) -> list[str]:
    """The program a command line runs, with the one a wrapper runs ('busybox telnetd -l x' ->
    busybox, telnetd; '-/bin/sh' -> sh). Arguments are not programs."""
    names: list[str] = []
    for token in command.replace(";", " ").replace("&", " ").split()[:8]:
        if "=" in token and not token.startswith("/"):
            continue  # VAR=value
        if names and token.startswith("-"):
            continue  # a wrapper's option
        names.append(PurePosixPath(token.lstrip("-")).name.lower())
        if names[-1] not in _WRAPPERS:
            break
    return names


def is_shell(command: str, shells: Iterable[str]) -> bool:
    """Whether a command line starts an interactive shell (`-/bin/sh`, `busybox ash`, ...)."""
    programs = program_names(command)
    if not programs or programs[0] not in set(shells):
        return False
    if programs[0] == "busybox":
        return len(programs) == 1 or programs[1] in {"sh", "ash", "hush", "bash"}
    return True


def asks_login(command: str) -> bool:
    return any(p in _LOGIN_PROGRAMS or p.endswith("getty") for p in program_names(command))


def console_pattern(prefixes: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:/dev/)?(?:{alternatives})\d*(?![A-Za-z])")


def on_console(row: Row, pattern: re.Pattern[str]) -> bool:
    """Whether a boot service runs on a serial console: the engine's kind, the inittab tty field
    (empty in BusyBox's inittab means /dev/console), or a tty named in the command."""
    kind = (row.get("kind") or "").lower()
    if "console" in kind or "serial" in kind:
        return True
    name, command = row.get("name") or "", row.get("command") or ""
    if PurePosixPath(row.get("source") or "").name == "inittab" and (not name or pattern.search(name)):
        return True
    return bool(pattern.search(command) or pattern.search(name))


def started(row: Row) -> bool:
    """A service counts unless the engine says it is disabled."""
    return row.get("enabled") is not False


_BOOT_SCRIPT = re.compile(
    r"^/etc/(inittab|init\.d/[^/]+|rc\.local|rc\.d/[^/]+|rc[0-9S]\.d/[^/]+|inetd\.conf|xinetd\.d/[^/]+)$"
    r"|/systemd/system/[^/]+\.service$"
)
_ALWAYS_RUN = re.compile(r"^/etc/(inittab|init\.d/rcS|rc\.local|rc\.d/rcS)$")


def boot_scripts(ctx: EvidenceContext) -> list[Row]:
    """Rows of the `files` table for what runs at boot: inittab, rc scripts, init.d, systemd units."""
    return [
        row
        for row in files_matching(ctx, lambda p: bool(_BOOT_SCRIPT.search(p)))
        if row["type"] not in ("directory", "symlink")
    ]


def _started_in(code: str, wanted: set[str]) -> Iterator[tuple[str, str]]:
    """(program, command) for each command of a script line that starts one of `wanted`."""
    for segment in re.split(r"&&|\|\||;|\||&", code):
        programs = program_names(segment.strip())
        if programs and programs[0] not in NOT_A_START and programs[-1] in wanted:
            yield programs[-1], segment.strip()


def boot_starts(ctx: EvidenceContext, names: Iterable[str]) -> list[Row]:
    """Commands that start one of `names` at boot, in scripts that run: inittab, rcS, rc.local,
    and the scripts and units the engine found enabled. One dict per start: artefact,
    artefact_sha256, path, line, program, command."""
    wanted = {str(n).lower() for n in names}
    enabled = {
        (r["artefact"], r["source"])
        for r in ctx.firmware_rows("services", ("source", "enabled"))
        if started(r)
    }
    starts: list[Row] = []
    for row in boot_scripts(ctx):
        artefact, sha, path = row["artefact"], row["artefact_sha256"], row["path"]
        if not (_ALWAYS_RUN.search(path) or (artefact, path) in enabled):
            continue
        for number, line in image_lines(ctx, sha, path):
            code = line.split("#", 1)[0].strip()
            if path.endswith("/inittab"):
                code = code.split(":", 3)[3] if code.count(":") >= 3 else ""
            starts += [
                {"artefact": artefact, "artefact_sha256": sha, "path": path, "line": number,
                 "program": program, "command": command}
                for program, command in _started_in(code, wanted)
            ]  # fmt: skip
    return starts


# --- update mechanism ---------------------------------------------------------------------
def update_rows(ctx: EvidenceContext) -> dict[str, list[Row]]:
    """The `update` table (kind, path, value) grouped by kind: tool, url, public_key, verifier."""
    grouped: dict[str, list[Row]] = {"tool": [], "url": [], "public_key": [], "verifier": []}
    for row in ctx.firmware_rows("update", ("kind", "path", "value")):
        grouped.setdefault((row["kind"] or "").lower() or "other", []).append(row)
    return grouped


def describe_update(row: Row) -> str:
    value, path = row.get("value") or "", row.get("path") or ""
    return f"{value} ({path})" if value and path and value != path else value or path


def script_mentions(ctx: EvidenceContext, rows: list[Row], names: Iterable[str]) -> dict[str, list[Row]]:
    """name -> where a text file named by a row (an update script...) runs one of `names`."""
    pattern = re.compile(
        r"(?<![\w.-])(?:[\w./-]*/)?(" + "|".join(re.escape(str(n)) for n in names) + r")(?![\w.-])"
    )
    found: dict[str, list[Row]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        artefact, sha, path = (
            row.get("artefact") or "",
            row.get("artefact_sha256") or "",
            row.get("path") or "",
        )
        if not path or (artefact, path) in seen:
            continue
        seen.add((artefact, path))
        for number, line in image_lines(ctx, sha, path):
            for match in pattern.finditer(line.split("#", 1)[0]):
                found.setdefault(match.group(1), []).append(
                    {"artefact": artefact, "artefact_sha256": sha, "path": path, "line": number}
                )
    return found
