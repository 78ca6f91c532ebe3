"""Shared helpers of the checks whose evidence is a firmware image.

Tables come from the firmware engine through the context (`ctx.firmware_table`), one row per
finding with `artefact` and `sha256` columns. These helpers read them defensively: a missing
column, an empty table or a NaN is "unknown", never a crash. Files inside an image are read only
from the engine's extraction folder, never outside it, and never more than a bounded size.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.checks.base import Check, CheckResult, EvidenceKind, EvidenceRef, Verdict

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext

MAX_FILE_BYTES = 1 << 20  # configs and shadow files are small; anything bigger is not read whole
_TRUE = {"yes", "true", "1", "y", "on", "enabled", "full"}
_FALSE = {"no", "false", "0", "n", "off", "disabled", "none"}


# --- values from the engine's tables ----------------------------------------------------------
def clean(value: Any) -> Any:
    """NaN, NA and None become None; numpy scalars become Python ones."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if value is pd.NA or value is pd.NaT:
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict | str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def flag(value: Any) -> bool | None:
    """A yes/no cell as a bool; None when the engine could not tell."""
    value = clean(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def text(value: Any) -> str:
    value = clean(value)
    return "" if value is None else str(value)


def as_int(value: Any) -> int | None:
    value = clean(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        text_value = str(value).strip()
        if text_value.startswith(("0o", "0x")):
            return int(text_value, 0)
        return int(float(text_value))
    except (TypeError, ValueError):
        return None


def records(frame: pd.DataFrame | None, columns: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Rows as dicts with clean values; requested columns that the table lacks read as None."""
    if frame is None or frame.empty:
        return []
    wanted = list(columns)
    rows = []
    for raw in frame.to_dict(orient="records"):
        row = {key: clean(value) for key, value in raw.items()}
        for column in wanted:
            row.setdefault(column, None)
        rows.append(row)
    return rows


def table(ctx: EvidenceContext, name: str, columns: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Rows of an engine table over every image, with `artefact` and `artefact_sha256`."""
    if name == "files":
        return files_rows(ctx, columns)
    return records(ctx.firmware_table(name), ("artefact", "artefact_sha256", *columns))


def files_rows(ctx: EvidenceContext, columns: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The `files` table's rows, converted once per context (`sha256` is each file's own hash,
    `artefact_sha256` the image's, as in every other table)."""
    cache = getattr(ctx, "_workbench_files_rows", None)
    if cache is None:
        cache = records(ctx.firmware_table("files"))
        ctx._workbench_files_rows = cache  # type: ignore[attr-defined]
    wanted = list(columns)
    return [{**{c: None for c in wanted}, **row} for row in cache]


def parameter_list(ctx: EvidenceContext, name: str, default: Iterable[str]) -> tuple[list[str], bool]:
    """A list parameter from the catalogue, lower-cased; (values, True) when the default was used."""
    value = ctx.parameters.get(name)
    if value is None:
        return [str(v).lower() for v in default], True
    if isinstance(value, str):
        value = [value]
    return [str(v).lower() for v in value], False


def default_note(names: Iterable[str]) -> list[str]:
    names = list(names)
    if not names:
        return []
    return [
        f"the catalogue gives no {', '.join(names)} for this requirement; the workbench's default was used"
    ]


# --- evidence references ------------------------------------------------------------------
def ref(row: dict[str, Any], *, path: str | None = None, note: str = "") -> EvidenceRef:
    """An EvidenceRef to a table row: its image, the path inside it, offset and line if known."""
    line = as_int(row.get("line"))
    notes = [n for n in (note, f"line {line}" if line else "") if n]
    return EvidenceRef(
        artefact=text(row.get("artefact")) or "firmware",
        sha256=text(row.get("artefact_sha256")),
        path=path if path is not None else (text(row.get("path")) or text(row.get("source")) or None),
        offset=as_int(row.get("offset")),
        note="; ".join(notes),
    )


def artefact_sha256(ctx: EvidenceContext, name: str) -> str:
    """The SHA-256 of a case artefact by name ('' if unknown): the `files` table's own `sha256`
    column is the file's, not the image's."""
    for artefact in ctx.artefacts(EvidenceKind.FIRMWARE):
        if artefact.name == name:
            return artefact.sha256
    return ""


def declaration_ref(ctx: EvidenceContext, field: str) -> EvidenceRef:
    return EvidenceRef(artefact="declaration", sha256=ctx.case.declaration_sha256() or "", note=field)


# --- files inside an extracted image -------------------------------------------------------
def extraction_roots(ctx: EvidenceContext, sha256: str) -> list[Path]:
    """Folders that may hold the image's extracted tree, most specific first."""
    roots: list[Path] = []
    for artefact, scan in ctx.firmwares():
        if artefact.sha256 != sha256:
            continue
        for attr in ("root", "rootfs", "extract_root", "extract_dir", "extraction_dir", "workdir"):
            value = getattr(scan, attr, None)
            if isinstance(value, str | os.PathLike) and Path(value).is_dir():
                roots.append(Path(value))
        image = getattr(scan, "image", None)
        if isinstance(image, dict):
            for key in ("extraction_root", "root", "extract_root"):
                value = image.get(key)
                if isinstance(value, str) and Path(value).is_dir():
                    roots.append(Path(value))
    default = Path(ctx.case.cache_dir) / sha256 / "extract"
    if default.is_dir():
        roots.append(default)
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def _inside(root: Path, candidate: Path) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    return os.path.commonpath([real_root, real]) == real_root


def _safe_parts(image_path: str) -> list[str] | None:
    parts = [p for p in PurePosixPath("/" + image_path.lstrip("/")).parts[1:] if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


def _layer_folders(ctx: EvidenceContext, sha256: str, root: Path) -> list[tuple[str, Path]]:
    """(image path where a layer is mounted, its folder on disk), longest mount first: the
    contract's `layers` table gives the mount, the extraction's manifest the folder."""
    try:
        manifest = json.loads((root / "manifest.json").read_text())
        on_disk = {
            (as_int(layer.get("offset")), as_int(layer.get("end")), text(layer.get("format"))): layer["dir"]
            for layer in manifest.get("layers", [])
            if isinstance(layer, dict) and layer.get("dir")
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    found = []
    for row in table(ctx, "layers", ("offset", "end", "format", "path")):
        if text(row["artefact_sha256"]) != sha256 or not text(row["path"]).startswith("/"):
            continue
        folder = on_disk.get((as_int(row["offset"]), as_int(row["end"]), text(row["format"])))
        if folder and not str(folder).startswith("/") and ".." not in PurePosixPath(folder).parts:
            found.append((text(row["path"]), root / folder))
    return sorted(found, key=lambda item: len(item[0]), reverse=True)


def locate(ctx: EvidenceContext, sha256: str, image_path: str) -> Path | None:
    """The extracted file for an image path, or None. Never resolves outside the extraction folder."""
    parts = _safe_parts(image_path)
    if not parts:
        return None
    wanted = "/" + "/".join(parts)
    for root in extraction_roots(ctx, sha256):
        for mount, folder in _layer_folders(ctx, sha256, root):
            prefix = mount.rstrip("/")
            if wanted != prefix and not wanted.startswith(prefix + "/"):
                continue
            rest = [p for p in wanted[len(prefix) :].split("/") if p]
            candidate = folder.joinpath(*rest)
            if candidate.is_file() and _inside(root, candidate):
                return candidate
        direct = root.joinpath(*parts)
        if direct.is_file() and _inside(root, direct):
            return direct
        # no manifest to go by: look for the path a few levels down
        found = _search(root, parts, depth=6)
        if found is not None:
            return found
    return None


def _search(root: Path, parts: list[str], depth: int) -> Path | None:
    frontier = [root]
    for _ in range(depth):
        next_frontier: list[Path] = []
        for folder in frontier:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    candidate = Path(entry.path).joinpath(*parts)
                    if candidate.is_file() and _inside(root, candidate):
                        return candidate
                    next_frontier.append(Path(entry.path))
        frontier = next_frontier[:200]
    return None


def read_image_file(
    ctx: EvidenceContext, sha256: str, image_path: str, max_bytes: int = MAX_FILE_BYTES
) -> bytes | None:
    """At most `max_bytes` of an extracted file, or None if it is not there."""
    found = locate(ctx, sha256, image_path)
    if found is None:
        return None
    try:
        with open(found, "rb") as handle:
            return handle.read(max_bytes)
    except OSError:
        return None


def image_lines(ctx: EvidenceContext, sha256: str, image_path: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of an extracted text file; nothing if unreadable."""
    data = read_image_file(ctx, sha256, image_path)
    if data is None or b"\x00" in data[:4096]:
        return
    yield from enumerate(data.decode("utf-8", "replace").splitlines(), start=1)


def files_matching(ctx: EvidenceContext, predicate: Any) -> list[dict[str, Any]]:
    """Rows of the `files` table whose path satisfies `predicate(path)`."""
    return [
        row
        for row in table(ctx, "files", ("path", "size", "mode", "type"))
        if row.get("path") and predicate(str(row["path"]))
    ]


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
                f"{text(w.get('artefact'))}: {text(w.get('message'))}"
                for w in table(ctx, "warnings", ("message",))[:5]
            ]
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "no file could be extracted from the firmware image(s) "
                    f"{', '.join(unreadable)}; nothing to examine",
                    *warnings,
                ],
            )
        return self.evaluate_firmware(ctx)

    def evaluate_firmware(self, ctx: EvidenceContext) -> CheckResult:
        raise NotImplementedError

    @staticmethod
    def unreadable_images(ctx: EvidenceContext) -> list[str]:
        seen = {row["artefact"] for row in files_rows(ctx)}
        return [a.name for a in ctx.artefacts(EvidenceKind.FIRMWARE) if a.name not in seen]


# --- accounts -----------------------------------------------------------------------------
ACCOUNT_COLUMNS = (
    "source",
    "user",
    "uid",
    "gid",
    "shell",
    "login_shell",
    "hash_scheme",
    "weak_hash",
    "empty",
    "locked",
    "default_password",
    "password_hint",
    "line",
)
_NO_LOGIN_SHELLS = ("nologin", "/false", "/dev/null", "/sync", "/halt", "/shutdown")


_SYSTEM_ACCOUNT_FILES = {"passwd", "shadow", "master.passwd", "shadow-", "passwd-"}


def system_account(row: dict[str, Any]) -> bool:
    """An account of the system's database (passwd/shadow), not a web or service credential."""
    return PurePosixPath(text(row.get("source"))).name in _SYSTEM_ACCOUNT_FILES


def login_capable(row: dict[str, Any]) -> bool:
    """Whether a system account has a login shell (the engine's flag, else judged from the shell)."""
    value = flag(row.get("login_shell"))
    if value is not None:
        return value
    if not system_account(row):
        return False
    shell = text(row.get("shell"))
    return not shell.endswith(_NO_LOGIN_SHELLS)  # an empty shell field means /bin/sh


def account_ref(row: dict[str, Any]) -> Any:
    return ref(row, path=text(row.get("source")) or None, note=f"user {text(row.get('user'))}")


MAX_FINDINGS = 200


def cap(findings: list[Any], reasons: list[str], limit: int = MAX_FINDINGS) -> list[Any]:
    """Keep at most `limit` findings; say how many more there were."""
    if len(findings) > limit:
        reasons.append(f"{len(findings) - limit} further findings of the same kind are not listed")
        return findings[:limit]
    return findings


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
}
KNOWN_SCHEMES = set(_ALIASES.values())
NO_HASH = {"", "none", "empty", "locked", "shadow", "x", "disabled"}


def scheme_name(value: Any) -> str:
    """A hash scheme named by the engine (or by a catalogue parameter) in one canonical spelling."""
    key = re.sub(r"[^a-z0-9]", "", text(value).lower())
    return _ALIASES.get(key, text(value).strip().lower())


# --- file modes ---------------------------------------------------------------------------
_SYMBOLIC = re.compile(r"^[-dlcbps?]?([r-][w-][xsS-][r-][w-][xsS-][r-][w-][xtT-])$")


def parse_mode(value: Any) -> int | None:
    """Permission bits from an int st_mode, an octal string ('0644', '0o100644') or 'rw-r--r--'."""
    value = clean(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value & 0o7777
    raw = str(value).strip()
    symbolic = _SYMBOLIC.match(raw)
    if symbolic:
        bits = 0
        for i, char in enumerate(symbolic.group(1)):
            if char not in "-S T".replace(" ", ""):
                bits |= 1 << (8 - i)
        return bits
    octal = raw.removeprefix("0o")
    if re.fullmatch(r"[0-7]{3,7}", octal):
        return int(octal, 8) & 0o7777
    return None


def file_index(ctx: EvidenceContext) -> dict[tuple[str, str], dict[str, Any]]:
    """(artefact, path) -> row of the `files` table."""
    return {
        (text(row["artefact"]), text(row["path"])): row
        for row in table(ctx, "files", ("path", "mode", "uid", "gid", "type", "link_target"))
    }


# --- boot services ------------------------------------------------------------------------
SERVICE_COLUMNS = ("name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "auth")
DEFAULT_CONSOLES = ("ttyS", "ttyAMA", "ttyMSM", "ttyHS", "ttyUSB", "ttyGS", "console")
DEFAULT_SHELLS = ("sh", "ash", "bash", "dash", "busybox")
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


def is_shell(command: str, shells: Any = DEFAULT_SHELLS) -> bool:
    """Whether a command line starts an interactive shell (`-/bin/sh`, `busybox ash`, ...)."""
    programs = program_names(command)
    if not programs or programs[0] not in set(shells):
        return False
    if programs[0] == "busybox":
        return len(programs) == 1 or programs[1] in {"sh", "ash", "hush", "bash"}
    return True


def asks_login(command: str) -> bool:
    return any(p in _LOGIN_PROGRAMS or p.endswith("getty") for p in program_names(command))


def console_pattern(prefixes: Any = DEFAULT_CONSOLES) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:/dev/)?(?:{alternatives})\d*(?![A-Za-z])")


def on_console(row: dict[str, Any], pattern: re.Pattern[str] | None = None) -> bool:
    """Whether a boot service runs on a serial console: the engine's kind, the inittab tty field
    (empty in BusyBox's inittab means /dev/console), or a tty named in the command."""
    pattern = pattern or console_pattern()
    kind = text(row.get("kind")).lower()
    if "console" in kind or "serial" in kind:
        return True
    name, command = text(row.get("name")), text(row.get("command"))
    if PurePosixPath(text(row.get("source"))).name == "inittab":
        tty = text(row.get("tty")) or name
        if not tty or pattern.search(tty):
            return True
    return bool(pattern.search(command) or pattern.search(name))


def started(row: dict[str, Any]) -> bool:
    """A service counts unless the engine says it is disabled."""
    return flag(row.get("enabled")) is not False


# --- update mechanism ---------------------------------------------------------------------
UPDATE_COLUMNS = ("kind", "path", "value", "secure", "detail")


def update_rows(ctx: EvidenceContext) -> dict[str, list[dict[str, Any]]]:
    """The `update` table grouped by kind: tool, url, public_key, verifier."""
    grouped: dict[str, list[dict[str, Any]]] = {"tool": [], "url": [], "public_key": [], "verifier": []}
    for row in table(ctx, "update", UPDATE_COLUMNS):
        grouped.setdefault(text(row["kind"]).lower() or "other", []).append(row)
    return grouped


def describe_update(row: dict[str, Any]) -> str:
    value, path = text(row.get("value")), text(row.get("path"))
    return f"{value} ({path})" if value and path and value != path else value or path


def files_named(ctx: EvidenceContext, names: Any) -> list[dict[str, Any]]:
    """Rows of the `files` table whose base name is one of `names` (regular files and links)."""
    wanted = {str(n).lower() for n in names}
    return [
        row
        for row in files_matching(ctx, lambda p: PurePosixPath(p).name.lower() in wanted)
        if text(row.get("type")).lower() not in ("directory", "dir")
    ]


def script_mentions(
    ctx: EvidenceContext, rows: list[dict[str, Any]], names: Any
) -> dict[str, list[dict[str, Any]]]:
    """name -> where a text file named by a row (an update script...) runs one of `names`."""
    pattern = re.compile(
        r"(?<![\w.-])(?:[\w./-]*/)?(" + "|".join(re.escape(str(n)) for n in names) + r")(?![\w.-])"
    )
    found: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        artefact, path = text(row.get("artefact")), text(row.get("path"))
        if not path or (artefact, path) in seen:
            continue
        seen.add((artefact, path))
        sha = artefact_sha256(ctx, artefact)
        for number, line in image_lines(ctx, sha, path):
            code = line.split("#", 1)[0]
            for match in pattern.finditer(code):
                found.setdefault(match.group(1), []).append(
                    {"artefact": artefact, "artefact_sha256": sha, "path": path, "line": number}
                )
    return found


_BOOT_SCRIPT = re.compile(
    r"^/etc/(inittab|init\.d/[^/]+|rc\.local|rc\.d/[^/]+|rc[0-9S]\.d/[^/]+|inetd\.conf|xinetd\.d/[^/]+)$"
    r"|/systemd/system/[^/]+\.service$"
)


def boot_scripts(ctx: EvidenceContext) -> list[dict[str, Any]]:
    """Rows of the `files` table for what runs at boot: inittab, rc scripts, init.d, systemd units."""
    return [
        row
        for row in files_matching(ctx, lambda p: bool(_BOOT_SCRIPT.search(p)))
        if text(row.get("type")).lower() not in ("directory", "dir", "symlink", "link")
    ]


_ALWAYS_RUN = re.compile(r"^/etc/(inittab|init\.d/rcS|rc\.local|rc\.d/rcS)$")
_NOT_A_START = {
    "kill",
    "killall",
    "pkill",
    "pidof",
    "which",
    "echo",
    "test",
    "[",
    "grep",
    "rm",
    "type",
    "command",
    "printf",
    "logger",
    "cat",
    "ps",
    "if",
    "case",
    "ln",
    "cp",
    "mv",
    "chmod",
    "mkdir",
}


def boot_starts(ctx: EvidenceContext, names: Any) -> list[dict[str, Any]]:
    """Commands that start one of `names` at boot, in scripts that run: inittab, rcS, rc.local,
    and the scripts and units the engine found enabled. One dict per start: artefact, sha256,
    path, line, program, command."""
    wanted = {str(n).lower() for n in names}
    enabled = {
        (text(r["artefact"]), text(r["source"]))
        for r in table(ctx, "services", ("source", "enabled"))
        if flag(r["enabled"]) is not False
    }
    starts: list[dict[str, Any]] = []
    for row in boot_scripts(ctx):
        artefact, path = text(row["artefact"]), text(row["path"])
        if not (_ALWAYS_RUN.search(path) or (artefact, path) in enabled):
            continue
        sha = artefact_sha256(ctx, artefact)
        for number, line in image_lines(ctx, sha, path):
            code = line.split("#", 1)[0].strip()
            if path.endswith("/inittab"):
                code = code.split(":", 3)[3] if code.count(":") >= 3 else ""
            for segment in re.split(r"&&|\|\||;|\||&", code):
                programs = program_names(segment.strip())
                if not programs or programs[0] in _NOT_A_START or programs[-1] not in wanted:
                    continue
                starts.append(
                    {
                        "artefact": artefact,
                        "artefact_sha256": sha,
                        "path": path,
                        "line": number,
                        "program": programs[-1],
                        "command": segment.strip(),
                    }
                )
    return starts
