"""The per-file work of a scan, each file read once: SHA-256, entropy and type, then, on the same
bytes, every finder that reads content (keys, secrets, version strings, update URLs and scripts,
credentials in configurations) and lief for an ELF's hardening.

Batches of files go to worker processes, one per core (the finders are Python and hold the GIL):
`main` of this module in a fresh interpreter (this module and lief, no pandas; the second one
forked from the first), started while the image is extracted (workbench.firmware.filepool). A
small inventory is inspected in the scan's own process, by the same function. Results come back
in the order of the files, so every table is in the same order whichever way it was made.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.firmware import entropy
from workbench.firmware.accounts import Account, credentials_in, wants_credentials
from workbench.firmware.binaries import Hardening, hardening_of, is_binary
from workbench.firmware.components import VERSION_TYPES, Component, versions_in
from workbench.firmware.filetype import classify
from workbench.firmware.inventory import FileRecord
from workbench.firmware.keys import KeyFinding, keys_in
from workbench.firmware.secrets import Secret, secrets_in, wants_secrets
from workbench.firmware.update import UpdateFinding, update_in, wants_update

if TYPE_CHECKING:
    from workbench.firmware.filepool import FilePool

CONTENT_LIMIT = 64 << 20  # the most any finder reads of a file (components.READ_LIMIT)
READ_BLOCK = 1 << 20
HEAD = 4096
BATCH = 256  # files per task sent to a worker
BATCH_BYTES = 2 << 20  # ... or fewer when they hold this much (a batch of large programs for each worker)


@dataclass
class Findings:
    """What the content finders saw in a batch of files, in the order of the files."""

    keys: list[KeyFinding] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    versions: list[Component] = field(default_factory=list)
    update: list[UpdateFinding] = field(default_factory=list)
    key_paths: set[str] = field(default_factory=set)
    credentials: list[Account] = field(default_factory=list)
    hardening: list[Hardening] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: Findings) -> None:
        self.keys += other.keys
        self.secrets += other.secrets
        self.versions += other.versions
        self.update += other.update
        self.key_paths |= other.key_paths
        self.credentials += other.credentials
        self.hardening += other.hardening
        self.problems += other.problems


def _read(record: FileRecord) -> bytes:
    """Hash, entropy and type of a regular file into its record; its first CONTENT_LIMIT bytes.
    The whole file is read in one call when it fits, else the rest is hashed block by block
    (os.read on the descriptor: no file object, its fstat and lseek, for every small file)."""
    try:  # non-blocking and checked regular: a listed file swapped for a FIFO never blocks the read
        fd = os.open(record.disk, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (OSError, TypeError):
        record.type, record.arch = classify(record.path, b"", record.size)
        return b""
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            record.type, record.arch = classify(record.path, b"", record.size)
            return b""
        digest = hashlib.sha256()
        counter = entropy.Counter()
        try:
            # what the file holds (one byte more tells a file that grew since it was listed)
            wanted = min(CONTENT_LIMIT, record.size + 1) if record.size > 0 else CONTENT_LIMIT
            data = os.read(fd, wanted)
            # a short read is the end when the file holds no more (else read on, as read(n) does)
            if len(data) < wanted and len(data) != status.st_size:
                data = _read_on(fd, data, wanted)
            digest.update(data)
            counter.update(data)
            if len(data) >= wanted:  # larger than CONTENT_LIMIT, or grown since it was listed
                while chunk := os.read(fd, READ_BLOCK):
                    digest.update(chunk)
                    counter.update(chunk)
        except OSError:
            record.type, record.arch = classify(record.path, b"", record.size)
            return b""
    finally:
        os.close(fd)
    record.sha256, record.entropy = digest.hexdigest(), round(counter.entropy(), 4)
    record.type, record.arch = classify(record.path, data[:HEAD], record.size)
    return data


def _read_on(fd: int, data: bytes, wanted: int) -> bytes:
    """`data` and what follows it up to `wanted` bytes or the end of the file."""
    pieces = [data]
    held = len(data)
    while held < wanted and (piece := os.read(fd, wanted - held)):
        pieces.append(piece)
        held += len(piece)
    return b"".join(pieces)


def measure(record: FileRecord) -> None:
    """Hash, entropy and type of one regular file into its record, ahead of the batches."""
    if record.kind == "file" and record.disk is not None:
        _read(record)


def _needs_content(record: FileRecord) -> bool:
    return (
        record.size > 0
        or wants_secrets(record)
        or record.type in VERSION_TYPES
        or wants_update(record)
        or wants_credentials(record)
    )


def inspect(records: list[FileRecord]) -> tuple[list[tuple], Findings]:
    """Each record's (sha256, entropy, type, arch), and the findings of the batch."""
    found = Findings()
    config = None
    measured = []
    for record in records:
        data = _read(record) if record.kind == "file" and record.disk is not None else b""
        measured.append((record.sha256, record.entropy, record.type, record.arch))
        if record.kind == "file" and _needs_content(record):
            found.keys += keys_in(record, data)
            found.secrets += secrets_in(record, data)
            found.versions += versions_in(record, data)
            found.credentials += credentials_in(record, data)
        rows, key_paths = update_in(record, data if wants_update(record) else None)
        found.update += rows
        found.key_paths |= key_paths
        if is_binary(record):
            if config is None:
                config = _lief_config()
            hardening, problem = hardening_of(record, config)
            if hardening is not None:
                found.hardening.append(hardening)
            else:
                found.problems.append((record.path, problem))
        del data
    return measured, found


