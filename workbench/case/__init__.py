"""The device case: artefacts hashed on entry, the manufacturer's declaration, inspector verdicts."""

from workbench.case.artefacts import KINDS, Artefact
from workbench.case.case import Case
from workbench.case.declaration import Declaration, OpenPort, load_declaration
from workbench.case.final import PENDING, FinalVerdict, final_verdict
from workbench.case.info import CaseInfo
from workbench.case.integrity import ArtefactIntegrity, IntegrityReport
from workbench.case.verdicts import RECORDABLE, RecordedVerdict, VerdictStore

__all__ = [
    "KINDS",
    "PENDING",
    "RECORDABLE",
    "Artefact",
    "ArtefactIntegrity",
    "Case",
    "CaseInfo",
    "Declaration",
    "FinalVerdict",
    "IntegrityReport",
    "OpenPort",
    "RecordedVerdict",
    "VerdictStore",
    "final_verdict",
    "load_declaration",
]
