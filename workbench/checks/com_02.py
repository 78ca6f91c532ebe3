"""COM-02: TLS versions and cipher suites meet the catalogue's floor.

Judged on both sides of each handshake the device takes part in: the version and cipher the
handshake settled on (HIGH when below the floor), and, when the device is the client, what it
offers (a fallback to an old version or a weak suite it is willing to use: MEDIUM).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_list,
    cipher_name,
    declaration_ref,
    device_of,
    pattern_match,
    ref,
    rows,
    text,
    tls_label,
    tls_version,
    traffic_gap,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import Page, table_cell
from workbench.checks.parameters import bundled_default

_COLUMNS = (
    "packet",
    "client_ip",
    "server_ip",
    "server_port",
    "hello_version",
    "offered_versions",
    "offered_ciphers",
    "sni",
    "chosen_version",
    "chosen_cipher",
    "weaknesses",
)


class TlsFloor(Check):
    requirement_id = "COM-02"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("min_tls_version", "weak_cipher_patterns")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        floor_raw = params.get("min_tls_version")
        floor = tls_version(floor_raw)
        if floor is None:
            bundled = bundled_default(self.requirement_id, "min_tls_version")
            params.notes.append(
                f"min_tls_version {floor_raw!r} is not a TLS version;"
                f" the bundled edition's {bundled!r} was used"
            )
            floor = tls_version(bundled)
        weak = params.strings("weak_cipher_patterns")
        device = device_of(ctx)
        findings: list[Finding] = []
        handshakes = 0
        negotiated: dict[str, int] = {}
        offered: set[str] = set()
        ignored = 0
        for row in rows(ctx.capture_table("tls"), _COLUMNS):
            client, server = text(row["client_ip"]), text(row["server_ip"])
            device_client = device.is_device(client) or not device.known
            if device.known and not (device.is_device(client) or device.is_device(server)):
                ignored += 1
                continue
            handshakes += 1
            peer = f"{server}:{text(row['server_port'])}" + (
                f" ({text(row['sni'])})" if text(row["sni"]) else ""
            )
            chosen = tls_version(row["chosen_version"])
            cipher = cipher_name(row["chosen_cipher"])
            if chosen is not None:
                negotiated[tls_label(chosen)] = negotiated.get(tls_label(chosen), 0) + 1
            if chosen is not None and floor is not None and chosen < floor:
                findings.append(
                    self._finding(
                        row,
                        Severity.HIGH,
                        f"The handshake with {peer} settled on {tls_label(chosen)},"
                        f" below the floor {tls_label(floor)}.",
                        {"negotiated_version": tls_label(chosen), "client_ip": client, "server": peer},
                    )
                )
            weak_hit = pattern_match(weak, cipher) if cipher else None
            if weak_hit:
                findings.append(
                    self._finding(
                        row,
                        Severity.HIGH,
                        f"The handshake with {peer} settled on the weak cipher suite {cipher}"
                        f" (matches {weak_hit!r}).",
                        {
                            "negotiated_cipher": cipher,
                            "pattern": weak_hit,
                            "client_ip": client,
                            "server": peer,
                        },
                    )
                )
            if device_client:
                versions = self._offered_versions(row)
                offered |= {tls_label(v) for v in versions}
                old = sorted(v for v in versions if floor is not None and v < floor)
                if old and not (chosen is not None and chosen < floor):
                    labels = [tls_label(v) for v in old]
                    findings.append(
                        self._finding(
                            row,
                            Severity.MEDIUM,
                            f"The device offers {', '.join(labels)} to {peer}: a fallback below the floor"
                            f" {tls_label(floor)}.",
                            {"offered_below_floor": labels, "client_ip": client, "server": peer},
                        )
                    )
                suites = [c for c in (cipher_name(c) for c in as_list(row["offered_ciphers"])) if c]
                weak_offered = sorted({c for c in suites if pattern_match(weak, c)})
                if weak_offered and not weak_hit:
                    findings.append(
                        self._finding(
                            row,
                            Severity.MEDIUM,
                            f"The device offers {len(weak_offered)} weak cipher suite(s) to {peer}:"
                            f" {', '.join(weak_offered[:6])}{' ...' if len(weak_offered) > 6 else ''}.",
                            {"weak_offered": weak_offered, "client_ip": client, "server": peer},
                        )
                    )
        findings.extend(self._declared(ctx, floor))
        indicators: dict[str, Any] = {
            "floor": tls_label(floor),
            "declared_min_version": self._declared_min(ctx),
            "observed_min_version": min(negotiated, key=lambda v: tls_version(v) or (9, 9))
            if negotiated
            else None,
            "negotiated_versions": negotiated,
            "offered_versions": sorted(offered),
            "handshakes": handshakes,
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if ignored:
            reasons.append(f"{ignored} TLS handshake(s) between other hosts were ignored.")
        if findings:
            high = sum(f.severity is Severity.HIGH for f in findings)
            lead = (
                f"{high} handshake problem(s) below the TLS floor or with weak ciphers"
                if high
                else "The device offers TLS versions or cipher suites below the floor"
            )
            return self.result(
                ctx, Verdict.FAIL, [lead + f" ({len(findings)} finding(s)).", *reasons], findings, indicators
            )
        gap = traffic_gap(ctx) if handshakes == 0 else None
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        if handshakes == 0:
            return self.result(
                ctx,
                Verdict.NOT_APPLICABLE,
                ["No TLS handshake of the device was seen in the capture.", *reasons],
                indicators=indicators,
            )
        return self.result(
            ctx,
            Verdict.PASS,
            [
                f"All {handshakes} TLS handshake(s) meet the floor {tls_label(floor)}"
                " with no weak cipher suite negotiated or offered.",
                *reasons,
            ],
            indicators=indicators,
        )

    @staticmethod
    def _offered_versions(row: dict[str, Any]) -> list[tuple[int, int]]:
        listed = [v for v in (tls_version(x) for x in as_list(row["offered_versions"])) if v]
        if listed:
            return sorted(set(listed))
        hello = tls_version(row["hello_version"])
        return [hello] if hello else []

    def _finding(
        self, row: dict[str, Any], severity: Severity, summary: str, data: dict[str, Any]
    ) -> Finding:
        return Finding(
            summary=summary,
            severity=severity,
            evidence=(ref(row, packet=row["packet"], note="TLS handshake"),),
            data=data,
        )

    @staticmethod
    def _declared_min(ctx: EvidenceContext) -> str | None:
        tls = getattr(ctx.declaration, "tls", None) if ctx.declaration is not None else None
        version = tls_version(getattr(tls, "min_version", None)) if tls is not None else None
        return tls_label(version) if version else None

    def _declared(self, ctx: EvidenceContext, floor: tuple[int, int] | None) -> list[Finding]:
        declared = self._declared_min(ctx)
        version = tls_version(declared)
        if version is None or floor is None or version >= floor:
            return []
        return [
            Finding(
                summary=f"The declaration states a minimum of {declared},"
                f" below the floor {tls_label(floor)}.",
                severity=Severity.MEDIUM,
                evidence=(declaration_ref(ctx, "tls.min_version"),),
                data={"declared_min_version": declared},
            )
        ]


CHECK = TlsFloor

# The notebook page of COM-02: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Each TLS handshake: the versions and ciphers the client offered, and what the server "
    "chose. The floor comes from the catalogue's parameters for this requirement.",
    steps=[
        (
            "`chosen_version` and `chosen_cipher` are what the connection used; `weaknesses` names "
            "what falls below the floor.",
            table_cell(
                "tls",
                "capture",
                "tls",
                [
                    "packet",
                    "client_ip",
                    "server_ip",
                    "server_port",
                    "sni",
                    "offered_versions",
                    "chosen_version",
                    "chosen_cipher",
                    "weaknesses",
                ],
                "TLS handshakes",
                empty="No TLS handshake in the capture.",
            ),
        ),
        ("Versions offered and chosen:", "ui.plots.tls_versions(tls)"),
    ],
    declared=["tls"],
)
