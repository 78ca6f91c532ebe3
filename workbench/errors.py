"""Errors the user sees as one line: what is wrong, and where."""

from __future__ import annotations


class WorkbenchError(Exception):
    """An error caused by the user's input; the CLI prints it as one line and exits non-zero."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class CatalogError(WorkbenchError):
    """A catalogue file is missing or invalid."""


class CaseError(WorkbenchError):
    """A device case is missing, invalid, or an operation on it is refused."""


class EvidenceError(WorkbenchError):
    """An artefact cannot be read as the kind of evidence it claims to be."""
