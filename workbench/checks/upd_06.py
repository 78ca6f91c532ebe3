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
from workbench.i18n import N_, _, tr


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


# Sentences naming the declared values a text carries (or lacks), by the set of declared keys named
_M, _V, _MV = frozenset({"model"}), frozenset({"firmware_version"}), frozenset({"model", "firmware_version"})
_DIFFERS = {
    "model": N_("The declaration's model {declared} differs from the case's {case}."),
    "firmware_version": N_("The declaration's firmware version {declared} differs from the case's {case}."),
}
_NOT_FOUND = {
    _M: N_("The live probe did not find the declared model in {looked}; the interface may show it elsewhere"
           " (after login, a settings page, the app)."),
    _V: N_("The live probe did not find the declared firmware version in {looked}; the interface may show it"
           " elsewhere (after login, a settings page, the app)."),
    _MV: N_("The live probe did not find the declared firmware version, model in {looked}; the interface may"
            " show it elsewhere (after login, a settings page, the app)."),
}
_CARRIED = {
    _M: N_("The device's own announcements carry the declared model."),
    _V: N_("The device's own announcements carry the declared firmware version."),
    _MV: N_("The device's own announcements carry the declared firmware version, model."),
}
_SHOWS = {  # (keys shown, where the probe saw them)
    (_M, "http"): N_("The device shows its model on {port} (web pages; live test)."),
    (_V, "http"): N_("The device shows its firmware version on {port} (web pages; live test)."),
    (_MV, "http"): N_("The device shows its model, firmware version on {port} (web pages; live test)."),
    (_M, "ports"): N_("The device shows its model on {port} (service banners and versions; live test)."),
    (_V, "ports"): N_("The device shows its firmware version on {port} (service banners and versions; live"
                      " test)."),
    (_MV, "ports"): N_("The device shows its model, firmware version on {port} (service banners and versions;"
                       " live test)."),
}
_LOOKED = {  # (where the probe looked, its test did not complete)
    ("http", False): N_("{n} web pages"),
    ("http", True): N_("{n} web pages ({gap})"),
    ("ports", False): N_("{n} service banners and versions"),
    ("ports", True): N_("{n} service banners and versions ({gap})"),
}
_ANNOUNCES = {  # (keys carried, the protocol known)
    (_M, True): N_("The device announces its model over {protocol}."),
    (_V, True): N_("The device announces its firmware version over {protocol}."),
    (_MV, True): N_("The device announces its model, firmware version over {protocol}."),
    (_M, False): N_("The device announces its model over discovery."),
    (_V, False): N_("The device announces its firmware version over discovery."),
    (_MV, False): N_("The device announces its model, firmware version over discovery."),
}  # fmt: skip


def _hits(matches: dict[str, bool]) -> frozenset[str]:
    return frozenset(k for k, hit in matches.items() if hit)


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
            tr(_DIFFERS[key], declared=repr(value), case=repr(case_values[key]))
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
                lead = tr(
                    "decided by the live test: the device shows its declared model {model} and firmware"
                    " version {version} over the network.", model=repr(declared["model"]),
                    version=repr(declared["firmware_version"]),
                )  # fmt: skip
                indicators = {"declared": declared, "case": case_values}
                return self.result(
                    ctx, Verdict.PASS, [lead], [*live, *findings], indicators, (EvidenceKind.PROBE,)
                )
            missed = frozenset(wanted - shown_live)
            if missed:
                reasons.append(tr(_NOT_FOUND[missed], looked=looked))
        if findings:
            carried = frozenset(k for f in findings for k in _hits(f.data["matches_declared"]))
            reasons.append(_(_CARRIED[carried]))
        elif observed:
            reasons.append(_("The device's announcements do not carry the declared model or version."))
        reasons.append(
            _("Check that the model and firmware version can be read on the device, its label, its app or web"
              " interface, and match the declaration; attach a photo or screenshot.")
        )  # fmt: skip
        indicators = {
            "declared": declared,
            "observed": self._observed(declared, observed),
            "case": case_values,
        }
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, [*live, *findings], indicators=indicators)

    @staticmethod
    def _shown(ctx: EvidenceContext, declared: dict[str, str]) -> tuple[list[Finding], str]:
        """What the device showed the probe that carries a declared value; and where the probe looked."""
        found, looked = [], {}
        for table, columns, name in _SHOWN:
            test = test_state(ctx, name)
            rows = list(ctx.probe_rows(table))
            gap = not_done(test, name)
            looked[table] = tr(_LOOKED[table, bool(gap)], n=len(rows), gap=gap)
            for row in rows:
                blob = " ".join(clip(row[c], 4096) for c in columns)
                matches = {k: _mentions(blob, v) for k, v in declared.items() if v}
                if not any(matches.values()):
                    continue
                summary = tr(_SHOWS[_hits(matches), table], port=port_label(row))
                data = {"matches_declared": matches, "port": row["port"]}
                found.append(Finding(summary, Severity.INFO, probe_refs([row], test), data))
        return found, tr("{pages} and {banners}", pages=looked["http"], banners=looked["ports"])

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
                protocol = row["protocol"] or ""
                findings.append(
                    Finding(
                        summary=tr(_ANNOUNCES[_hits(matches), bool(protocol)], protocol=protocol),
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
