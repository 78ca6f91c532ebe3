"""`scan_firmware`: from a vendor's image to the tables the firmware checks read, written to a
result folder (workbench.columnar) as they are produced."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import secrets as tokens
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from workbench.columnar import FolderTables, ResultWriter, refuse_to_replace
from workbench.errors import EvidenceError
from workbench.firmware import entropy, filework
from workbench.firmware.accounts import (
    Account,
    DefaultTests,
    is_account_file,
    parse_htpasswd,
    parse_passwd_shadow,
)
from workbench.firmware.components import find_components
from workbench.firmware.extract import Extraction, StartedWorker, extract_image
from workbench.firmware.filepool import POOL_BYTES_FROM, POOL_FROM, FilePool, cores, early_pool
from workbench.firmware.inventory import FileRecord, walk
from workbench.firmware.layout import assign_mounts, join
from workbench.firmware.limits import ExtractionLimits
from workbench.firmware.osv import match_feed
from workbench.firmware.result import ENGINE, RESULT_VERSION, FirmwareScan
from workbench.firmware.schema import TABLES
from workbench.firmware.services import find_services, web_server_configs
from workbench.firmware.update import update_rows

FILES_PER_GROUP = 16_384  # rows of the files table held before they are written
HASH_PIECE = 16 << 20  # bytes of the image hashed per call


def _open_checked(path: Path) -> int:
    if not path.exists():
        raise EvidenceError("no such file", path=str(path))
    if not path.is_file():
        raise EvidenceError("not a regular file", path=str(path))
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise EvidenceError(f"cannot be read: {exc.strerror}", path=str(path)) from exc
    if size == 0:
        raise EvidenceError("empty file: there is no firmware to analyse", path=str(path))
    return size


# Imported while the extraction worker runs (about 1 s of lief alone), not after it; lief only
# when the files may be inspected in this process (with file workers started early, they have it).
# Not pandas: the command line tells pyarrow it is absent (workbench/columnar/nopandas.py), so no
# table written imports it; importing it here cost the command 0.15 CPU-s for nothing.
WARM_MODULES = ("lief", "passlib.hash", "cryptography.x509", "workbench.firmware.libcrypt")


def _sha256(path: Path) -> str:
    """The file's SHA-256, read and hashed a large piece at a time (the interpreter's lock is let
    go of for each read and each hash: the thread beside it is not held up, nor is this one)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
        while piece := handle.read(HASH_PIECE):
            digest.update(piece)
    return digest.hexdigest()


def _profile_and_warm(path: Path, size: int, modules: tuple[str, ...]) -> list[list[float]]:
    """The image's entropy profile, then the analysis modules' imports: work for the idle
    parent process while the confined worker extracts."""
    with open(path, "rb") as handle:
        profile = entropy.profile(handle, size)
    for module in modules:
        with contextlib.suppress(ImportError):  # reported where the module is really needed
            importlib.import_module(module)
    return profile


def _feeds(vuln_feed: Any) -> list[Path]:
    if vuln_feed is None:
        return []
    if isinstance(vuln_feed, str | os.PathLike):
        return [Path(vuln_feed)]
    return [Path(p) for p in vuln_feed]


def _image_paths(text: str, extraction: Extraction, mounts: dict[int, str]) -> str:
    """An extractor's message with the folders of layers (relative to the extraction folder, as
    the worker leaves them) written as the layers' image paths."""
    folders = sorted(
        ((layer["dir"], mounts[layer["id"]]) for layer in extraction.layers if layer.get("dir")),
        key=lambda item: -len(item[0]),
    )
    for folder, mount in folders:
        if folder in text:
            text = text.replace(folder + "/", mount.rstrip("/") + "/").replace(folder, mount)
    return text


