"""DATA-02: external sensing capabilities (camera, microphone, location...) are documented."""

from __future__ import annotations

from workbench.checks._procedural import ProceduralCheck
from workbench.i18n import N_


class SensorsDocumented(ProceduralCheck):
    requirement_id = "DATA-02"
    fields = ("sensors",)
    procedure_hint = N_(
        "the inspector compares the declared sensors with the device in hand and with the user "
        "documentation, and attaches the documentation (or a photo of the packaging) read"
    )


CHECK = SensorsDocumented
