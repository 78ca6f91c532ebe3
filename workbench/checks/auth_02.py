"""AUTH-02: stored passwords use a strong, salted, slow hash (no DES/MD5 crypt, no plaintext)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import KNOWN_SCHEMES, NO_HASH, FirmwareCheck, account_ref, cap, scheme_name
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.i18n import _, tr

_WEAK = "weak hash scheme {scheme}"  # the problems as a finding's data names them (English)
_IN_PASSWD = "hash stored in the world-readable passwd file"


def _summary(user: str, scheme: str, weak: bool, in_passwd: bool) -> str:
    if weak and in_passwd:
        return tr("account {user}: weak hash scheme {scheme}; hash stored in the world-readable passwd file",
                  user=user, scheme=scheme)  # fmt: skip
    if weak:
        return tr("account {user}: weak hash scheme {scheme}", user=user, scheme=scheme)
    return tr("account {user}: hash stored in the world-readable passwd file", user=user)

_COLUMNS = ("source", "user", "hash_scheme", "empty", "locked", "line")


class StrongPasswordHashes(FirmwareCheck):
    requirement_id = "AUTH-02"
    parameters = ("weak_schemes", "fail_on_hash_in_passwd")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        weak = {scheme_name(s) for s in params.lowered("weak_schemes")}
        in_passwd_fails = params.get("fail_on_hash_in_passwd") is not False
        accounts = list(ctx.firmware_rows("accounts", _COLUMNS))
        findings: list[Finding] = []
        schemes: dict[str, int] = {}
        unnamed: set[str] = set()  # schemes the catalogue's list cannot speak of: the inspector judges
        for row in accounts:
            if row["locked"] or row["empty"]:
                continue
            scheme = scheme_name(row["hash_scheme"])
            if scheme in NO_HASH:
                continue
            schemes[scheme] = schemes.get(scheme, 0) + 1
            user = row["user"] or ""
            is_weak = scheme in weak
            if not is_weak and scheme not in KNOWN_SCHEMES:
                unnamed.add(scheme)
            in_passwd = in_passwd_fails and PurePosixPath(row["source"] or "").name == "passwd"
            problems = [_WEAK.format(scheme=scheme)] if is_weak else []
            problems += [_IN_PASSWD] if in_passwd else []
            if problems:
                findings.append(
                    Finding(
                        summary=_summary(user, scheme, is_weak, in_passwd),
                        severity=Severity.HIGH,
                        evidence=(account_ref(row),),
                        data={"user": user, "hash_scheme": scheme, "problems": problems},
                    )
                )
        indicators = {"observed": {"schemes": schemes}, "weak_schemes": sorted(weak)}
        notes = params.notes
        if not accounts:
            reason = _("no account database (passwd, shadow, htpasswd) was found in the image")
            return self.result(ctx, Verdict.INCONCLUSIVE, [reason, *notes], indicators=indicators)
        if findings:
            reasons = [f.summary for f in findings] + notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        if not schemes:
            reason = tr("{n} account(s) examined: none has a stored password (all locked or empty)",
                        n=len(accounts))
            return self.result(ctx, Verdict.NOT_APPLICABLE, [reason, *notes], indicators=indicators)
        used = ", ".join(f"{k} ({v})" for k, v in sorted(schemes.items()))
        if unnamed:
            reason = tr("hash scheme(s) {schemes} are not known to the workbench: the inspector judges"
                        " whether they are strong ({used})", schemes=", ".join(sorted(unnamed)),
                        used=used)  # fmt: skip
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, [reason, *notes], indicators=indicators)
        stored = sum(schemes.values())
        reason = tr("{n} stored password(s), all with strong schemes: {used}", n=stored, used=used)
        return self.result(ctx, Verdict.PASS, [reason, *notes], indicators=indicators)


CHECK = StrongPasswordHashes
