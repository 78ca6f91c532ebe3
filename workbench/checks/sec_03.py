"""SEC-03: stored secrets are protected: password hashes and private keys not readable by every user.

A file holds a secret when it is a password-hash file (shadow, gshadow, master.passwd, or the
source of accounts other than passwd), a private or host key (the engine's `keys` table), or it
lies under one of the catalogue's `sensitive_paths` and is not public material (a `.pub`,
certificate or public key, or an ssh/ssl configuration file). Such a file with any of the
`forbidden_mode_bits` set (0004 in the 2026.1 edition: readable by every user) fails the requirement.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, file_index, parse_mode, ref
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict

_HASH_FILES = {"shadow", "shadow-", "gshadow", "gshadow-", "master.passwd"}
_PUBLIC = re.compile(r"(\.pub|\.crt|\.cer|\.der|_config|\.conf|moduli|authorized_keys|known_hosts)$", re.I)


def _mode_bits(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        return 0o004  # an unreadable catalogue value: readable by every user


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def stored_secrets(
    ctx: Any, files: dict[tuple[str, str], Row], sensitive: list[str]
) -> dict[tuple[str, str], str]:
    """(artefact, path) -> what the file holds, for every file that holds a secret."""
    public = {
        (r["artefact"], r["path"] or "")
        for r in ctx.firmware_rows("keys", ("path", "kind"))
        if (r["kind"] or "").lower() in ("certificate", "public_key")
    }
    secrets: dict[tuple[str, str], str] = {}
    for (artefact, path), row in files.items():
        if row["type"] in ("directory", "symlink") or row["link_target"]:
            continue
        if PurePosixPath(path).name in _HASH_FILES:
            secrets[(artefact, path)] = "password hashes"
        elif _under(path, sensitive) and not _PUBLIC.search(path) and (artefact, path) not in public:
            secrets[(artefact, path)] = "sensitive material"
    for row in ctx.firmware_rows("accounts", ("source", "hash_scheme")):
        source = row["source"] or ""
        if source and PurePosixPath(source).name != "passwd":
            plain = (row["hash_scheme"] or "").lower() == "plaintext"
            secrets[(row["artefact"], source)] = "a clear-text password" if plain else "password hashes"
    for row in ctx.firmware_rows("keys", ("path", "kind", "encrypted")):
        if (row["kind"] or "").lower() in ("private_key", "ssh_host_key"):
            key = (row["artefact"], row["path"] or "")
            secrets[key] = "an encrypted private key" if row["encrypted"] else "a private key"
    return secrets


class StoredSecretsProtected(FirmwareCheck):
    requirement_id = "SEC-03"
    parameters = ("sensitive_paths", "forbidden_mode_bits")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        forbidden = _mode_bits(params.get("forbidden_mode_bits"))
        files = file_index(ctx)
        image_sha256 = {a.name: a.sha256 for a in ctx.artefacts(EvidenceKind.FIRMWARE)}
        findings: list[Finding] = []
        observed: list[dict[str, Any]] = []
        for (artefact, path), what in sorted(
            stored_secrets(ctx, files, params.lowered("sensitive_paths")).items()
        ):
            entry = files.get((artefact, path), {})
            mode = parse_mode(entry.get("mode"))
            shown = None if mode is None else f"{mode:04o}"
            observed.append({"path": path, "holds": what, "mode": shown, "uid": entry.get("uid")})
            if mode is not None and mode & forbidden:
                image = {"artefact": artefact, "artefact_sha256": image_sha256.get(artefact, "")}
                findings.append(
                    Finding(
                        summary=f"{path} holds {what} and its mode {shown} lets other users read it",
                        severity=Severity.HIGH,
                        evidence=(ref(image, path=path, note=f"mode {shown}"),),
                        data={"path": path, "holds": what, "mode": shown},
                    )
                )
        indicators = {"observed": {"stored_secrets": observed}, "forbidden_mode_bits": f"{forbidden:04o}"}
        if findings:
            reasons = [f.summary for f in findings] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        unknown = [o["path"] for o in observed if o["mode"] is None]
        reasons = [
            f"{len(observed)} file(s) holding password hashes or private keys, none readable by other users"
            if observed
            else "no shadow file or private key was found in the image",
        ]
        if unknown:
            reasons.append("the permissions of these could not be read: " + ", ".join(unknown))
        reasons.append(
            "the inspector judges how other secrets (Wi-Fi keys, cloud credentials, keys in flash "
            "partitions or secure elements) are protected on the device itself"
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)


CHECK = StoredSecretsProtected
