"""VULN-01: a vulnerability disclosure policy is published, with a contact to report to."""

from __future__ import annotations

from typing import Any

from workbench.checks._procedural import ProceduralCheck, says_none
from workbench.checks.registry import register


@register
class DisclosurePolicy(ProceduralCheck):
    requirement_id = "VULN-01"
    fields = ("disclosure",)
    procedure_hint = (
        "the inspector opens the published policy, checks it names a contact and the timescales for "
        "acknowledging reports and status updates, and attaches it with the date it was read"
    )

    def nonconformities(self, declaration: Any) -> list[tuple[str, str]]:
        disclosure = declaration.disclosure
        contact = getattr(disclosure, "contact", None)
        if disclosure is None or contact is None or says_none(contact):
            return [(
                "disclosure.contact",
                "the declaration gives no contact for reporting security issues",
            )]
        return []
