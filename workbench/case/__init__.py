"""The device case: artefacts hashed on entry, the manufacturer's declaration, inspector verdicts."""

from workbench.case.artefacts import KINDS, Artefact
from workbench.case.case import Case
from workbench.case.catalogref import CatalogRef, catalog_sha256, source_to_load
from workbench.case.declaration import Declaration, OpenPort, load_declaration
from workbench.case.info import CaseInfo, ExerciseInfo
from workbench.case.integrity import ArtefactIntegrity, IntegrityReport
from workbench.case.verdicts import RECORDABLE, RecordedVerdict, VerdictStore

__all__ = [
    "KINDS",
    "RECORDABLE",
    "Artefact",
    "ArtefactIntegrity",
    "Case",
    "CaseInfo",
    "CatalogRef",
    "Declaration",
    "ExerciseInfo",
    "IntegrityReport",
    "OpenPort",
    "RecordedVerdict",
    "VerdictStore",
    "catalog_sha256",
    "load_declaration",
    "source_to_load",
]
