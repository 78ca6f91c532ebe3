"""AUTH-01: no universal default password: no login account with an empty or well-known password."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    ACCOUNT_COLUMNS,
    FirmwareCheck,
    account_ref,
    cap,
    flag,
    login_capable,
    system_account,
    table,
    text,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.page import ACCOUNT_VIEW, Page, table_cell


class NoUniversalDefaultPasswords(FirmwareCheck):
    requirement_id = "AUTH-01"
    optional = frozenset({EvidenceKind.DECLARATION})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        accounts = table(ctx, "accounts", ACCOUNT_COLUMNS)
        declared = getattr(ctx.declaration, "default_passwords", None) if ctx.declaration else None
        empty_fails = ctx.parameters.get("fail_on_empty_password", True) is not False
        findings: list[Finding] = []
        preset: list[str] = []
        observed = []
        for row in accounts:
            user = text(row["user"])
            login = login_capable(row)
            service = not system_account(row)
            locked = bool(flag(row["locked"]))
            empty = bool(flag(row["empty"]))
            default = bool(flag(row["default_password"]))
            state = "locked" if locked else "empty" if empty else "default" if default else "set"
            observed.append(
                {
                    "user": user,
                    "login_shell": login,
                    "password": state,
                    "source": text(row["source"]),
                    "line": row["line"],
                }
            )
            if locked or not (login or (service and default)):
                continue
            what = "has a login shell and" if login else f"(a credential in {text(row['source'])}) has"
            if empty:
                if empty_fails:
                    findings.append(
                        Finding(
                            summary=f"account {user} {what} an empty password",
                            severity=Severity.HIGH,
                            evidence=(account_ref(row),),
                            data={"user": user, "problem": "empty password", "shell": text(row["shell"])},
                        )
                    )
            elif default:
                hint = text(row["password_hint"])
                findings.append(
                    Finding(
                        summary=f"account {user} {what} a well-known default password"
                        + (f" ({hint})" if hint else ""),
                        severity=Severity.HIGH,
                        evidence=(account_ref(row),),
                        data={
                            "user": user,
                            "problem": "default password",
                            "password_hint": hint,
                            "hash_scheme": text(row["hash_scheme"]),
                        },
                    )
                )
            elif login:
                preset.append(user)

        indicators: dict[str, Any] = {
            "declared": {"default_passwords": declared},
            "observed": {"accounts": observed, "preset_password_hashes": preset},
        }
        if not accounts:
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "no account database (passwd, shadow, htpasswd) was found in the image; "
                    "whether the device has default passwords must be established another way",
                ],
                indicators=indicators,
            )
        if findings:
            reasons = [f.summary for f in findings]
            if declared in ("unique-per-device", "user-set", "none"):
                reasons.append(
                    f"the declaration says default passwords are '{declared}': the image contradicts it"
                )
            findings = cap(findings, reasons)
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        logins = sum(1 for o in observed if o["login_shell"] and o["password"] != "locked")
        reasons = [
            f"{len(accounts)} account(s) examined, {logins} usable for login: none has an empty "
            "password or one from the bundled list of common default passwords"
        ]
        if preset:
            reasons.append(
                "the image presets a password hash for "
                + ", ".join(preset)
                + ": identical on every unit unless replaced at provisioning"
                + (f" (the declaration says '{declared}')" if declared else "")
            )
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)


CHECK = NoUniversalDefaultPasswords

# The notebook page of AUTH-01: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="The accounts found in the image's `passwd` and `shadow` files. What matters are accounts "
    "someone can log in to (`login_shell` true).",
    steps=[
        (
            "An `empty` password, or `default_password` true (the password is in the bundled list of "
            "common IoT defaults), means every unit ships with the same way in. `password_hint` is "
            "masked; `source` and `line` say where the entry is in the image.",
            table_cell("accounts", "firmware", "accounts", ACCOUNT_VIEW, "Accounts in the image"),
        )
    ],
    declared=["default_passwords"],
)
