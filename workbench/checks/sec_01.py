"""SEC-01: no hard-coded credentials or tokens (cloud keys, API tokens, password assignments)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, cap, default_note, parameter_list, ref, table, text
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.registry import register

_COLUMNS = ("path", "offset", "line", "kind", "name", "value")


@register
class NoHardCodedSecrets(FirmwareCheck):
    requirement_id = "SEC-01"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        # `secret_kinds`: the engine's kinds that count; absent or ["*"] means every kind it reports
        kinds, defaulted = parameter_list(ctx, "secret_kinds", ["*"])
        every = "*" in kinds
        secrets = table(ctx, "secrets", _COLUMNS)
        findings: list[Finding] = []
        ignored: dict[str, int] = {}
        for row in secrets:
            kind = text(row["kind"]) or "secret"
            if not every and kind.lower() not in kinds:
                ignored[kind] = ignored.get(kind, 0) + 1
                continue
            name = text(row["name"])
            findings.append(Finding(
                summary=f"{kind}{f' {name}' if name else ''} hard-coded in {text(row['path'])}"
                        f" (value {text(row['value']) or 'masked'})",
                severity=Severity.HIGH, evidence=(ref(row),),
                data={"kind": kind, "name": name, "value": text(row["value"])},
            ))
        by_kind: dict[str, int] = {}
        for f in findings:
            by_kind[f.data["kind"]] = by_kind.get(f.data["kind"], 0) + 1
        indicators = {"observed": {"secrets_by_kind": by_kind, "ignored_kinds": ignored}}
        notes = default_note(["secret_kinds"] if defaulted else [])
        if findings:
            reasons = [
                f"{len(findings)} hard-coded secret(s) in the image, identical on every unit: "
                + ", ".join(f"{k} ({v})" for k, v in sorted(by_kind.items())),
                *notes,
            ]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        return self.result(ctx, Verdict.PASS, [
            "no cloud access key, API token, private credential or password assignment was found "
            "in the image's files", *notes,
        ], indicators=indicators)
