"""ATK-04: the device discloses no serial number or software version without authentication.

Reads the discovery announcements (SSDP, mDNS, ...) the device sent: the fields the capture
engine marked as disclosed, and the case's own serial number and firmware version found in the
announcement's text. Declared discovery protocols are shown beside the observed ones.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.checks._network import as_list, device_of, ref, rows, text, traffic_gap
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import Page, table_cell

_COLUMNS = (
    "packet",
    "protocol",
    "src_ip",
    "name",
    "server",
    "location",
    "model",
    "serial",
    "version",
    "disclosed",
    "banner",
)
_TEXT_FIELDS = ("name", "server", "location", "model", "serial", "version", "banner")


def _field_matches(field: str, wanted: list[str]) -> str | None:
    field = field.lower()
    return next((w for w in wanted if w.lower() in field or field in w.lower()), None)


def _contains_token(haystack: str, needle: str) -> bool:
    """`needle` in `haystack` as a whole token: '2.1' in 'Acme/2.1', not in '192.168.2.10'."""
    if len(needle) < 3:
        return False  # too short to attribute: '2' is everywhere
    pattern = rf"(?:(?<![\w.])|(?<=[^\w.][vV])){re.escape(needle)}(?!\w|\.\d)"
    return re.search(pattern, haystack, re.IGNORECASE) is not None


class DiscoveryDisclosure(Check):
    requirement_id = "ATK-04"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("disclosure_fields",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        wanted = params.strings("disclosure_fields")
        device = device_of(ctx)
        known = {
            "serial": text(getattr(ctx.info, "serial_number", None)),
            "version": text(getattr(ctx.info, "firmware_version", None)),
        }
        findings: list[Finding] = []
        protocols: dict[str, int] = {}
        for row in rows(ctx.capture_table("discovery"), _COLUMNS):
            if device.known and not device.is_device(row["src_ip"]):
                continue
            protocol = text(row["protocol"]) or "discovery"
            protocols[protocol] = protocols.get(protocol, 0) + 1
            disclosed: dict[str, str] = {}
            for field in [text(f) for f in as_list(row["disclosed"])]:
                hit = _field_matches(field, wanted)
                if hit:
                    disclosed[field] = text(row.get(field)) or text(row.get(hit))
            for field in ("serial", "version"):
                if text(row[field]) and _field_matches(field, wanted):
                    disclosed.setdefault(field, text(row[field]))
            blob = " ".join(text(row[f]) for f in _TEXT_FIELDS)
            for field, value in known.items():
                already = any(_contains_token(v, value) for v in disclosed.values()) if value else False
                if value and not already and _field_matches(field, wanted) and _contains_token(blob, value):
                    disclosed[f"the device's {field}"] = value  # known from case.yaml, found in the text
            if not disclosed:
                continue
            shown = ", ".join(f"{k} {v!r}" if v else k for k, v in disclosed.items())
            findings.append(
                Finding(
                    summary=f"A {protocol} announcement from {text(row['src_ip'])} discloses {shown}.",
                    severity=Severity.MEDIUM,
                    evidence=(ref(row, packet=row["packet"], note=f"{protocol} announcement"),),
                    data={
                        "protocol": protocol,
                        "src_ip": text(row["src_ip"]),
                        "disclosed": disclosed,
                        "banner": text(row["banner"])[:300],
                    },
                )
            )
        declared = [str(p) for p in (getattr(ctx.declaration, "discovery_protocols", None) or [])]
        indicators: dict[str, Any] = {
            "declared_discovery_protocols": declared,
            "observed_discovery_protocols": protocols,
            "undeclared_discovery_protocols": sorted(
                p
                for p in protocols
                if not any(d.lower() in p.lower() or p.lower() in d.lower() for d in declared)
            )
            if ctx.declaration is not None
            else None,
            "disclosure_fields": wanted,
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if findings:
            return self.result(
                ctx,
                Verdict.FAIL,
                [
                    f"{len(findings)} discovery announcement(s) disclose "
                    f"{', '.join(sorted({k.split(' ')[0] for f in findings for k in f.data['disclosed']}))}"
                    " to anyone on the network.",
                    *reasons,
                ],
                findings,
                indicators,
            )
        gap = traffic_gap(ctx)
        if gap and not protocols:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        if protocols:
            count = sum(protocols.values())
            lead = f"The device's {count} discovery announcement(s) disclose no {'/'.join(wanted)}."
        else:
            lead = "The device sent no discovery announcement in the capture."
        return self.result(ctx, Verdict.PASS, [lead, *reasons], indicators=indicators)


CHECK = DiscoveryDisclosure

# The notebook page of ATK-04: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Discovery protocols (SSDP/UPnP, mDNS, LLMNR, NetBIOS) answer anyone on the network. "
    "Serial numbers and exact software versions in them help an attacker pick a target.",
    steps=[
        (
            "Each announcement and what it `disclosed`:",
            table_cell(
                "discovery",
                "capture",
                "discovery",
                [
                    "packet",
                    "protocol",
                    "src_ip",
                    "name",
                    "server",
                    "model",
                    "serial",
                    "version",
                    "disclosed",
                    "banner",
                ],
                "Discovery announcements",
            ),
        ),
        (
            "What is disclosed, how often:",
            'ui.plots.value_counts(discovery, "disclosed", "Disclosed fields")',
        ),
    ],
    declared=["discovery_protocols"],
)
