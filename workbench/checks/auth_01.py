"""AUTH-01: no universal default password: no login account with an empty or well-known password.

Judged on the firmware's account databases and, when the device was probed, on the live
default-credential test: a pair the device accepted fails, whatever the image says. With only a
probe, the requirement passes when that test completed on every login service and none was let in.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, account_ref, cap, login_capable, system_account
from workbench.checks._probe import (
    clip,
    completed,
    missing,
    not_done,
    probe_ref,
    results_ref,
    service_label,
    test_state,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.i18n import N_, _, tr

_COLUMNS = ("source", "user", "shell", "login_shell", "hash_scheme", "empty", "locked", "default_password",
            "password_hint", "line")  # fmt: skip


_DECIDED_BY = {  # which evidence decided, in the order the verdict names it
    (EvidenceKind.FIRMWARE,): N_("decided by the firmware image"),
    (EvidenceKind.PROBE,): N_("decided by the live test"),
    (EvidenceKind.FIRMWARE, EvidenceKind.PROBE): N_("decided by the firmware image and the live test"),
    (EvidenceKind.PROBE, EvidenceKind.FIRMWARE): N_("decided by the live test and the firmware image"),
    (): N_("decided by neither the firmware image nor the live test"),
}


def _state(row: Row) -> str:
    if row["locked"]:
        return "locked"
    return "empty" if row["empty"] else "default" if row["default_password"] else "set"


def _finding(row: Row, login: bool, empty_fails: bool) -> Finding | None:
    """The failure of one usable account: an empty password (if the catalogue fails it) or a
    well-known default one; None when its password is neither."""
    user, source = row["user"] or "", row["source"] or ""
    if row["empty"]:
        if not empty_fails:
            return None
        if login:
            summary = tr("account {user} has a login shell and an empty password", user=user)
        else:
            summary = tr("account {user} (a credential in {source}) has an empty password", user=user,
                         source=source)  # fmt: skip
        return Finding(
            summary=summary,
            severity=Severity.HIGH,
            evidence=(account_ref(row),),
            data={"user": user, "problem": "empty password", "shell": row["shell"] or ""},
        )
    if not row["default_password"]:
        return None
    hint = row["password_hint"] or ""
    if login and hint:
        summary = tr("account {user} has a login shell and a well-known default password ({hint})", user=user,
                     hint=hint)  # fmt: skip
    elif login:
        summary = tr("account {user} has a login shell and a well-known default password", user=user)
    elif hint:
        summary = tr("account {user} (a credential in {source}) has a well-known default password ({hint})",
                     user=user, source=source, hint=hint)  # fmt: skip
    else:
        summary = tr("account {user} (a credential in {source}) has a well-known default password", user=user,
                     source=source)  # fmt: skip
    return Finding(
        summary=summary,
        severity=Severity.HIGH,
        evidence=(account_ref(row),),
        data={"user": user, "problem": "default password", "password_hint": hint,
              "hash_scheme": row["hash_scheme"] or ""},
    )  # fmt: skip


class LiveLogins:
    """What the probe's default-credential test found: accepted pairs, services tried, what it left."""

    def __init__(self, ctx: Any) -> None:
        self.test = test_state(ctx, "default_credentials")
        self.rows = list(ctx.probe_rows("logins"))
        self.services = sorted({service_label(r) for r in self.rows})
        self.unfinished = sorted({service_label(r) for r in self.rows if r["accepted"] is None})
        self.findings = [self._finding(r) for r in self.rows if r["accepted"] is True]
        self.gap = not_done(self.test, "default_credentials")

    def _finding(self, row: Row) -> Finding:
        user, password, service = clip(row["user"], 64), clip(row["password"], 64), service_label(row)
        if password:
            summary = tr("default credential {user}/{password} accepted on {service} (live test)", user=user,
                         password=password, service=service)  # fmt: skip
        else:
            summary = tr("default credential {user}/(empty) accepted on {service} (live test)", user=user,
                         service=service)  # fmt: skip
        return Finding(
            summary=summary,
            severity=Severity.HIGH,
            evidence=(probe_ref(row, self.test), results_ref(row)),
            data={"user": clip(row["user"], 64), "password": clip(row["password"], 64),
                  "service": service_label(row), "source": clip(row["source"], 40),
                  "status": clip(row["status"]), "packets": list(row["packets"] or ())[:64]},
        )  # fmt: skip

    def decides_pass(self) -> bool:
        """The test completed on every login service it found, none let in, every attempt ran."""
        return completed(self.test) and bool(self.rows) and not self.unfinished and not self.findings

    def summary(self) -> str:
        if self.findings:
            return tr("the live default-credential test got in on {n} attempt(s)", n=len(self.findings))
        if not self.rows:
            if self.gap:
                return tr("the live default-credential test tried no pair: {gap}", gap=self.gap)
            return _("the live default-credential test tried no pair: no login service found")
        pairs, services = len(self.rows), len(self.services)
        if self.decides_pass():
            return tr("the live test decided: {pairs} default pair(s) on {count} login service(s)"
                      " ({services}), none accepted", pairs=pairs, count=services,
                      services=", ".join(self.services))  # fmt: skip
        left = [self.gap] if self.gap else []
        if self.unfinished:
            left.append(tr("attempts that failed to run on {services}", services=", ".join(self.unfinished)))
        return tr("the live test tried {pairs} default pair(s) on {count} login service(s), none accepted;"
                  " not conclusive: {left}", pairs=pairs, count=services, left="; ".join(left))  # fmt: skip


