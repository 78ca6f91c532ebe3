"""UPD-06: the model and firmware version are recognisable (assisted).

Sets the model and version the manufacturer declares (and the case records) beside the strings
the device itself announces on the network (discovery answers, server banners) and shows to the
live probe (its web page's title and text, the banners and versions its port scan read). Both
found in what the device showed the probe: PASS, decided by the probe.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.checks._network import Row, device_of, ref
from workbench.checks._probe import clip, not_done, port_label, probe_refs, test_state
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext


def _mentions(haystack: str, needle: str) -> bool:
    if len(needle) < 2:
        return False
    # not part of a longer word or number, nor a protocol's version ("HTTP/1.0", "RTSP/1.0", "SSH-2.0")
    pattern = rf"(?<![\w.])(?<!HTTP/)(?<!RTSP/)(?<!SSH-){re.escape(needle)}(?![\w]|\.\d)"
    return re.search(pattern, haystack, re.IGNORECASE) is not None


# the probe's tables where a device shows what it is: (table, columns read, the test that made it)
_SHOWN = (
    ("http", ("title", "text", "server"), "http"),
    ("ports", ("product", "version", "extrainfo", "banner"), "port_scan"),
)


def _label(key: str) -> str:
    return key.replace("_", " ")


class VersionRecognisable(Check):
    requirement_id = "UPD-06"
    needs = frozenset({EvidenceKind.DECLARATION})
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.PROBE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        declaration, info = ctx.declaration, ctx.info
        case_values = {"model": info.model, "firmware_version": info.firmware_version}
        declared = {
            "model": (declaration.model if declaration else None) or info.model,
            "firmware_version": (declaration.firmware_version if declaration else None)
            or info.firmware_version,
        }
        reasons = [
            f"The declaration's {_label(key)} {value!r} differs from the case's {case_values[key]!r}."
            for key, value in declared.items()
            if case_values[key] and value and case_values[key] != value
        ]
        observed: list[Row] = []
        findings: list[Finding] = []
        if ctx.has(EvidenceKind.CAPTURE):
            findings = self._announcements(ctx, declared, observed)
        live: list[Finding] = []
        if ctx.has(EvidenceKind.PROBE):
            live, looked = self._shown(ctx, declared)
            wanted = {k for k, v in declared.items() if v}
            # the model and the version shown together, in one answer of the device
            hits = [{k for k, hit in f.data["matches_declared"].items() if hit} for f in live]
            together = any(shown >= wanted for shown in hits)
            shown_live = {k for f in live for k, hit in f.data["matches_declared"].items() if hit}
            if wanted and together and not reasons:
                lead = (
                    f"decided by the live test: the device shows its declared model {declared['model']!r}"
                    f" and firmware version {declared['firmware_version']!r} over the network."
                )
                indicators = {"declared": declared, "case": case_values}
                return self.result(
                    ctx, Verdict.PASS, [lead], [*live, *findings], indicators, (EvidenceKind.PROBE,)
                )
            missed = ", ".join(sorted(map(_label, wanted - shown_live)))
            if missed:
                reasons.append(
                    f"The live probe did not find the declared {missed} in {looked}; the interface"
                    " may show it elsewhere (after login, a settings page, the app)."
                )
        if findings:
            carried = {k for f in findings for k, hit in f.data["matches_declared"].items() if hit}
            shown = ", ".join(sorted(map(_label, carried)))
            reasons.append(f"The device's own announcements carry the declared {shown}.")
        elif observed:
            reasons.append("The device's announcements do not carry the declared model or version.")
        reasons.append(
            "Check that the model and firmware version can be read on the device, its label, its"
            " app or web interface, and match the declaration; attach a photo or screenshot."
        )
        indicators = {
            "declared": declared,
            "observed": self._observed(declared, observed),
            "case": case_values,
        }
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, [*live, *findings], indicators=indicators)

    @staticmethod
    def _shown(ctx: EvidenceContext, declared: dict[str, str]) -> tuple[list[Finding], str]:
        """What the device showed the probe that carries a declared value; and where the probe looked."""
        found, looked = [], []
        for table, columns, name in _SHOWN:
            test = test_state(ctx, name)
            rows = list(ctx.probe_rows(table))
            where = "web pages" if table == "http" else "service banners and versions"
            gap = not_done(test, name)
            looked.append(f"{len(rows)} {where}" + (f" ({gap})" if gap else ""))
            for row in rows:
                blob = " ".join(clip(row[c], 4096) for c in columns)
                matches = {k: _mentions(blob, v) for k, v in declared.items() if v}
                if not any(matches.values()):
                    continue
                shown = ", ".join(_label(k) for k, hit in matches.items() if hit)
                summary = f"The device shows its {shown} on {port_label(row)} ({where}; live test)."
                data = {"matches_declared": matches, "port": row["port"]}
                found.append(Finding(summary, Severity.INFO, probe_refs([row], test), data))
        return found, " and ".join(looked)

    @staticmethod
    def _announcements(ctx: EvidenceContext, declared: dict[str, str], observed: list[Row]) -> list[Finding]:
        """The device's discovery announcements, each with which declared values it carries."""
        device = device_of(ctx)
        findings = []
        columns = ("packet", "protocol", "src_ip", "name", "server", "model", "version", "banner")
        for row in ctx.capture_rows("discovery", columns):
            if not device.concerns(row["src_ip"]):
                continue
            blob = " ".join(row[c] or "" for c in ("name", "server", "model", "version", "banner"))
            matches = {k: _mentions(blob, v) for k, v in declared.items() if v}
            observed.append(
                {
                    "protocol": row["protocol"] or "",
                    "packet": row["packet"],
                    "model": row["model"] or "",
                    "version": row["version"] or "",
                    "server": row["server"] or "",
                    "matches_declared": matches,
                }
            )
            if any(matches.values()):
                shown = ", ".join(_label(k) for k, hit in matches.items() if hit)
                findings.append(
                    Finding(
                        summary=f"The device announces its {shown} over {row['protocol'] or 'discovery'}.",
                        severity=Severity.INFO,
                        evidence=(ref(row, packet=row["packet"], note="announcement"),),
                        data={"matches_declared": matches},
                    )
                )
        return findings

    @staticmethod
    def _observed(declared: dict[str, str], announcements: list[Row]) -> dict[str, Any]:
        """Model and version strings announced, and the declared ones an announcement carries."""

        def values(column: str, key: str) -> list[str]:
            found = {a[column] for a in announcements if a[column]}
            return sorted(found | {declared[key] for a in announcements if a["matches_declared"].get(key)})

        return {
            "model": values("model", "model"),
            "firmware_version": values("version", "firmware_version"),
            "announcements": announcements,
        }


CHECK = VersionRecognisable
