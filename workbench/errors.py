"""Every error the workbench raises on purpose, under one root, each carrying what failed.

The CLI prints a WorkbenchError as one line and exits non-zero; the batch records it on the row
of the requirement or artefact it names. Anything else that escapes is a bug: the few places
that must survive one (the batch, a notebook's overview, an engine reading one stream of many)
catch `Exception` and say why in a comment.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Root: an error caused by the input, with where it happened.

    `path` a file or folder; `artefact` an artefact's name in the case; `requirement` a
    requirement id; `cell` a notebook cell's index. The message starts with the most specific
    of them, so one line says what and where.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        artefact: str | None = None,
        requirement: str | None = None,
        cell: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.artefact = artefact
        self.requirement = requirement
        self.cell = cell
        super().__init__(self._located(message))

    def _located(self, message: str) -> str:
        where = [w for w in (self.requirement, self.artefact, self.path) if w]
        if self.cell is not None:
            where.append(f"cell {self.cell}")
        return f"{', '.join(where)}: {message}" if where else message


class CatalogError(WorkbenchError):
    """A catalogue file is missing or invalid."""


class CaseError(WorkbenchError):
    """A device case is missing, invalid, or an operation on it is refused."""


class EvidenceError(WorkbenchError):
    """An artefact cannot be read as the kind of evidence it claims to be."""


class MalformedInput(EvidenceError, ValueError):
    """Bytes inside an artefact that break their format (a TLS record, a DNS name, an archive
    member); the engines catch it per item and report a warning, never stop the analysis."""


class CheckError(WorkbenchError):
    """A check cannot judge as asked: a parameter missing or of the wrong type, an engine table
    that breaks its declared schema."""


class NotebookError(WorkbenchError):
    """A notebook could not be executed or rendered; `cell` says where it stopped."""


class BundleError(WorkbenchError):
    """An evidence bundle cannot be sealed, or does not verify."""
