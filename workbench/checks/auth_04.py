"""AUTH-04: the user can change the authentication value simply."""

from __future__ import annotations

from typing import Any

from workbench.checks._procedural import FirmwareGuidedCheck
from workbench.checks.parameters import Parameters

_PASSWORD_TOOLS = ("/passwd", "/chpasswd")


class ChangeAuthentication(FirmwareGuidedCheck):
    requirement_id = "AUTH-04"
    fields = ("default_passwords",)
    procedure_hint = (
        "the inspector changes the password (or other authentication value) through the interface "
        "offered to the user, logs in with the new value, checks the old one is refused, and records "
        "the steps taken"
    )

    def firmware_observations(self, ctx: Any, params: Parameters) -> dict[str, Any]:
        logins = [
            row["user"] or ""
            for row in ctx.firmware_rows("accounts", ("user", "login_shell", "locked"))
            if row["login_shell"] and not row["locked"]
        ]
        paths = [row["path"] or "" for row in ctx.firmware_rows("files", ("path",))]
        tools = sorted({p for p in paths if p.endswith(_PASSWORD_TOOLS) and "/bin/" in p})
        return {"accounts_with_login_shell": logins, "password_tools_in_firmware": tools}

    def observation_reasons(self, observed: dict[str, Any]) -> list[str]:
        if not observed:
            return []
        users = observed.get("accounts_with_login_shell") or []
        return [f"the firmware has {len(users)} account(s) with a login shell: {', '.join(users) or 'none'}"]


CHECK = ChangeAuthentication
