"""SEC-01: no hard-coded credentials or tokens (cloud keys, API tokens, passwords assigned or compared)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, cap, ref
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.i18n import _, tr


def _kind(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def _summary(kind: str, name: str, path: str, value: str) -> str:
    """A secret found: the engine's kind, the name it is given (when another), where, its value as masked."""
    named = bool(name and name != kind)
    if named and value:
        return tr("{kind} {name} hard-coded in {path} (value {value})", kind=kind, name=name, path=path,
                  value=value)  # fmt: skip
    if named:
        return tr("{kind} {name} hard-coded in {path} (value masked)", kind=kind, name=name, path=path)
    if value:
        return tr("{kind} hard-coded in {path} (value {value})", kind=kind, path=path, value=value)
    return tr("{kind} hard-coded in {path} (value masked)", kind=kind, path=path)


class NoHardCodedSecrets(FirmwareCheck):
    requirement_id = "SEC-01"
    parameters = ("secret_kinds", "ignored_path_prefixes")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        # `secret_kinds`: the engine's kinds that fail; "*" means every kind it reports
        failing = {_kind(k) for k in params.lowered("secret_kinds")}
        every = "*" in failing
        ignored_prefixes = tuple(params.lowered("ignored_path_prefixes"))
        findings: list[Finding] = []
        ignored: dict[str, int] = {}
        for row in ctx.firmware_rows("secrets", ("path", "offset", "line", "kind", "name", "value")):
            kind, path, name = row["kind"] or "secret", row["path"] or "", row["name"] or ""
            if not (every or _kind(kind) in failing) or path.lower().startswith(ignored_prefixes):
                ignored[kind] = ignored.get(kind, 0) + 1
                continue
            findings.append(
                Finding(
                    summary=_summary(kind, name, path, row["value"] or ""),
                    severity=Severity.HIGH,
                    evidence=(ref(row),),
                    data={"kind": kind, "name": name, "value": row["value"] or ""},
                )
            )
        by_kind: dict[str, int] = {}
        for f in findings:
            by_kind[f.data["kind"]] = by_kind.get(f.data["kind"], 0) + 1
        indicators = {
            "observed": {"secrets_by_kind": by_kind, "not_counted": ignored},
            "secret_kinds": sorted(failing),
        }
        if findings:
            kinds = ", ".join(f"{k} ({v})" for k, v in sorted(by_kind.items()))
            reasons = [
                tr("{n} hard-coded secret(s) in the image, identical on every unit: {kinds}", n=len(findings),
                   kinds=kinds),
                *params.notes,
            ]  # fmt: skip
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reason = _(
            "no cloud access key, API token, private credential, password assignment or password "
            "compared in a script or program was found in the image's files"
        )
        return self.result(ctx, Verdict.PASS, [reason, *params.notes], indicators=indicators)


CHECK = NoHardCodedSecrets
