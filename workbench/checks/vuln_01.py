"""VULN-01: a vulnerability disclosure policy is published, with a contact to report to."""

from __future__ import annotations

from workbench.checks._procedural import ProceduralCheck
from workbench.i18n import N_


class DisclosurePolicy(ProceduralCheck):
    requirement_id = "VULN-01"
    fields = ("disclosure",)
    parameters = ("required_declaration_fields",)
    procedure_hint = N_(
        "the inspector opens the published policy, checks it names a contact and the timescales for "
        "acknowledging reports and status updates, and attaches it with the date it was read"
    )


CHECK = DisclosurePolicy
