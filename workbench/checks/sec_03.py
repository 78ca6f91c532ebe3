"""SEC-03: stored secrets are protected: password hashes and private keys not readable by every user.

A file holds a secret when it is a password-hash file (shadow, gshadow, master.passwd, or the
source of accounts other than passwd), a private or host key (the engine's `keys` table), or it
lies under one of the catalogue's `sensitive_paths` and is not public material (a `.pub`,
certificate or public key, or an ssh/ssl configuration file). Such a file with any of the
`forbidden_mode_bits` set (default 0004: readable by every user) fails the requirement.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    artefact_sha256,
    cap,
    default_note,
    file_index,
    flag,
    parameter_list,
    parse_mode,
    ref,
    table,
    text,
)
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.page import Page

DEFAULT_SENSITIVE = ("/etc/shadow", "/etc/gshadow", "/etc/ssl/private", "/etc/dropbear", "/etc/ssh")
_HASH_FILES = {"shadow", "shadow-", "gshadow", "gshadow-", "master.passwd"}
_PUBLIC = re.compile(r"(\.pub|\.crt|\.cer|\.der|_config|\.conf|moduli|authorized_keys|known_hosts)$", re.I)


def _mode_bits(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        return 0o004


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in prefixes)


class StoredSecretsProtected(FirmwareCheck):
    requirement_id = "SEC-03"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        sensitive, sensitive_default = parameter_list(ctx, "sensitive_paths", DEFAULT_SENSITIVE)
        raw_bits = ctx.parameters.get("forbidden_mode_bits")
        forbidden = _mode_bits(raw_bits) if raw_bits is not None else 0o004
        files = file_index(ctx)
        public = {
            (text(r["artefact"]), text(r["path"]))
            for r in table(ctx, "keys", ("path", "kind"))
            if text(r["kind"]).lower() in ("certificate", "public_key")
        }
        secrets: dict[tuple[str, str], str] = {}
        for (artefact, path), row in files.items():
            kind = text(row.get("type")).lower()
            if kind in ("directory", "dir", "symlink", "link") or text(row.get("link_target")):
                continue
            if PurePosixPath(path).name in _HASH_FILES:
                secrets[(artefact, path)] = "password hashes"
            elif _under(path, sensitive) and not _PUBLIC.search(path) and (artefact, path) not in public:
                secrets[(artefact, path)] = "sensitive material"
        for row in table(ctx, "accounts", ("source", "hash_scheme")):
            source = text(row["source"])
            if source and PurePosixPath(source).name != "passwd":
                plain = text(row["hash_scheme"]).lower() == "plaintext"
                secrets[(text(row["artefact"]), source)] = (
                    "a clear-text password" if plain else "password hashes"
                )
        for row in table(ctx, "keys", ("path", "kind", "encrypted")):
            if text(row["kind"]).lower() in ("private_key", "ssh_host_key"):
                key = (text(row["artefact"]), text(row["path"]))
                secrets[key] = "an encrypted private key" if flag(row["encrypted"]) else "a private key"

        findings: list[Finding] = []
        observed: list[dict[str, Any]] = []
        for (artefact, path), what in sorted(secrets.items()):
            entry = files.get((artefact, path), {})
            mode = parse_mode(entry.get("mode"))
            observed.append(
                {
                    "path": path,
                    "holds": what,
                    "mode": None if mode is None else f"{mode:04o}",
                    "uid": entry.get("uid"),
                }
            )
            if mode is not None and mode & forbidden:
                findings.append(
                    Finding(
                        summary=f"{path} holds {what} and its mode {mode:04o} lets other users read it",
                        severity=Severity.HIGH,
                        evidence=(
                            ref(
                                {"artefact": artefact, "artefact_sha256": artefact_sha256(ctx, artefact)},
                                path=path,
                                note=f"mode {mode:04o}",
                            ),
                        ),
                        data={"path": path, "holds": what, "mode": f"{mode:04o}"},
                    )
                )
        indicators = {"observed": {"stored_secrets": observed}, "forbidden_mode_bits": f"{forbidden:04o}"}
        notes = default_note(
            [
                n
                for n, d in (
                    ("sensitive_paths", sensitive_default),
                    ("forbidden_mode_bits", raw_bits is None),
                )
                if d
            ]
        )
        if findings:
            reasons = [f.summary for f in findings] + notes
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
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + notes, indicators=indicators)


CHECK = StoredSecretsProtected

# The notebook page of SEC-03: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Secrets the device must store (password hashes, keys) should be readable only by "
    "the processes that need them.",
    steps=[
        (
            "`world_readable` true means any process on the device, however unprivileged, can read "
            "the file.",
            "sensitive = ui.show_sensitive_files(session)",
        )
    ],
    procedure=True,
)