class NoUniversalDefaultPasswords(FirmwareCheck):
    requirement_id = "AUTH-01"
    needs = frozenset()
    optional = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("fail_on_empty_password",)

    def evaluate(self, ctx: Any) -> CheckResult:
        live = LiveLogins(ctx) if ctx.has(EvidenceKind.PROBE) else None
        if not ctx.has(EvidenceKind.FIRMWARE):
            if live is None:
                return missing(self, ctx, EvidenceKind.FIRMWARE)
            return self.probe_only(ctx, live)
        firmware = super().evaluate(ctx)
        return firmware if live is None else self.combined(ctx, firmware, live)

    def probe_only(self, ctx: Any, live: LiveLogins) -> CheckResult:
        indicators = {"live": {"services": live.services, "attempts": len(live.rows)}}
        if live.findings:
            reasons = [_("decided by the live test"), *(f.summary for f in live.findings), live.summary()]
            return self.result(ctx, Verdict.FAIL, reasons, live.findings, indicators, (EvidenceKind.PROBE,))
        if live.decides_pass():
            reasons = [
                live.summary(),
                _("no firmware image in the case: local accounts (serial console) are not seen"),
            ]
            return self.result(
                ctx, Verdict.PASS, reasons, indicators=indicators, decided_by=(EvidenceKind.PROBE,)
            )
        reasons = [live.summary(), _("add the firmware image, or probe the device again")]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)

    def combined(self, ctx: Any, firmware: CheckResult, live: LiveLogins) -> CheckResult:
        """The firmware's judgement with the live test's: either's failure fails; each says its part."""
        indicators = {**firmware.indicators, "live": {"services": live.services, "attempts": len(live.rows)}}
        findings = [*live.findings, *firmware.findings]
        by_firmware = firmware.verdict in (Verdict.FAIL, Verdict.PASS)
        if live.findings or firmware.verdict is Verdict.FAIL:
            verdict = Verdict.FAIL
            decided = ((EvidenceKind.PROBE,) if live.findings else ()) + (
                (EvidenceKind.FIRMWARE,) if firmware.verdict is Verdict.FAIL else ()
            )
        elif by_firmware:
            verdict = Verdict.PASS
            decided = (EvidenceKind.FIRMWARE,) + ((EvidenceKind.PROBE,) if live.decides_pass() else ())
        elif live.decides_pass():
            verdict, decided = Verdict.PASS, (EvidenceKind.PROBE,)
        else:
            verdict, decided = firmware.verdict, ()
        reasons = [_(_DECIDED_BY[decided]), live.summary(), *firmware.reasons]
        if live.findings:
            reasons[2:2] = [f.summary for f in live.findings]
        return self.result(ctx, verdict, reasons, findings, indicators, decided)

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
            reason = _("no account database (passwd, shadow, htpasswd) was found in the image; whether the"
                       " device has default passwords must be established another way")  # fmt: skip
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *notes], indicators=indicators)
        if findings:
            reasons = [f.summary for f in findings]
            if declared in ("unique-per-device", "user-set", "none"):
                reasons.append(
                    tr("the declaration says default passwords are '{declared}': the image contradicts it",
                       declared=declared)
                )
            reasons += notes
            findings = cap(findings, reasons)
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        observed = indicators["observed"]
        logins = sum(1 for o in observed["accounts"] if o["login_shell"] and o["password"] != "locked")
        reasons = [
            tr("{n} account(s) examined, {logins} usable for login: none has an empty password or one from"
               " the bundled list of common default passwords", n=len(accounts), logins=logins)  # fmt: skip
        ]
        if observed["preset_password_hashes"]:
            users = ", ".join(observed["preset_password_hashes"])
            if declared:
                preset = tr("the image presets a password hash for {users}: identical on every unit unless"
                            " replaced at provisioning (the declaration says '{declared}')", users=users,
                            declared=declared)  # fmt: skip
            else:
                preset = tr("the image presets a password hash for {users}: identical on every unit unless"
                            " replaced at provisioning", users=users)  # fmt: skip
            reasons.append(preset)
        return self.result(ctx, Verdict.PASS, reasons + notes, indicators=indicators)


CHECK = NoUniversalDefaultPasswords
