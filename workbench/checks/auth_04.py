"""AUTH-04: the user can change the authentication value simply."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import flag, table, text
from workbench.checks._procedural import ProceduralCheck
from workbench.checks.base import EvidenceKind
from workbench.checks.page import procedural

_PASSWORD_TOOLS = ("/passwd", "/chpasswd")


class ChangeAuthentication(ProceduralCheck):
    requirement_id = "AUTH-04"
    needs = frozenset({EvidenceKind.INSPECTOR})
    optional = frozenset({EvidenceKind.DECLARATION, EvidenceKind.FIRMWARE})
    fields = ("default_passwords",)
    procedure_hint = (
        "the inspector changes the password (or other authentication value) through the interface "
        "offered to the user, logs in with the new value, checks the old one is refused, and records "
        "the steps taken"
    )

    def observations(self, ctx: Any) -> dict[str, Any]:
        if not ctx.has(EvidenceKind.FIRMWARE):
            return {}
        logins = [
            text(row["user"])
            for row in table(ctx, "accounts", ("user", "login_shell", "locked"))
            if flag(row["login_shell"]) and not flag(row["locked"])
        ]
        tools = sorted(
            {
                text(row["path"])
                for row in table(ctx, "files", ("path",))
                if text(row["path"]).endswith(_PASSWORD_TOOLS) and "/bin/" in text(row["path"])
            }
        )
        return {"accounts_with_login_shell": logins, "password_tools_in_firmware": tools}

    def observation_reasons(self, observed: dict[str, Any]) -> list[str]:
        if not observed:
            return []
        users = observed.get("accounts_with_login_shell") or []
        return [f"the firmware has {len(users)} account(s) with a login shell: {', '.join(users) or 'none'}"]


CHECK = ChangeAuthentication

# The notebook page of AUTH-04: its analysis section and the declaration fields compared.
PAGE = procedural(["default_passwords"])
