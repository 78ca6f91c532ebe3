"""DATA-01: processing of personal data is transparent, and consent is obtained where needed."""

from __future__ import annotations

from workbench.checks._procedural import ProceduralCheck
from workbench.i18n import N_


class PersonalDataTransparency(ProceduralCheck):
    requirement_id = "DATA-01"
    fields = ("personal_data", "cloud_endpoints")
    procedure_hint = N_(
        "the inspector compares the declared personal data with the privacy information given to the "
        "user, checks consent is asked before processing that needs it and can be withdrawn, and "
        "attaches the documents read"
    )


CHECK = PersonalDataTransparency
