"""ATK-04: the device discloses no serial number or software version without authentication.

Reads the discovery announcements (SSDP, mDNS, ...) the device sent: the fields the capture
engine marked as disclosed, and the case's own serial number and firmware version found in the
announcement's text. Declared discovery protocols are shown beside the observed ones.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.checks._network import Row, device_of, ref, traffic_gap
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr

_TEXT_FIELDS = ("name", "server", "location", "model", "serial", "version", "banner")
_KNOWN = "the device's "  # the data key of a value known from case.yaml and found in the text


def _field_matches(field: str, wanted: list[str]) -> str | None:
    field = field.lower()
    return next((w for w in wanted if w.lower() in field or field in w.lower()), None)


def _contains_token(haystack: str, needle: str) -> bool:
    """`needle` in `haystack` as a whole token: '2.1' in 'Acme/2.1', not in '192.168.2.10'."""
    if len(needle) < 3:
        return False  # too short to attribute: '2' is everywhere
    pattern = rf"(?:(?<![\w.])|(?<=[^\w.][vV])){re.escape(needle)}(?!\w|\.\d)"
    return re.search(pattern, haystack, re.IGNORECASE) is not None


def disclosed_by(row: Row, wanted: list[str], known: dict[str, str]) -> dict[str, str]:
    """What an announcement discloses of the `wanted` fields: those the engine marked, and the
    device's own serial and version (`known`, from case.yaml) found in its text."""
    disclosed: dict[str, str] = {}
    for field in row["disclosed"] or ():
        hit = _field_matches(field, wanted)
        if hit:
            disclosed[field] = row.get(field) or row.get(hit) or ""
    for field in ("serial", "version"):
        if row[field] and _field_matches(field, wanted):
            disclosed.setdefault(field, row[field])
    blob = " ".join(row[f] or "" for f in _TEXT_FIELDS)
    for field, value in known.items():
        already = any(_contains_token(v, value) for v in disclosed.values()) if value else False
        if value and not already and _field_matches(field, wanted) and _contains_token(blob, value):
            disclosed[_KNOWN + field] = value  # known from case.yaml, found in the text
    return disclosed


def _disclosed_item(key: str, value: str) -> str:
    """ "serial 'C100-1'" (a field the engine names, and its value), or the device's own serial or version
    found in the announcement's text."""
    if key.startswith(_KNOWN):
        return tr("the device's {field} {value}", field=key.removeprefix(_KNOWN), value=repr(value))
    return f"{key} {value!r}" if value else key


class DiscoveryDisclosure(Check):
    requirement_id = "ATK-04"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("disclosure_fields",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        wanted = params.strings("disclosure_fields")
        device = device_of(ctx)
        known = {"serial": ctx.info.serial_number or "", "version": ctx.info.firmware_version or ""}
        findings: list[Finding] = []
        protocols: dict[str, int] = {}
        for row in ctx.capture_rows(
            "discovery", ("packet", "protocol", "src_ip", "disclosed", *_TEXT_FIELDS)
        ):
            if not device.concerns(row["src_ip"]):
                continue
            protocol = row["protocol"] or "discovery"
            protocols[protocol] = protocols.get(protocol, 0) + 1
            disclosed = disclosed_by(row, wanted, known)
            if disclosed:
                findings.append(self._finding(row, protocol, disclosed))
        declared = list(ctx.declaration.discovery_protocols) if ctx.declaration is not None else []
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
            what = sorted(
                {k.removeprefix(_KNOWN).split(" ")[0] for f in findings for k in f.data["disclosed"]}
            )
            lead = tr(
                "{n} discovery announcement(s) disclose {fields} to anyone on the network.",
                n=len(findings),
                fields=", ".join(what),
            )
            return self.result(ctx, Verdict.FAIL, [lead, *reasons], findings, indicators)
        gap = traffic_gap(ctx)
        if gap and not protocols:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        if protocols:
            count = sum(protocols.values())
            lead = tr(
                "The device's {n} discovery announcement(s) disclose no {fields}.",
                n=count,
                fields="/".join(wanted),
            )
        else:
            lead = _("The device sent no discovery announcement in the capture.")
        return self.result(ctx, Verdict.PASS, [lead, *reasons], indicators=indicators)

    @staticmethod
    def _finding(row: Row, protocol: str, disclosed: dict[str, str]) -> Finding:
        shown = ", ".join(_disclosed_item(k, v) for k, v in disclosed.items())
        return Finding(
            summary=tr(
                "A {protocol} announcement from {address} discloses {items}.",
                protocol=protocol,
                address=row["src_ip"] or "",
                items=shown,
            ),
            severity=Severity.MEDIUM,
            evidence=(ref(row, packet=row["packet"], note=f"{protocol} announcement"),),
            data={
                "protocol": protocol,
                "src_ip": row["src_ip"] or "",
                "disclosed": disclosed,
                "banner": (row["banner"] or "").strip()[:300],
            },
        )


CHECK = DiscoveryDisclosure
