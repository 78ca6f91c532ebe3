"""DEL-01: the user can erase their data from the device simply."""

from __future__ import annotations

from typing import Any

from workbench.checks._procedural import HandsOnCheck, says_none
from workbench.i18n import N_, _


class UserDataErasure(HandsOnCheck):
    requirement_id = "DEL-01"
    fields = ("erase", "personal_data")
    procedure_hint = N_(
        "the inspector stores some user data (account, Wi-Fi credentials, recordings), performs the "
        "declared erase, and checks the data is gone from the device and the app; record the steps"
    )

    def nonconformities(self, declaration: Any) -> list[tuple[str, str]]:
        erase = declaration.erase
        if erase is not None and says_none(erase.method):
            return [("erase.method", _("the declaration states there is no way to erase user data"))]
        return []


CHECK = UserDataErasure
