"""COM-02: TLS versions and cipher suites meet the catalogue's floor.

Judged on both sides of each handshake the device takes part in: the version and cipher the
handshake settled on (HIGH when below the floor), and, when the device is the client, what it
offers (a fallback to an old version or a weak suite it is willing to use: MEDIUM).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from workbench.capture.versions import TlsVersion
from workbench.checks._network import (
    Device,
    Row,
    declaration_ref,
    declared_tls_floor,
    device_of,
    pattern_match,
    peer,
    ref,
    tls_version,
    without_handshakes,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.errors import CheckError


@dataclass
class Observed:
    """What the device's handshakes showed, beside the findings."""

    handshakes: int = 0
    ignored: int = 0  # handshakes between other hosts
    negotiated: Counter[TlsVersion] = field(default_factory=Counter)
    offered: set[TlsVersion] = field(default_factory=set)


class TlsFloor(Check):
    requirement_id = "COM-02"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("min_tls_version", "weak_cipher_patterns")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        floor = self._floor(params)
        weak = params.strings("weak_cipher_patterns")
        device = device_of(ctx)
        observed = Observed()
        findings: list[Finding] = []
        columns = ("packet", "client_ip", "server_ip", "server_port", "hello_version", "offered_versions",
                   "offered_ciphers", "sni", "chosen_version", "chosen_cipher")  # fmt: skip
        for row in ctx.capture_rows("tls", columns):
            if not device.concerns(row["client_ip"], row["server_ip"]):
                observed.ignored += 1
                continue
            observed.handshakes += 1
            findings += self._handshake(row, device, floor, weak, observed)
        findings += self._declared(ctx, floor)
        reasons = list(params.notes)
        if observed.ignored:
            reasons.append(f"{observed.ignored} TLS handshake(s) between other hosts were ignored.")
        return self._verdict(
            ctx, floor, findings, observed, reasons, self._indicators(ctx, floor, observed, device)
        )

    def _floor(self, params: Parameters) -> TlsVersion:
        """The catalogue's floor, parsed once. An unreadable one is the catalogue's error, never
        silently replaced by a weaker floor: the check cannot judge (the requirement becomes ERROR)."""
        raw = params.get("min_tls_version")
        try:
            return TlsVersion.parse(str(raw))
        except ValueError:
            raise CheckError(
                f"min_tls_version {raw!r} is not a TLS version (write it as \"TLS 1.2\")",
                requirement=self.requirement_id,
            ) from None

    def _handshake(
        self, row: Row, device: Device, floor: TlsVersion, weak: list[str], observed: Observed
    ) -> list[Finding]:
        """The findings of one handshake: what it settled on, and what the device offered."""
        client, server = row["client_ip"] or "", peer(row)
        chosen = tls_version(row["chosen_version"])
        cipher = row["chosen_cipher"] or ""
        found = []
        if chosen is not None:
            observed.negotiated[chosen] += 1
            if chosen < floor:
                found.append(
                    self._finding(
                        row,
                        Severity.HIGH,
                        f"The handshake with {server} settled on {chosen.label},"
                        f" below the floor {floor.label}.",
                        {"negotiated_version": chosen.label, "client_ip": client, "server": server},
                    )
                )
        weak_hit = pattern_match(weak, cipher) if cipher else None
        if weak_hit:
            found.append(
                self._finding(
                    row,
                    Severity.HIGH,
                    f"The handshake with {server} settled on the weak cipher suite {cipher}"
                    f" (matches {weak_hit!r}).",
                    {"negotiated_cipher": cipher, "pattern": weak_hit, "client_ip": client, "server": server},
                )
            )
        if device.is_device(client) or not device.known:
            below = chosen is not None and chosen < floor
            found += self._offered(row, floor, weak, observed, below=below, weak_chosen=bool(weak_hit))
        return found

    def _offered(
        self,
        row: Row,
        floor: TlsVersion,
        weak: list[str],
        observed: Observed,
        *,
        below: bool,
        weak_chosen: bool,
    ) -> list[Finding]:
        """MEDIUM findings for what the device offers as a client: a fallback below the floor, weak suites."""
        client, server = row["client_ip"] or "", peer(row)
        versions = self._offered_versions(row)
        observed.offered |= set(versions)
        old = [v.label for v in versions if v < floor]
        found = []
        if old and not below:
            found.append(
                self._finding(
                    row,
                    Severity.MEDIUM,
                    f"The device offers {', '.join(old)} to {server}: a fallback below the floor"
                    f" {floor.label}.",
                    {"offered_below_floor": old, "client_ip": client, "server": server},
                )
            )
        weak_offered = sorted({c for c in row["offered_ciphers"] or () if c and pattern_match(weak, c)})
        if weak_offered and not weak_chosen:
            shown = ", ".join(weak_offered[:6]) + (" ..." if len(weak_offered) > 6 else "")
            found.append(
                self._finding(
                    row,
                    Severity.MEDIUM,
                    f"The device offers {len(weak_offered)} weak cipher suite(s) to {server}: {shown}.",
                    {"weak_offered": weak_offered, "client_ip": client, "server": server},
                )
            )
        return found

    @staticmethod
    def _offered_versions(row: Row) -> list[TlsVersion]:
        listed = {v for v in (tls_version(c) for c in row["offered_versions"] or ()) if v}
        if listed:
            return sorted(listed)
        hello = tls_version(row["hello_version"])
        return [hello] if hello else []

    @staticmethod
    def _finding(row: Row, severity: Severity, summary: str, data: dict[str, Any]) -> Finding:
        evidence = (ref(row, packet=row["packet"], note="TLS handshake"),)
        return Finding(summary=summary, severity=severity, evidence=evidence, data=data)

    @staticmethod
    def _declared(ctx: EvidenceContext, floor: TlsVersion) -> list[Finding]:
        declared = declared_tls_floor(ctx.declaration)
        if declared is None or declared >= floor:
            return []
        return [
            Finding(
                summary=f"The declaration states a minimum of {declared.label},"
                f" below the floor {floor.label}.",
                severity=Severity.MEDIUM,
                evidence=(declaration_ref(ctx, "tls.min_version"),),
                data={"declared_min_version": declared.label},
            )
        ]

    @staticmethod
    def _indicators(
        ctx: EvidenceContext, floor: TlsVersion, observed: Observed, device: Device
    ) -> dict[str, Any]:
        declared = declared_tls_floor(ctx.declaration)
        return {
            "floor": floor.label,
            "declared_min_version": declared.label if declared else None,
            "observed_min_version": min(observed.negotiated).label if observed.negotiated else None,
            "negotiated_versions": {v.label: n for v, n in observed.negotiated.items()},
            "offered_versions": sorted(v.label for v in observed.offered),
            "handshakes": observed.handshakes,
            "device": device.describe(),
        }

    def _verdict(
        self,
        ctx: EvidenceContext,
        floor: TlsVersion,
        findings: list[Finding],
        observed: Observed,
        reasons: list[str],
        indicators: dict[str, Any],
    ) -> CheckResult:
        if findings:
            high = sum(f.severity is Severity.HIGH for f in findings)
            lead = (
                f"{high} handshake problem(s) below the TLS floor or with weak ciphers"
                if high
                else "The device offers TLS versions or cipher suites below the floor"
            )
            reasons = [lead + f" ({len(findings)} finding(s)).", *reasons]
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        if observed.handshakes == 0:
            return without_handshakes(self, ctx, reasons, indicators)
        lead = (
            f"All {observed.handshakes} TLS handshake(s) meet the floor {floor.label}"
            " with no weak cipher suite negotiated or offered."
        )
        return self.result(ctx, Verdict.PASS, [lead, *reasons], indicators=indicators)


CHECK = TlsFloor
