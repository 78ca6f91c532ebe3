"""INST-01: the user is guided to install and set up the device securely."""

from __future__ import annotations

from workbench.checks._procedural import ProceduralCheck
from workbench.i18n import N_


class InstallationGuidance(ProceduralCheck):
    requirement_id = "INST-01"
    fields = ("default_passwords", "update", "notes")
    procedure_hint = N_(
        "the inspector follows the installation guide from a factory reset, notes each security "
        "decision the user is asked to take, checks the guide says how to verify a secure set-up, "
        "and attaches the guide"
    )


CHECK = InstallationGuidance