def _layer_rows(extraction: Extraction, mounts: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "offset": layer["offset"],
            "end": layer["end"],
            "format": layer["format"],
            "size": layer["end"] - layer["offset"],
            "extracted": bool(layer["extracted"]),
            "reason": _image_paths(layer.get("reason") or "", extraction, mounts),
            "path": mounts.get(layer["id"]),
        }
        for layer in extraction.layers
    ]


def _warning_rows(
    extraction: Extraction, mounts: dict[int, str], records: list[FileRecord]
) -> list[dict[str, Any]]:
    dirs = {layer["dir"]: layer["id"] for layer in extraction.layers if layer.get("dir")}
    links = {r.path: r.link_target for r in records if r.kind == "symlink"}
    rows = []
    for warning in extraction.warnings:
        path = None
        if warning.get("layer") is not None and warning["layer"] in mounts:
            path = join(mounts[warning["layer"]], warning.get("member") or "")
        elif warning.get("disk"):
            for directory, layer_id in dirs.items():
                if warning["disk"].startswith(directory + "/"):
                    path = join(mounts[layer_id], warning["disk"][len(directory) + 1 :])
        message = _image_paths(warning["message"], extraction, mounts)
        if warning["kind"] == "symlink_escape" and path in links:
            message = (
                f"symbolic link to {links[path]} points outside the extraction folder: recorded, not followed"
            )
        rows.append({"kind": warning["kind"], "path": path, "message": message})
    return rows


def scan_firmware(
    path: str | os.PathLike[str],
    *,
    workdir: str | os.PathLike[str],
    vuln_feed: Any = None,
    limits: ExtractionLimits | dict[str, Any] | None = None,
    reveal_secrets: bool = False,
    password_budget: float = 2.0,  # CPU seconds per hash and thread
    out: str | os.PathLike[str] | None = None,
    cache: bool = False,
    workers: FilePool | None = None,
    started: StartedWorker | None = None,
) -> FirmwareScan:
    """Extract (once, cached under workdir) and analyse a firmware image; every table is written
    to the result folder `out` as it is produced (without `out`: to a new folder under
    `<workdir>/scans/`, kept for the scan's tables to be read from). An earlier result at `out`
    is replaced, never a user's own files (ResultWriteError); cache=True: `out` is a cache's own
    folder, where a complete result another process wrote meanwhile is kept.

    vuln_feed: an OSV feed (folder, .json or .zip) or a list of them. limits: an
    ExtractionLimits or a dict of its fields. Raises EvidenceError only when nothing at all
    can be read (missing, unreadable or empty file), ResultWriteError when the result cannot be
    written (a full disk: nothing of it is left); every other problem is a warning.

    workers: file workers the caller started for this image (`filepool.early_pool`, while it
    imported this module), taken over: the scan stops them, whatever happens. started: an
    extraction worker the caller started for this image, `workdir` and limits (`StartedWorker`),
    taken over; one started for other ones is stopped (the caller abandons it too, if unused).
    """
    early = workers
    try:
        image_path = Path(path)
        size = _open_checked(image_path)
        if out is not None and not cache:
            refuse_to_replace(Path(out))  # before the extraction, not after it
        bounds = ExtractionLimits.coerce(limits)
        workdir = Path(workdir).absolute()  # the confined worker runs in another folder
        if early is None:  # they import while the image is hashed and extracted
            early = early_pool(size)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-prepare") as background:
            # the image hashed while the extraction worker starts (it needs the digest only once
            # it is running: for the folder's name and an earlier extraction of the same image)
            hashed = background.submit(_sha256, image_path)
            warm = WARM_MODULES if early is None else tuple(m for m in WARM_MODULES if m != "lief")
            prepared = background.submit(_profile_and_warm, image_path, size, warm)
            extraction = extract_image(image_path, hashed.result, workdir, bounds, started)
            digest = hashed.result()
            profile = prepared.result()
    except BaseException:
        if early is not None:
            early.close()
        raise
    target = Path(out) if out is not None else workdir / "scans" / f"{digest}-{tokens.token_hex(6)}"
    misfits: list[dict[str, Any]] = []

    def on_misfit(misfit: Any, _row: dict[str, Any]) -> None:
        misfits.append({"kind": "schema", "path": None, "message": misfit.message})

    try:  # until _file_pool holds them, the workers started early are stopped here on any error
        mounts = assign_mounts(extraction.layers, extraction.layer_dir)
        feeds = _feeds(vuln_feed)
        inventory = Inventory(walk(extraction, mounts))
        enough = inventory.read_until(POOL_FROM, POOL_BYTES_FROM)  # the rest is walked as it is inspected
        writer = ResultWriter(
            target, TABLES, engine=ENGINE, version=RESULT_VERSION, on_misfit=on_misfit, cache=cache
        )
    except BaseException:
        if early is not None:
            early.close()
        raise
    with _file_pool(enough, early) as pool, writer as result:
        accounts = _write_tables(
            result,
            extraction,
            mounts,
            inventory,
            pool,
            feeds,
            bounds,
            reveal_secrets,
            password_budget,
            misfits,
        )
        image = {
            "name": image_path.name,
            "sha256": digest,
            "size": size,
            "entropy_profile": profile,
            "extraction": extraction.status,
            "extraction_root": str(extraction.root),
            "reused": extraction.reused,
            "vuln_feeds": [str(f) for f in feeds],
            "secrets_revealed": bool(reveal_secrets),
            **_where_extracted(extraction, mounts),
        }
        hashes = [a.hash_record() for a in accounts if a.scheme != "empty"]
        folder = result.commit({"image": image, "password_hashes": hashes})
    tables = FolderTables(folder, objects=True)
    return FirmwareScan(tables=tables, image=image, password_hashes=hashes, folder=folder)


