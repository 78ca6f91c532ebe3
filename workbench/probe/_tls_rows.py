"""sslyze's results as rows of the `tls` and `tls_servers` tables (tables.yaml).

Everything taken from the device (certificate names) is made printable and cut; a scan command that
failed leaves its cells empty and says why in the row's `error`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from sslyze import ScanCommand, ScanCommandAttemptStatusEnum, ServerScanResult
from sslyze.plugins.robot.implementation import RobotScanResultEnum

from workbench.capture.certs import key_facts
from workbench.probe.clients_base import printable

TEST = "tls_scan"
NAME_CHARS = 500
ERROR_CHARS = 300

# protocol version (wire code) -> sslyze's scan command and its field in the results
VERSIONS: dict[int, ScanCommand] = {
    0x0200: ScanCommand.SSL_2_0_CIPHER_SUITES,
    0x0300: ScanCommand.SSL_3_0_CIPHER_SUITES,
    0x0301: ScanCommand.TLS_1_0_CIPHER_SUITES,
    0x0302: ScanCommand.TLS_1_1_CIPHER_SUITES,
    0x0303: ScanCommand.TLS_1_2_CIPHER_SUITES,
    0x0304: ScanCommand.TLS_1_3_CIPHER_SUITES,
}
SERVER_COMMANDS = {
    ScanCommand.CERTIFICATE_INFO,
    ScanCommand.HEARTBLEED,
    ScanCommand.ROBOT,
    ScanCommand.SESSION_RENEGOTIATION,
    ScanCommand.TLS_COMPRESSION,
}
VULNERABLE_ROBOT = {RobotScanResultEnum.VULNERABLE_WEAK_ORACLE, RobotScanResultEnum.VULNERABLE_STRONG_ORACLE}
SAFE_ROBOT = {
    RobotScanResultEnum.NOT_VULNERABLE_NO_ORACLE,
    RobotScanResultEnum.NOT_VULNERABLE_RSA_NOT_SUPPORTED,
}


def connectivity_error(result: ServerScanResult) -> str | None:
    """Why sslyze could not talk TLS to the port at all (reset, silence, not TLS), or None."""
    if result.scan_result is not None:
        return None
    trace = result.connectivity_error_trace
    reason = _exception_line(trace) if trace is not None else "no TLS connection"
    return "no TLS handshake: " + printable(reason, ERROR_CHARS)


def _exception_line(trace: Any) -> str:
    """`ServerRejectedConnection: 127.0.0.1:443 -> "..."`: the exception's last line, without its module."""
    line = "".join(trace.format_exception_only()).strip()
    return line.removeprefix("sslyze.errors.")


def version_row(
    port: int, version: int, result: ServerScanResult | None, error: str | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "test": TEST,
        "port": port,
        "version": version,
        "accepted": None,
        "cipher_suites": [],
    }
    if error is None and result is not None and result.scan_result is not None:
        attempt = getattr(result.scan_result, VERSIONS[version].value)
        if attempt.status == ScanCommandAttemptStatusEnum.COMPLETED:
            suites = [s.cipher_suite.name for s in attempt.result.accepted_cipher_suites]
            row.update(accepted=bool(suites), cipher_suites=suites)
            return row
        error = _attempt_error(attempt)
    row["error"] = error
    return row


def server_row(port: int, result: ServerScanResult | None, error: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {"test": TEST, "port": port}
    if error is not None or result is None or result.scan_result is None:
        row["error"] = error or "not tested"
        return row
    scan, problems = result.scan_result, []
    certificate = _value(scan.certificate_info, problems, "certificate")
    if certificate is not None:
        deployments = certificate.certificate_deployments
        if deployments and deployments[0].received_certificate_chain:
            row.update(_certificate(deployments[0].received_certificate_chain[0], problems))
        else:
            problems.append("certificate: the server sent none")
    heartbleed = _value(scan.heartbleed, problems, "heartbleed")
    row["heartbleed"] = heartbleed.is_vulnerable_to_heartbleed if heartbleed else None
    robot = _value(scan.robot, problems, "robot")
    robot_result = robot.robot_result if robot else None
    row["robot"] = True if robot_result in VULNERABLE_ROBOT else False if robot_result in SAFE_ROBOT else None
    renegotiation = _value(scan.session_renegotiation, problems, "renegotiation")
    row["insecure_renegotiation"] = (
        renegotiation.is_vulnerable_to_client_renegotiation_dos
        or not renegotiation.supports_secure_renegotiation
        if renegotiation
        else None
    )
    compression = _value(scan.tls_compression, problems, "compression")
    row["compression"] = compression.supports_compression if compression else None
    if problems:
        row["error"] = printable("; ".join(problems), ERROR_CHARS)
    return row


def _value(attempt: Any, problems: list[str], what: str) -> Any:
    if attempt.status == ScanCommandAttemptStatusEnum.COMPLETED:
        return attempt.result
    problems.append(f"{what}: {_attempt_error(attempt)}")
    return None


def _attempt_error(attempt: Any) -> str:
    if attempt.status == ScanCommandAttemptStatusEnum.NOT_SCHEDULED:
        return "not tested"
    trace = attempt.error_trace
    line = _exception_line(trace) if trace is not None else ""
    reason = attempt.error_reason.value if attempt.error_reason is not None else "error"
    return printable(f"{reason}: {line}" if line else reason, ERROR_CHARS)


def _certificate(cert: x509.Certificate, problems: list[str]) -> dict[str, Any]:
    """The leaf certificate's columns; a field that cannot be read is left empty and named."""
    subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    not_after = cert.not_valid_after_utc
    row: dict[str, Any] = {
        "subject": printable(subject, NAME_CHARS),
        "issuer": printable(issuer, NAME_CHARS),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": not_after.isoformat(),
        "self_signed": cert.subject == cert.issuer,
        "expired": not_after < datetime.now(UTC),
    }
    try:
        row["key_type"], row["key_bits"] = key_facts(cert.public_key())
    except (ValueError, TypeError) as exc:  # a key cryptography cannot load
        problems.append(f"certificate key: {exc}")
    try:
        hashed = cert.signature_hash_algorithm
        row["signature_algorithm"] = hashed.name if hashed else cert.signature_algorithm_oid._name
    except Exception as exc:  # noqa: BLE001 - an unknown algorithm raises UnsupportedAlgorithm
        problems.append(f"certificate signature: {exc}")
    return row
