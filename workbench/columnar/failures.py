"""What a failed write of a result means: one error, the result removed whole."""

from __future__ import annotations

import errno
from pathlib import Path

from workbench.errors import WorkbenchError

DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class ResultWriteError(WorkbenchError):
    """A result could not be written (the disk is full, the folder is not writable); nothing of
    it is left behind."""


def write_error(error: OSError, path: Path) -> ResultWriteError:
    """What a failed write of a result means to the user (the result is then removed whole)."""
    reason = "the disk is full" if error.errno in DISK_FULL else error.strerror or str(error)
    return ResultWriteError(f"cannot write the result ({reason}); nothing was kept", path=str(path))
