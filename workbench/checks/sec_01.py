"""SEC-01: no hard-coded credentials or tokens (cloud keys, API tokens, password assignments)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, cap, default_note, parameter_list, ref, table, text
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.page import Page, table_cell

_COLUMNS = ("path", "offset", "line", "kind", "name", "value")
DEFAULT_IGNORED = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/locale/")


def _kind(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


class NoHardCodedSecrets(FirmwareCheck):
    requirement_id = "SEC-01"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        # `secret_kinds`: the engine's kinds that fail; "*" (the default) means every kind it reports
        kinds, kinds_default = parameter_list(ctx, "secret_kinds", ["*"])
        failing = {_kind(k) for k in kinds}
        every = "*" in failing
        ignored_prefixes, prefixes_default = parameter_list(ctx, "ignored_path_prefixes", DEFAULT_IGNORED)
        secrets = table(ctx, "secrets", _COLUMNS)
        findings: list[Finding] = []
        ignored: dict[str, int] = {}
        for row in secrets:
            kind = text(row["kind"]) or "secret"
            path = text(row["path"])
            counted = every or _kind(kind) in failing
            if not counted or path.lower().startswith(tuple(ignored_prefixes)):
                ignored[kind] = ignored.get(kind, 0) + 1
                continue
            name = text(row["name"])
            findings.append(
                Finding(
                    summary=f"{kind}{f' {name}' if name and name != kind else ''} hard-coded in {path}"
                    f" (value {text(row['value']) or 'masked'})",
                    severity=Severity.HIGH,
                    evidence=(ref(row),),
                    data={"kind": kind, "name": name, "value": text(row["value"])},
                )
            )
        by_kind: dict[str, int] = {}
        for f in findings:
            by_kind[f.data["kind"]] = by_kind.get(f.data["kind"], 0) + 1
        indicators = {
            "observed": {"secrets_by_kind": by_kind, "not_counted": ignored},
            "secret_kinds": sorted(failing),
        }
        notes = default_note(
            [
                n
                for n, d in (("secret_kinds", kinds_default), ("ignored_path_prefixes", prefixes_default))
                if d
            ]
        )
        if findings:
            reasons = [
                f"{len(findings)} hard-coded secret(s) in the image, identical on every unit: "
                + ", ".join(f"{k} ({v})" for k, v in sorted(by_kind.items())),
                *notes,
            ]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        return self.result(
            ctx,
            Verdict.PASS,
            [
                "no cloud access key, API token, private credential or password assignment was found "
                "in the image's files",
                *notes,
            ],
            indicators=indicators,
        )


CHECK = NoHardCodedSecrets

# The notebook page of SEC-01: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Credentials and tokens written into the software are the same on every unit and can "
    "be read by anyone who downloads the firmware.",
    steps=[
        (
            "Each row is a secret with its place in the image (`path`, `line`, `offset`); values "
            "are masked.",
            table_cell(
                "secrets",
                "firmware",
                "secrets",
                ["path", "line", "offset", "kind", "name", "value"],
                "Secrets found in the image",
            ),
        ),
        ("Secrets by kind:", 'ui.plots.value_counts(secrets, "kind", "Secrets by kind")'),
    ],
)
