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

_COLUMNS = ("source", "user", "shell", "login_shell", "hash_scheme", "empty", "locked", "default_password",
            "password_hint", "line")  # fmt: skip


_WHO = {EvidenceKind.FIRMWARE: "the firmware image", EvidenceKind.PROBE: "the live test"}


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
        pair = f"{clip(row['user'], 64)}/{clip(row['password'], 64) or '(empty)'}"
        return Finding(
            summary=f"default credential {pair} accepted on {service_label(row)} (live test)",
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
            return f"the live default-credential test got in on {len(self.findings)} attempt(s)"
        if not self.rows:
            return f"the live default-credential test tried no pair: {self.gap or 'no login service found'}"
        tried = f"{len(self.rows)} default pair(s) on {len(self.services)} login service(s)"
        if self.decides_pass():
            return f"the live test decided: {tried} ({', '.join(self.services)}), none accepted"
        left = [self.gap] if self.gap else []
        if self.unfinished:
            left.append(f"attempts that failed to run on {', '.join(self.unfinished)}")
        return f"the live test tried {tried}, none accepted; not conclusive: {'; '.join(left)}"


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
            reasons = ["decided by the live test", *(f.summary for f in live.findings), live.summary()]
            return self.result(ctx, Verdict.FAIL, reasons, live.findings, indicators, (EvidenceKind.PROBE,))
        if live.decides_pass():
            reasons = [
                live.summary(),
                "no firmware image in the case: local accounts (serial console) are not seen",
            ]
            return self.result(
                ctx, Verdict.PASS, reasons, indicators=indicators, decided_by=(EvidenceKind.PROBE,)
            )
        reasons = [live.summary(), "add the firmware image, or probe the device again"]
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
        who = " and ".join(_WHO[k] for k in decided) or "neither the firmware image nor the live test"
        reasons = [f"decided by {who}", live.summary(), *firmware.reasons]
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
