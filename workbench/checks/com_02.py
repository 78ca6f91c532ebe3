"""COM-02: TLS versions and cipher suites meet the catalogue's floor.

Judged on both sides of each handshake the device takes part in: the version and cipher the
handshake settled on (HIGH when below the floor), and, when the device is the client, what it
offers (a fallback to an old version or a weak suite it is willing to use: MEDIUM).
The live probe's TLS scan shows what the device's own TLS servers accept, version by version: a
version below the floor or a weak suite accepted is HIGH; with a probe and no capture it judges alone.
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
from workbench.checks._probe import clip, missing, not_done, probe_refs, test_state
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.errors import CheckError
from workbench.i18n import _, tr


@dataclass
class Observed:
    """What the device's handshakes showed, beside the findings."""

    handshakes: int = 0
    ignored: int = 0  # handshakes between other hosts
    probed: list[str] = field(default_factory=list)  # "443 TLS 1.2", each version the live scan saw accepted
    untested: list[str] = field(default_factory=list)  # below-floor versions the live scan could not test
    negotiated: Counter[TlsVersion] = field(default_factory=Counter)
    offered: set[TlsVersion] = field(default_factory=set)


class TlsFloor(Check):
    requirement_id = "COM-02"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("min_tls_version", "weak_cipher_patterns")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        if not (ctx.has(EvidenceKind.CAPTURE) or ctx.has(EvidenceKind.PROBE)):
            return missing(self, ctx, EvidenceKind.CAPTURE)
        params = self.params(ctx)
        floor = self._floor(params)
        weak = params.strings("weak_cipher_patterns")
        device = device_of(ctx)
        observed = Observed()
        findings: list[Finding] = []
        columns = ("packet", "client_ip", "server_ip", "server_port", "hello_version", "offered_versions",
                   "offered_ciphers", "sni", "chosen_version", "chosen_cipher")  # fmt: skip
        for row in ctx.capture_rows("tls", columns) if ctx.has(EvidenceKind.CAPTURE) else ():
            if not device.concerns(row["client_ip"], row["server_ip"]):
                observed.ignored += 1
                continue
            observed.handshakes += 1
            findings += self._handshake(row, device, floor, weak, observed)
        findings += self._probed(ctx, floor, weak, observed)
        findings += self._declared(ctx, floor)
        reasons = list(params.notes)
        if observed.ignored:
            reasons.append(tr("{n} TLS handshake(s) between other hosts were ignored.", n=observed.ignored))
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
                tr('min_tls_version {value} is not a TLS version (write it as "TLS 1.2")', value=repr(raw)),
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
                        tr(
                            "The handshake with {server} settled on {version}, below the floor {floor}.",
                            server=server,
                            version=chosen.label,
                            floor=floor.label,
                        ),
                        {"negotiated_version": chosen.label, "client_ip": client, "server": server},
                    )
                )
        weak_hit = pattern_match(weak, cipher) if cipher else None
        if weak_hit:
            found.append(
                self._finding(
                    row,
                    Severity.HIGH,
                    tr(
                        "The handshake with {server} settled on the weak cipher suite {cipher}"
                        " (matches {pattern}).",
                        server=server,
                        cipher=cipher,
                        pattern=repr(weak_hit),
                    ),
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
                    tr(
                        "The device offers {versions} to {server}: a fallback below the floor {floor}.",
                        versions=", ".join(old),
                        server=server,
                        floor=floor.label,
                    ),
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
                    tr(
                        "The device offers {n} weak cipher suite(s) to {server}: {suites}.",
                        n=len(weak_offered),
                        server=server,
                        suites=shown,
                    ),
                    {"weak_offered": weak_offered, "client_ip": client, "server": server},
                )
            )
        return found

    @staticmethod
    def _probed(
        ctx: EvidenceContext, floor: TlsVersion, weak: list[str], observed: Observed
    ) -> list[Finding]:
        """HIGH findings for what the device's TLS servers accepted in the live scan, version by version."""
        test = test_state(ctx, "tls_scan")
        found = []
        for row in ctx.probe_rows("tls") if ctx.has(EvidenceKind.PROBE) else ():
            version = tls_version(row["version"])
            port = row["port"] if row["port"] is not None else "?"
            if version is None or row["accepted"] is False:
                continue
            if row["accepted"] is None:
                if version < floor:
                    why = clip(row["error"], 80) or _("not tested")
                    observed.untested.append(
                        tr("port {port} {version} ({why})", port=port, version=version.label, why=why)
                    )
                continue
            observed.probed.append(tr("port {port} {version}", port=port, version=version.label))
            weak_suites = [clip(c, 80) for c in row["cipher_suites"] or () if c and pattern_match(weak, c)]
            problems = []
            if version < floor:
                problems.append(
                    tr(
                        "The device's TLS server on port {port} accepts {version}, below the floor {floor}"
                        " (live test).",
                        port=port,
                        version=version.label,
                        floor=floor.label,
                    )
                )
            if weak_suites:
                problems.append(
                    tr(
                        "The device's TLS server on port {port} accepts weak suite(s) with {version}:"
                        " {suites} (live test).",
                        port=port,
                        version=version.label,
                        suites=", ".join(weak_suites[:6]),
                    )
                )
            data = {"port": row["port"], "version": version.label, "weak_suites": weak_suites, "live": True}
            found += [
                Finding(summary=problem, severity=Severity.HIGH, evidence=probe_refs([row], test), data=data)
                for problem in problems
            ]
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
                summary=tr(
                    "The declaration states a minimum of {declared}, below the floor {floor}.",
                    declared=declared.label,
                    floor=floor.label,
                ),
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
            "live_accepted": observed.probed,
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
                tr(
                    "{high} handshake problem(s) below the TLS floor or with weak ciphers ({n} finding(s)).",
                    high=high,
                    n=len(findings),
                )
                if high
                else tr(
                    "The device offers TLS versions or cipher suites below the floor ({n} finding(s)).",
                    n=len(findings),
                )
            )
            reasons = [lead, *reasons]
            decided = tuple(
                kind
                for kind, live in ((EvidenceKind.PROBE, True), (EvidenceKind.CAPTURE, False))
                if any(bool(f.data.get("live")) is live for f in findings)
            )
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators, decided)
        gap = not_done(test_state(ctx, "tls_scan"), "tls_scan") if ctx.has(EvidenceKind.PROBE) else None
        if observed.untested:
            lead = tr(
                "The live TLS scan could not test {versions}: whether the device accepts them is the"
                " inspector's to test.",
                versions=", ".join(observed.untested),
            )
            reasons = [lead, *reasons]
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)
        if observed.probed:
            accepted = ", ".join(observed.probed)
            lead = tr(
                "The live TLS scan: the device's servers accept {accepted}, none below the floor {floor},"
                " no weak suite.",
                accepted=accepted,
                floor=floor.label,
            )
            reasons.insert(0, lead)
        elif ctx.has(EvidenceKind.PROBE) and gap:
            reasons.insert(0, tr("The live probe tested no TLS server: {gap}.", gap=gap))
        elif ctx.has(EvidenceKind.PROBE):
            reasons.insert(0, _("The live probe tested no TLS server."))
        if observed.handshakes == 0:
            if observed.probed:
                return self.result(
                    ctx, Verdict.PASS, reasons, indicators=indicators, decided_by=(EvidenceKind.PROBE,)
                )
            if ctx.has(EvidenceKind.CAPTURE):
                return without_handshakes(self, ctx, reasons, indicators)
            verdict = Verdict.INCONCLUSIVE if gap else Verdict.NOT_APPLICABLE
            return self.result(ctx, verdict, reasons, indicators=indicators)
        lead = tr(
            "All {n} TLS handshake(s) meet the floor {floor} with no weak cipher suite negotiated or"
            " offered.",
            n=observed.handshakes,
            floor=floor.label,
        )
        decided = (EvidenceKind.CAPTURE,) + ((EvidenceKind.PROBE,) if observed.probed else ())
        return self.result(ctx, Verdict.PASS, [lead, *reasons], indicators=indicators, decided_by=decided)


CHECK = TlsFloor