class Inventory:
    """The file inventory as the walk of the extraction gives it: `records()` yields each record
    once, in order, to the per-file work, while the walk goes on (the file workers start on the
    first batches, not after 65,000 entries are walked); `files` holds those walked so far, all
    of them once `walked`."""

    def __init__(self, walked: Iterator[FileRecord]) -> None:
        self._walk = walked
        self.files: list[FileRecord] = []
        self._read = 0  # of `files`, those given to records() already
        self.walked = False
        self._then: list[Callable[[], None]] = []

    def read_until(self, entries: int, content: int) -> bool:
        """Walks on until `entries` records or files of `content` bytes are held; whether they
        are (else the walk has ended)."""
        held = sum(r.size for r in self.files if r.kind == "file")
        while len(self.files) < entries and held < content:
            record = self._next()
            if record is None:
                return False
            held += record.size if record.kind == "file" else 0
        return True

    def records(self) -> Iterator[FileRecord]:
        while self._read < len(self.files) or self._next() is not None:
            self._read += 1
            yield self.files[self._read - 1]

    def when_walked(self, then: Callable[[], None]) -> None:
        """`then()` once the walk has ended (now, if it has)."""
        if self.walked:
            then()
        else:
            self._then.append(then)

    def walk_all(self) -> list[FileRecord]:
        while self._next() is not None:
            pass
        return self.files

    def _next(self) -> FileRecord | None:
        if self.walked:
            return None
        record = next(self._walk, None)
        if record is None:
            self.walked = True
            for then in self._then:
                then()
            return None
        self.files.append(record)
        return record


@contextlib.contextmanager
def _file_pool(enough: bool, early: FilePool | None) -> Iterator[FilePool | None]:
    """Worker processes for an inventory `enough` for them (POOL_FROM entries or POOL_BYTES_FROM
    bytes of files): those started early, else new ones; none for a smaller one (those started
    early stopped). Stopped at the end."""
    pool = early
    if not enough or cores() < 2:
        pool = None
        if early is not None:
            early.close()
    elif pool is None:
        pool = FilePool()
    try:
        yield pool
    finally:
        if pool is not None:
            pool.close()


