"""AUTH-01: no universal default password: no login account with an empty or well-known password."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, account_ref, cap, login_capable, system_account
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict

_COLUMNS = ("source", "user", "shell", "login_shell", "hash_scheme", "empty", "locked", "default_password",
            "password_hint", "line")  # fmt: skip


def _state(row: Row) -> str:
    if row["locked"]:
        return "locked"
    return "empty" if row["empty"] else "default" if row["default_password"] else "set"


def _finding(row: Row, login: bool, empty_fails: bool) -> Finding | None:
    """The failure of one usable account: an empty password (if the catalogue fails it) or a
    well-known default one; None when its password is neither."""
    user, source = row["user"] or "", row["source"] or ""
    what = "has a login shell and" if login else f"(a credential in {source}) has"
    if row["empty"]:
        if not empty_fails:
            return None
        return Finding(
            summary=f"account {user} {what} an empty password",
            severity=Severity.HIGH,
            evidence=(account_ref(row),),
            data={"user": user, "problem": "empty password", "shell": row["shell"] or ""},
        )
    if not row["default_password"]:
        return None
    hint = row["password_hint"] or ""
    return Finding(
        summary=f"account {user} {what} a well-known default password" + (f" ({hint})" if hint else ""),
        severity=Severity.HIGH,
        evidence=(account_ref(row),),
        data={"user": user, "problem": "default password", "password_hint": hint,
              "hash_scheme": row["hash_scheme"] or ""},
    )  # fmt: skip


class NoUniversalDefaultPasswords(FirmwareCheck):
    requirement_id = "AUTH-01"
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("fail_on_empty_password",)

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        empty_fails = params.get("fail_on_empty_password") is not False
        accounts = list(ctx.firmware_rows("accounts", _COLUMNS))
        findings: list[Finding] = []
        preset: list[str] = []
        observed = []
        for row in accounts:
            login = login_capable(row)
            observed.append({"user": row["user"] or "", "login_shell": login, "password": _state(row),
                             "source": row["source"] or "", "line": row["line"]})  # fmt: skip
            if row["locked"] or not (login or (not system_account(row) and row["default_password"])):
                continue
            found = _finding(row, login, empty_fails)
            if found is not None:
                findings.append(found)
            elif login and not row["empty"]:
                preset.append(row["user"] or "")
        declared = getattr(ctx.declaration, "default_passwords", None) if ctx.declaration else None
        indicators: dict[str, Any] = {
            "declared": {"default_passwords": declared},
            "observed": {"accounts": observed, "preset_password_hashes": preset},
        }
        return self.verdict(ctx, accounts, findings, indicators, params.notes)

    def verdict(
        self,
        ctx: Any,
        accounts: list[Row],
        findings: list[Finding],
        indicators: dict[str, Any],
        notes: list[str],
    ) -> CheckResult:
        declared = indicators["declared"]["default_passwords"]
        if not accounts:
            reason = ("no account database (passwd, shadow, htpasswd) was found in the image; "
                      "whether the device has default passwords must be established another way")  # fmt: skip
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *notes], indicators=indicators)
        if findings:
            reasons = [f.summary for f in findings]
            if declared in ("unique-per-device", "user-set", "none"):
                reasons.append(
                    f"the declaration says default passwords are '{declared}': the image contradicts it"
                )
            reasons += notes
            findings = cap(findings, reasons)
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        observed = indicators["observed"]
        logins = sum(1 for o in observed["accounts"] if o["login_shell"] and o["password"] != "locked")
        reasons = [
            f"{len(accounts)} account(s) examined, {logins} usable for login: none has an empty "
            "password or one from the bundled list of common default passwords"
        ]
        if observed["preset_password_hashes"]:
            reasons.append(
                "the image presets a password hash for "
                + ", ".join(observed["preset_password_hashes"])
                + ": identical on every unit unless replaced at provisioning"
                + (f" (the declaration says '{declared}')" if declared else "")
            )
        return self.result(ctx, Verdict.PASS, reasons + notes, indicators=indicators)


CHECK = NoUniversalDefaultPasswords
