"""COM-03: certificates in the device's TLS handshakes are valid and strong.

Every certificate of a chain is judged for expiry and key size; signatures are judged on every
certificate but a self-signed root (whose own signature nobody verifies). A self-signed leaf
fails when the device is the client (it accepted a server it cannot authenticate); on the
device's own server it is an indicator, as local web interfaces often have nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.checks._network import MAX_REFS, Row, device_of, pattern_match, peer, ref, without_handshakes
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr

Problem = tuple[str, Severity, str]  # (kind, severity, summary)


@dataclass(frozen=True)
class Thresholds:
    min_rsa: int
    min_ec: int
    weak_signatures: list[str]

    def key_floor(self, key_type: str) -> int:
        """The minimum size for a key type; 0 where bits say nothing (Ed25519, Ed448)."""
        kind = key_type.lower()
        if "ed25519" in kind or "ed448" in kind:
            return 0
        if "rsa" in kind or "dsa" in kind and "ec" not in kind:
            return self.min_rsa
        if "ec" in kind:
            return self.min_ec
        return self.min_rsa if not kind else 0


@dataclass
class Observed:
    """The certificates of the device's handshakes, and their problems."""

    handshakes: int = 0
    without_certs: int = 0
    seen: dict[str, Row] = field(default_factory=dict)  # certificate key -> facts
    problems: dict[tuple[str, str], Row] = field(
        default_factory=dict
    )  # (certificate key, kind) -> finding data


def _text(cert: Row, name: str) -> str:
    value = cert.get(name)
    return "" if value is None else str(value)