def _write_files(
    result: ResultWriter, files: Iterator[FileRecord], pool: FilePool | None, problems: list[str]
) -> filework.Findings:
    """The files table, written batch by batch as the files are measured; what the content
    finders saw in them."""
    writer = result.table("files", rows_per_group=FILES_PER_GROUP)
    findings = filework.Findings()
    for batch, found in filework.inspect_all(files, pool, problems):
        for record in batch:
            writer.add(record.values())
        findings.extend(found)
    return findings


def _write_tables(
    result: ResultWriter,
    extraction: Extraction,
    mounts: dict[int, str],
    inventory: Inventory,
    pool: FilePool | None,
    feeds: list[Path],
    bounds: ExtractionLimits,
    reveal_secrets: bool,
    password_budget: float,
    misfits: list[dict[str, Any]],
) -> list[Account]:
    """Every table; the accounts (their hashes stay out of the tables)."""
    stored: list[Account] = []
    default_tests: list[DefaultTests] = []

    def test_stored() -> None:  # once the walk has ended: in threads, beside the file workers
        files = inventory.files
        for record in filter(is_account_file, files):  # their type first: an ELF is no htpasswd file
            filework.measure(record)
        stored.extend(parse_passwd_shadow(files) + parse_htpasswd(files))
        default_tests.append(DefaultTests(stored, password_budget))

    inventory.when_walked(test_stored)
    try:
        stopped: list[str] = []
        found = _write_files(result, inventory.records(), pool, stopped)
        files = inventory.walk_all()  # (walked whole by now: the per-file work read every record)
        configured = found.credentials
        default_tests.append(DefaultTests(configured, password_budget))
        components = find_components(files, found.versions)
        services = find_services(files, web_server_configs(files))
        update = update_rows(found.update, found.key_paths, {r.path for r in files})
    finally:
        for tests in default_tests:
            tests.wait()
    accounts = stored + configured
    keys, secrets, hardening = found.keys, found.secrets, found.hardening
    warnings = _warning_rows(extraction, mounts, files)
    warnings += [{"kind": "parse", "path": p, "message": m} for p, m in found.problems]
    warnings += [{"kind": "worker", "path": None, "message": m} for m in stopped]
    vulnerabilities = [m.row() for m in match_feed(feeds, components)] if feeds else []
    warnings += _scan_limit_warnings(files, bounds.max_scan_size)
    rows = {
        "layers": _layer_rows(extraction, mounts),
        "accounts": (a.row(reveal_secrets) for a in accounts),
        "keys": (k.row() for k in keys),
        "secrets": (s.row(reveal_secrets) for s in secrets),
        "binaries": (b.row() for b in hardening),
        "components": (c.row() for c in components),
        "vulnerabilities": vulnerabilities,
        "services": (s.row() for s in services),
        "update": (u.row() for u in update),
    }
    for name, table_rows in rows.items():
        result.table(name).add_many(table_rows)
    for name in TABLES:  # a value that does not fit its column becomes a warning before those are written
        if name != "warnings":
            result.table(name).flush()
    result.table("warnings").add_many(warnings + misfits)
    return accounts


def _scan_limit_warnings(files: list[FileRecord], max_scan_size: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": "scan_limit",
            "path": r.path,
            "message": f"{r.size} bytes: only the first {max_scan_size} were searched for findings",
        }
        for r in files
        if r.kind == "file" and r.size > max_scan_size
    ]


def _where_extracted(extraction: Extraction, mounts: dict[int, str]) -> dict[str, Any]:
    """`root`: the folder of the layer mounted at `/`; `mounts`: [image path, folder] of every
    extracted layer (what `FirmwareScan.local_path` resolves through)."""
    folders = [
        (mounts[layer["id"]], extraction.layer_dir(layer)) for layer in extraction.layers if layer.get("dir")
    ]
    return {
        "root": next((str(folder) for mount, folder in folders if mount == "/"), None),
        "mounts": [[mount, str(folder)] for mount, folder in folders],
    }
