"""AUTH-04: the user can change the authentication value simply.

The inspector's hands-on test, guided by the declaration and the firmware's accounts. With test access
(catalogue 2026.4, `password_change`) the probe follows the documented procedure itself: it sets a new
password through the device's form, tries the new one and the old one on every service the manufacturer
says uses it (`applies_to`), and sets the original back. The old password still accepted where the new
one works fails; all as it should on the user's own interface (`user_interfaces`), with the documentation
named and no other password login left untested, passes. A change the form refused (a 4xx: the unit's
password rules, a lock-out still running, a form that needs a token) or that did not take (the new password
refused, the old one accepted) is not decided here, even when the form answered it 2xx: many embedded web
interfaces answer 200 with an error page.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._probe import Row, clip, completed, not_done, probe_refs, service_label, test_state
from workbench.checks._probe_unit import (
    access_part,
    amended,
    decide,
    listed,
    older_catalogue,
    takes_unit_tests,
    undecided,
)
from workbench.checks._procedural import FirmwareGuidedCheck
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.i18n import N_, _, tr
from workbench.probe.results import TestRun, TestStatus

_PASSWORD_TOOLS = ("/passwd", "/chpasswd")
_WRONG_CURRENT = {"401", "403", "407"}  # the form refused the current password: the test access is wrong
_REFUSED = N_(
    "the device refused the documented change ({status}: {detail}): its rules may reject the new password"
    " the probe chose (400, 422), a lock-out may still be running (429), or the form may need what the probe"
    " does not send (a token, another encoding: 404, 405, 415); try the procedure by hand"
)
_FAMILY = {"https": "web", "http": "web", "mqtts": "mqtt"}  # one password store per family
NOT_COVERED = N_(
    "Values this test does not cover (an app account, a pairing PIN, other accounts) are for the inspector"
    " if the documentation or the declaration names them; an inspector's verdict overrides."
)


def _family(protocol: Any) -> str:
    name = clip(protocol, 20).lower()
    return _FAMILY.get(name, name)


class ChangeAuthentication(FirmwareGuidedCheck):
    requirement_id = "AUTH-04"
    fields = ("default_passwords",)
    optional = FirmwareGuidedCheck.optional | {EvidenceKind.PROBE}
    parameters = ("user_interfaces",)
    procedure_hint = N_(
        "the inspector changes the password (or other authentication value) through the interface "
        "offered to the user, logs in with the new value, checks the old one is refused, and records "
        "the steps taken"
    )

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today = super().evaluate(ctx)
        if not takes_unit_tests(ctx):
            return amended(ctx, today, reasons=older_catalogue(ctx))
        test = test_state(ctx, "password_change")
        change = PasswordChange.of(ctx)
        failed = change.failures(ctx)
        if failed:
            lead = tr("decided on the unit: {summary}", summary="; ".join(f.summary for f in failed))
            return decide(ctx, today, Verdict.FAIL, [lead], failed, (self.procedure(ctx),))
        params = self.params(ctx)
        why = change.cannot_tell(test, test_state(ctx, "port_scan"), params) or change.other_logins(ctx)
        if why:
            return amended(ctx, today, reasons=[undecided(why), *params.notes])
        lead = tr("decided on the unit: {summary}", summary=change.summary())
        shown = Finding(_("the documented password change works on the unit"), Severity.INFO,
                        probe_refs(change.rows, test), {"services": change.tried()})  # fmt: skip
        absent = (
            [tr("{services} (in applies_to) is not open on the unit.", services=listed(change.not_open))]
            if change.not_open
            else []
        )
        reasons = [lead, *absent, _(NOT_COVERED), *params.notes]
        return decide(ctx, today, Verdict.PASS, reasons, [shown], (self.procedure(ctx),))

    def procedure(self, ctx: EvidenceContext) -> str:
        """Today's procedure line, as ProceduralCheck words it (the unit did it when it decided)."""
        return tr("{hint}; record what was examined as evidence", hint=self.hint(self.params(ctx)))

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
        if not users:
            return [_("the firmware has no account with a login shell")]
        return [tr("the firmware has {n} account(s) with a login shell: {users}", n=len(users),
                   users=", ".join(users))]  # fmt: skip