class CertificateStrength(Check):
    requirement_id = "COM-03"
    needs = frozenset({EvidenceKind.CAPTURE})
    parameters = ("min_rsa_bits", "min_ec_bits", "weak_signature_algorithms")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        limits = Thresholds(
            params.integer("min_rsa_bits"),
            params.integer("min_ec_bits"),
            params.strings("weak_signature_algorithms"),
        )
        device = device_of(ctx)
        observed = Observed()
        columns = ("packet", "client_ip", "server_ip", "server_port", "sni", "certificates")
        for row in ctx.capture_rows("tls", columns):
            if not device.concerns(row["client_ip"], row["server_ip"]):
                continue
            observed.handshakes += 1
            chain = row["certificates"] or []
            if not chain:
                observed.without_certs += 1
                continue
            device_is_client = device.is_device(row["client_ip"]) or not device.known
            for position, cert in enumerate(chain):
                self._observe(row, cert, position, device_is_client, limits, observed)
        findings = [self._finding(entry) for entry in observed.problems.values()]
        indicators: dict[str, Any] = {
            "certificates": list(observed.seen.values()),
            "handshakes": observed.handshakes,
            "handshakes_without_visible_certificates": observed.without_certs,
            "thresholds": {
                "min_rsa_bits": limits.min_rsa,
                "min_ec_bits": limits.min_ec,
                "weak_signature_algorithms": limits.weak_signatures,
            },
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if observed.without_certs:
            reasons.append(
                tr(
                    "{n} handshake(s) showed no certificate (TLS 1.3 encrypts it, or the capture missed it).",
                    n=observed.without_certs,
                )
            )
        return self._verdict(ctx, limits, findings, observed, reasons, indicators)

    def _observe(
        self,
        row: Row,
        cert: Row,
        position: int,
        device_is_client: bool,
        limits: Thresholds,
        observed: Observed,
    ) -> None:
        """Record one certificate of a chain and its problems (each certificate once, each handshake)."""
        key = "|".join(_text(cert, k) for k in ("subject", "issuer", "not_after", "key_bits"))
        server = peer(row)
        observed.seen.setdefault(
            key,
            {
                "subject": _text(cert, "subject"),
                "issuer": _text(cert, "issuer"),
                "not_after": _text(cert, "not_after"),
                "key_type": _text(cert, "key_type"),
                "key_bits": cert.get("key_bits"),
                "signature_algorithm": _text(cert, "signature_algorithm"),
                "server": server,
            },
        )
        for problem, severity, summary in self._judge(cert, position, device_is_client, limits, server):
            entry = observed.problems.setdefault(
                (key, problem),
                {
                    "severity": severity,
                    "summary": summary,
                    "subject": _text(cert, "subject"),
                    "server": server,
                },
            )
            entry.setdefault("rows", [])
            entry["rows"].append(row)

    def _verdict(
        self,
        ctx: EvidenceContext,
        limits: Thresholds,
        findings: list[Finding],
        observed: Observed,
        reasons: list[str],
        indicators: dict[str, Any],
    ) -> CheckResult:
        failing = [f for f in findings if f.severity is not Severity.INFO]
        if failing:
            lead = tr("{n} certificate problem(s) in the device's TLS handshakes.", n=len(failing))
            return self.result(ctx, Verdict.FAIL, [lead, *reasons], findings, indicators)
        if observed.handshakes == 0:
            return without_handshakes(self, ctx, reasons, indicators)
        if not observed.seen:
            lead = _(
                "TLS was seen but no certificate was visible: judge the server certificates by"
                " connecting to them, or capture a TLS 1.2 handshake."
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [lead, *reasons], findings, indicators)
        lead = tr(
            "{n} certificate(s) in {handshakes} handshake(s) are valid, with keys of at least"
            " RSA {rsa} / EC {ec} bits and strong signatures.",
            n=len(observed.seen),
            handshakes=observed.handshakes - observed.without_certs,
            rsa=limits.min_rsa,
            ec=limits.min_ec,
        )
        return self.result(ctx, Verdict.PASS, [lead, *reasons], findings, indicators)

    @staticmethod
    def _judge(
        cert: Row, position: int, device_is_client: bool, limits: Thresholds, server: str
    ) -> list[Problem]:
        """Each problem of one certificate, its summary naming the server of the handshake."""
        subject = repr(_text(cert, "subject") or _("(no subject)"))
        out: list[Problem] = []
        self_signed = bool(cert.get("self_signed"))
        if cert.get("expired"):
            when = _text(cert, "not_after")
            summary = (
                tr(
                    "Certificate {subject} expired ({date}). Server {server}.",
                    subject=subject,
                    date=when,
                    server=server,
                )
                if when
                else tr(
                    "Certificate {subject} expired (date unknown). Server {server}.",
                    subject=subject,
                    server=server,
                )
            )
            out.append(("expired", Severity.HIGH, summary))
        if position == 0 and self_signed:
            if device_is_client:
                summary = tr(
                    "The device accepted the self-signed server certificate {subject}. Server {server}.",
                    subject=subject,
                    server=server,
                )
                out.append(("self-signed", Severity.HIGH, summary))
            else:
                summary = tr(
                    "The device's own server presents the self-signed certificate {subject}."
                    " Server {server}.",
                    subject=subject,
                    server=server,
                )
                out.append(("self-signed-device", Severity.INFO, summary))
        key_type, bits = _text(cert, "key_type"), cert.get("key_bits")
        limit = limits.key_floor(key_type) if bits else 0
        if bits and limit and bits < limit:
            values = {
                "subject": subject,
                "bits": bits,
                "key_type": key_type,
                "limit": limit,
                "server": server,
            }
            summary = (
                tr(
                    "Certificate {subject} has a {bits}-bit {key_type} key (minimum {limit})."
                    " Server {server}.",
                    **values,
                )
                if key_type
                else tr(
                    "Certificate {subject} has a {bits}-bit public key (minimum {limit}). Server {server}.",
                    **values,
                )
            )
            out.append(("weak-key", Severity.HIGH, summary))
        algorithm = _text(cert, "signature_algorithm")
        squashed = algorithm.lower().replace("-", "").replace("_", "")
        hit = pattern_match(limits.weak_signatures, squashed) if algorithm else None
        if hit and not (self_signed and position > 0):
            summary = tr(
                "Certificate {subject} is signed with {algorithm} (weak: {pattern}). Server {server}.",
                subject=subject,
                algorithm=algorithm,
                pattern=repr(hit),
                server=server,
            )
            out.append(("weak-signature", Severity.HIGH, summary))
        return out

    @staticmethod
    def _finding(entry: Row) -> Finding:
        refs = tuple(ref(r, packet=r["packet"], note="TLS handshake") for r in entry["rows"][:MAX_REFS])
        return Finding(
            summary=entry["summary"],
            severity=entry["severity"],
            evidence=refs,
            data={"subject": entry["subject"], "server": entry["server"], "handshakes": len(entry["rows"])},
        )


CHECK = CertificateStrength