def _lief_config() -> Any:
    from workbench.firmware.binaries import _parser_config, quiet_lief

    quiet_lief()
    return _parser_config()


def _batches(
    records: Iterable[FileRecord], size: int = BATCH, content: int = BATCH_BYTES
) -> Iterator[list[FileRecord]]:
    """The records in order, `size` at most a batch, a batch closed early once its regular files
    hold `content` bytes."""
    batch: list[FileRecord] = []
    held = 0
    for record in records:
        batch.append(record)
        held += record.size if record.kind == "file" else 0
        if len(batch) >= size or held >= content:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _content(batch: list[FileRecord]) -> int:
    return sum(record.size for record in batch if record.kind == "file")


def inspect_all(
    records: list[FileRecord], pool: FilePool | None = None, problems: list[str] | None = None
) -> Iterator[tuple[list[FileRecord], Findings]]:
    """Every record measured (in place), batch by batch in order, with the batch's findings: in
    `pool` when given, else here. A batch whose worker stopped (a native parser crashed on a
    hostile file) is inspected again in fresh workers, halved until the file that stops one is
    alone: that file is hashed here, never parsed here, and said in the findings' problems."""
    if pool is None:
        for batch in _batches(records):
            yield batch, inspect(batch)[1]
        return
    for batch, outcome in pool.map(_batches(records), weight=_content, heavy=BATCH_BYTES):
        if isinstance(outcome, str):
            if problems is not None:
                again = f"its {len(batch)} files from {batch[0].path} were inspected again"
                problems.append(f"{outcome}; {again}")
            outcome = _isolated(batch)
        measured, found = outcome
        for record, (digest, level, kind, arch) in zip(batch, measured, strict=True):
            record.sha256, record.entropy, record.type, record.arch = digest, level, kind, arch
        yield batch, found


def _isolated(batch: list[FileRecord]) -> tuple[list[tuple], Findings]:
    """A batch that stopped its worker, inspected by halves in fresh workers (a crash in a
    parser never reaches the scan's process); the file that stops a worker alone is hashed."""
    from workbench.firmware.filepool import FilePool

    if len(batch) == 1:
        record = batch[0]
        _read(record)  # hash, entropy and type: no parser
        reason = "inspecting this file stopped its worker (a parser failed on it): hashed, not inspected"
        return [(record.sha256, record.entropy, record.type, record.arch)], Findings(
            problems=[(record.path, reason)]
        )
    measured: list[tuple] = []
    found = Findings()
    half = len(batch) // 2
    for part in (batch[:half], batch[half:]):
        with FilePool(1) as pool:
            ((_, outcome),) = list(pool.map([part]))
        part_measured, part_found = _isolated(part) if isinstance(outcome, str) else outcome
        measured += part_measured
        found.extend(part_found)
    return measured, found


def main(argv: list[str]) -> int:
    """A file worker: batches of records in, (measures, findings) out, as length-prefixed pickles
    on standard input and output (anything a library prints goes to standard error). Each
    argument `IN,OUT` (descriptors of pipes) is one more worker, forked once the imports are done,
    that reads IN and answers on OUT; this one waits for them before it ends."""
    with contextlib.suppress(ImportError):
        import lief  # noqa: F401  (its import takes a quarter of a second: before the first batch)
    gc.freeze()  # what the imports made is kept: never scanned again, nor copied into the forks by it
    gc.enable()
    forks = [tuple(int(fd) for fd in arg.split(",")) for arg in argv]
    children = []
    for read_fd, write_fd in forks:
        pid = os.fork()
        if pid == 0:  # a worker of its own: its pipes as standard input and output, no others
            os.dup2(read_fd, 0)
            os.dup2(write_fd, 1)
            for fd in {fd for pair in forks for fd in pair}:
                os.close(fd)
            return _serve([])  # never returns
        children.append(pid)
    for fd in {fd for pair in forks for fd in pair}:
        os.close(fd)
    return _serve(children)


def _serve(children: list[int]) -> int:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = os.fdopen(0, "rb", closefd=False)
    while True:
        head = source.read(8)
        if len(head) < 8:  # the scan has every answer: no interpreter teardown (lief's: 0.1 s)
            out.flush()
            for pid in children:  # each ends at the end of its own batches
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            os._exit(0)
        records = pickle.loads(source.read(int.from_bytes(head, "little")))
        answer = pickle.dumps(inspect(records), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(answer).to_bytes(8, "little") + answer)
        out.flush()


if __name__ == "__main__":  # run as the module by its name: its classes pickle under that name
    from workbench.firmware import filework

    sys.exit(filework.main(sys.argv[1:]))
