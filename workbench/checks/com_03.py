"""COM-03: certificates in the device's TLS handshakes are valid and strong.

Every certificate of a chain is judged for expiry and key size; signatures are judged on every
certificate but a self-signed root (whose own signature nobody verifies). A self-signed leaf
fails when the device is the client (it accepted a server it cannot authenticate); on the
device's own server it is an indicator, as local web interfaces often have nothing else.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_bool,
    as_int,
    as_list,
    device_of,
    pattern_match,
    ref,
    rows,
    text,
    traffic_gap,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import Page

_COLUMNS = ("packet", "client_ip", "server_ip", "server_port", "sni", "chosen_version", "certificates")


def _key_floor(key_type: str, min_rsa: int, min_ec: int) -> int:
    """The minimum size for a key type; 0 where bits say nothing (Ed25519, Ed448)."""
    kind = key_type.lower()
    if "ed25519" in kind or "ed448" in kind:
        return 0
    if "rsa" in kind or "dsa" in kind and "ec" not in kind:
        return min_rsa
    if "ec" in kind:
        return min_ec
    return min_rsa if not kind else 0


class CertificateStrength(Check):
    requirement_id = "COM-03"
    needs = frozenset({EvidenceKind.CAPTURE})
    parameters = ("min_rsa_bits", "min_ec_bits", "weak_signature_algorithms")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        min_rsa = params.integer("min_rsa_bits")
        min_ec = params.integer("min_ec_bits")
        weak_sigs = params.strings("weak_signature_algorithms")
        device = device_of(ctx)
        problems: dict[tuple[str, str], dict[str, Any]] = {}  # (certificate key, problem) -> finding data
        handshakes = without_certs = 0
        seen: dict[str, dict[str, Any]] = {}
        for row in rows(ctx.capture_table("tls"), _COLUMNS):
            client, server = text(row["client_ip"]), text(row["server_ip"])
            if device.known and not (device.is_device(client) or device.is_device(server)):
                continue
            handshakes += 1
            chain = [c for c in as_list(row["certificates"]) if isinstance(c, dict)]
            if not chain:
                without_certs += 1
                continue
            device_is_client = device.is_device(client) or not device.known
            peer = f"{server}:{text(row['server_port'])}" + (
                f" ({text(row['sni'])})" if text(row["sni"]) else ""
            )
            for position, cert in enumerate(chain):
                key = "|".join(text(cert.get(k)) for k in ("subject", "issuer", "not_after", "key_bits"))
                seen.setdefault(
                    key,
                    {
                        "subject": text(cert.get("subject")),
                        "issuer": text(cert.get("issuer")),
                        "not_after": text(cert.get("not_after")),
                        "key_type": text(cert.get("key_type")),
                        "key_bits": as_int(cert.get("key_bits")),
                        "signature_algorithm": text(cert.get("signature_algorithm")),
                        "server": peer,
                    },
                )
                for problem, severity, summary in self._judge(
                    cert, position, device_is_client, min_rsa, min_ec, weak_sigs
                ):
                    entry = problems.setdefault(
                        (key, problem),
                        {
                            "severity": severity,
                            "summary": summary,
                            "subject": text(cert.get("subject")),
                            "server": peer,
                            "rows": [],
                        },
                    )
                    entry["rows"].append(row)
        findings = [self._finding(entry) for entry in problems.values()]
        indicators: dict[str, Any] = {
            "certificates": list(seen.values()),
            "handshakes": handshakes,
            "handshakes_without_visible_certificates": without_certs,
            "thresholds": {
                "min_rsa_bits": min_rsa,
                "min_ec_bits": min_ec,
                "weak_signature_algorithms": weak_sigs,
            },
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if without_certs:
            reasons.append(
                f"{without_certs} handshake(s) showed no certificate (TLS 1.3 encrypts it, or the"
                " capture missed it)."
            )
        failing = [f for f in findings if f.severity is not Severity.INFO]
        if failing:
            return self.result(
                ctx,
                Verdict.FAIL,
                [f"{len(failing)} certificate problem(s) in the device's TLS handshakes.", *reasons],
                findings,
                indicators,
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
        if not seen:
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "TLS was seen but no certificate was visible: judge the server certificates by"
                    " connecting to them, or capture a TLS 1.2 handshake.",
                    *reasons,
                ],
                findings,
                indicators,
            )
        return self.result(
            ctx,
            Verdict.PASS,
            [
                f"{len(seen)} certificate(s) in {handshakes - without_certs} handshake(s) are valid,"
                f" with keys of at least RSA {min_rsa} / EC {min_ec} bits and strong signatures.",
                *reasons,
            ],
            findings,
            indicators,
        )

    @staticmethod
    def _judge(
        cert: dict[str, Any],
        position: int,
        device_is_client: bool,
        min_rsa: int,
        min_ec: int,
        weak_sigs: list[str],
    ) -> list[tuple[str, Severity, str]]:
        subject = text(cert.get("subject")) or "(no subject)"
        out: list[tuple[str, Severity, str]] = []
        self_signed = bool(as_bool(cert.get("self_signed")))
        if as_bool(cert.get("expired")):
            out.append(
                (
                    "expired",
                    Severity.HIGH,
                    f"Certificate {subject!r} expired ({text(cert.get('not_after')) or 'date unknown'}).",
                )
            )
        if position == 0 and self_signed:
            if device_is_client:
                out.append(
                    (
                        "self-signed",
                        Severity.HIGH,
                        f"The device accepted the self-signed server certificate {subject!r}.",
                    )
                )
            else:
                out.append(
                    (
                        "self-signed-device",
                        Severity.INFO,
                        f"The device's own server presents the self-signed certificate {subject!r}.",
                    )
                )
        key_type = text(cert.get("key_type"))
        bits = as_int(cert.get("key_bits"))
        if bits:
            limit = _key_floor(key_type, min_rsa, min_ec)
            if limit and bits < limit:
                out.append(
                    (
                        "weak-key",
                        Severity.HIGH,
                        f"Certificate {subject!r} has a {bits}-bit {key_type or 'public'} key"
                        f" (minimum {limit}).",
                    )
                )
        algorithm = text(cert.get("signature_algorithm"))
        squashed = algorithm.lower().replace("-", "").replace("_", "")
        hit = pattern_match(weak_sigs, squashed) if algorithm else None
        if hit and not (self_signed and position > 0):
            out.append(
                (
                    "weak-signature",
                    Severity.HIGH,
                    f"Certificate {subject!r} is signed with {algorithm} (weak: {hit!r}).",
                )
            )
        return out

    @staticmethod
    def _finding(entry: dict[str, Any]) -> Finding:
        refs = tuple(ref(r, packet=r["packet"], note="TLS handshake") for r in entry["rows"][:8])
        return Finding(
            summary=entry["summary"] + f" Server {entry['server']}.",
            severity=entry["severity"],
            evidence=refs,
            data={"subject": entry["subject"], "server": entry["server"], "handshakes": len(entry["rows"])},
        )


CHECK = CertificateStrength

# The notebook page of COM-03: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="The certificates servers presented in the captured handshakes: validity dates, key "
    "size, signature algorithm, and whether they are self-signed.",
    steps=[
        (
            "One row per certificate, with the packet of its handshake:",
            "certificates = ui.show_certificates(session)",
        ),
        (
            "Key sizes:",
            'ui.plots.value_counts(certificates, "key_bits", "Certificate key sizes", "bits")',
        ),
    ],
    declared=["tls"],
)
