"""UPD-05: security updates are applied automatically (configurable) and in good time."""

from __future__ import annotations

from typing import Any

from workbench.checks._procedural import ProceduralCheck
from workbench.i18n import N_, _


class AutomaticUpdates(ProceduralCheck):
    requirement_id = "UPD-05"
    fields = ("update",)
    procedure_hint = N_(
        "the inspector checks that automatic updates are on by default and can be turned off, that "
        "the device checks for updates at least every {max_check_interval_hours} hours, and compares "
        "release dates of recent security fixes with the vulnerabilities they fixed"
    )
    parameters = ("max_check_interval_hours",)

    def nonconformities(self, declaration: Any) -> list[tuple[str, str]]:
        update = declaration.update
        if update is not None and update.automatic is False:
            admitted = _("the declaration states that updates are not applied automatically")
            return [("update.automatic", admitted)]
        return []


CHECK = AutomaticUpdates