class PasswordChange:
    """The password_change test's rows, step by step, and the documented procedure it followed."""

    def __init__(self, rows: list[Row], plan: dict[str, Any]) -> None:
        self.rows, self.plan = rows, plan
        self.change = next((r for r in rows if r["step"] == "change"), None)
        self.restore = [r for r in rows if r["step"] == "restore"]
        self.tries: dict[str, dict[str, Row]] = {}  # service -> step -> row
        not_open: set[str] = set()  # applies_to services the port scan did not find (the probe's own row)
        for row in rows:
            if row["step"] not in ("new_password", "old_password"):
                continue
            if row["port"] is None:
                not_open.add(clip(row["protocol"], 20).lower())
            else:
                self.tries.setdefault(service_label(row), {})[row["step"]] = row
        self.not_open = sorted(not_open)
        tried = {_family(s["new_password"]["protocol"]) for s in self.tries.values() if "new_password" in s}
        declared = {clip(p, 20).lower() for p in plan.get("applies_to") or () if isinstance(p, str)}
        self.untried = sorted(p for p in declared - not_open if _family(p) not in tried)

    @classmethod
    def of(cls, ctx: EvidenceContext) -> PasswordChange:
        plan = access_part(ctx, "password_change")
        return cls(list(ctx.probe_rows("password_change")), plan if isinstance(plan, dict) else {})

    def tried(self) -> list[str]:
        return sorted(self.tries)

    def summary(self) -> str:
        plan = self.plan
        return tr("the probe followed the documented procedure ({documentation}) on the device's {interface}"
                  " interface: the password of {user} changed, the new one works and the old one is refused"
                  " on {services}, and the original was set back.",
                  documentation=clip(plan.get("documented_in"), 160),
                  interface=clip(plan.get("interface"), 20), user=repr(clip(plan.get("user"), 64)),
                  services=listed(self.tried()))  # fmt: skip

    def failures(self, ctx: EvidenceContext) -> list[Finding]:
        """The old password accepted where the new one works."""
        test = test_state(ctx, "password_change")
        found = []
        for name, steps in sorted(self.tries.items()):
            new, old = steps.get("new_password", {}), steps.get("old_password", {})
            if old.get("accepted") is True and new.get("accepted") is True:
                summary = tr("the old password is still accepted on {service} after the documented change",
                             service=name)
                found.append(Finding(summary, Severity.HIGH, probe_refs([new, old], test), {"service": name}))
        return found

    def cannot_tell(self, test: TestRun | None, scan: TestRun | None, params: Parameters) -> str | None:
        """Why the rows do not show the procedure works (None when they do)."""
        change, status = self.change, clip(self.change["status"], 8) if self.change else ""
        if test is None or test.status in (TestStatus.SKIPPED, TestStatus.ERROR) or change is None:
            return not_done(test, "password_change") or _("the probe's password change test made no change")
        untaken = [n for n, s in self.tries.items()
                   if s.get("new_password", {}).get("accepted") is False
                   and s.get("old_password", {}).get("accepted") is True]  # fmt: skip
        if untaken:
            services = listed(untaken)
            if status[:1] == "2":
                return tr("on {services} the new password is refused and the old one accepted: the change did"
                          " not take (the form answered {status}; a 2xx does not show the change was made:"
                          " many embedded web interfaces answer 200 with an error page)", services=services,
                          status=status)  # fmt: skip
            if status:
                return tr("on {services} the new password is refused and the old one accepted: the change did"
                          " not take (the form answered {status})", services=services,
                          status=status)  # fmt: skip
            return tr("on {services} the new password is refused and the old one accepted: the change did not"
                      " take (the form answered nothing)", services=services)  # fmt: skip
        if change["accepted"] is not True:
            if status in _WRONG_CURRENT:
                return tr("the form refused the current password the test access gives ({status});"
                          " correct it", status=status)  # fmt: skip
            if status[:1] == "4":
                return tr(_REFUSED, status=status, detail=clip(change["detail"], 160))
            if status:
                return tr("the device's answer to the change did not say whether it took ({status})",
                          status=status)  # fmt: skip
            return _("the device's answer to the change did not say whether it took (no answer)")
        if self.untried:
            return tr("{services} (in applies_to) was not tried", services=listed(self.untried))
        if self.not_open and not completed(scan):
            return tr("{services} (in applies_to) was not found open by an incomplete port scan",
                      services=listed(self.not_open))  # fmt: skip
        unclear = [n for n, s in self.tries.items()
                   if s.get("new_password", {}).get("accepted") is not True
                   or s.get("old_password", {}).get("accepted") is not False]  # fmt: skip
        if unclear or not self.tries:
            if unclear:
                return tr("the new password was not shown to work and the old one refused on {services}",
                          services=listed(unclear))  # fmt: skip
            return _("the new password was not shown to work and the old one refused on any service")
        if not self.restore or self.restore[-1]["accepted"] is not True:
            return _("the original password was not set back (see the test's detail in the results)")
        if not self.plan.get("documented_in"):
            return _("the test access names no user documentation for the procedure")
        if clip(self.plan.get("interface"), 20).lower() not in params.lowered("user_interfaces"):
            return tr("the procedure's interface {interface} is not one a user has",
                      interface=repr(clip(self.plan.get("interface"), 20)))  # fmt: skip
        return None

    def other_logins(self, ctx: EvidenceContext) -> str | None:
        """Password logins the probe found that the documented change does not apply to."""
        covered = {_family(p) for p in self.plan.get("applies_to") or ()}
        shell = access_part(ctx, "shell")
        shell_port = shell.get("port") if isinstance(shell, dict) else None
        others = sorted(
            service_label(r)
            for r in ctx.probe_rows("access")
            if (r["outcome"] or "") == "auth_required"
            and _family(r["protocol"]) not in covered
            and r["port"] != shell_port
            and not (_family(r["protocol"]) == "ssh" and "password" not in clip(r["status"], 80).lower())
        )
        if not others:
            return None
        return tr("{services} also asks for a password, which the documented change does not say it sets",
                  services=listed(others))


CHECK = ChangeAuthentication
