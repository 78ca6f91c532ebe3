"""SEC-03: stored secrets are protected: password hashes and private keys not readable by every user."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    artefact_sha256,
    cap,
    file_index,
    flag,
    parse_mode,
    ref,
    table,
    text,
)
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.registry import register

_HASH_FILES = {"shadow", "shadow-", "gshadow", "gshadow-", "master.passwd", "tcb"}
_PRIVATE = {"private_key", "ssh_host_key"}


@register
class StoredSecretsProtected(FirmwareCheck):
    requirement_id = "SEC-03"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        files = file_index(ctx)
        secrets: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        for (artefact, path), row in files.items():
            if PurePosixPath(path).name in _HASH_FILES:
                secrets[(artefact, path)] = ("password hashes", row)
        for row in table(ctx, "accounts", ("source",)):
            source = text(row["source"])
            if source and PurePosixPath(source).name != "passwd":
                key = (text(row["artefact"]), source)
                secrets.setdefault(key, ("password hashes", files.get(key, row)))
        for row in table(ctx, "keys", ("path", "kind", "encrypted")):
            if text(row["kind"]).lower() in _PRIVATE:
                key = (text(row["artefact"]), text(row["path"]))
                what = "encrypted private key" if flag(row["encrypted"]) else "private key"
                secrets[key] = (what, files.get(key, row))

        findings: list[Finding] = []
        observed: list[dict[str, Any]] = []
        for (artefact, path), (what, _row) in sorted(secrets.items()):
            entry = files.get((artefact, path), {})
            if text(entry.get("type")).lower() in ("symlink", "link") or text(entry.get("link_target")):
                continue
            mode = parse_mode(entry.get("mode"))
            observed.append({"path": path, "holds": what, "mode": None if mode is None else f"{mode:04o}",
                             "uid": entry.get("uid")})
            if mode is not None and mode & 0o004:
                findings.append(Finding(
                    summary=f"{path} holds {what} and is readable by every user (mode {mode:04o})",
                    severity=Severity.HIGH,
                    evidence=(ref({"artefact": artefact, "sha256": artefact_sha256(ctx, artefact)},
                                  path=path, note=f"mode {mode:04o}"),),
                    data={"path": path, "holds": what, "mode": f"{mode:04o}"},
                ))
        indicators = {"observed": {"stored_secrets": observed}}
        if findings:
            reasons = [f.summary for f in findings]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        unknown = [o["path"] for o in observed if o["mode"] is None]
        reasons = [
            f"{len(observed)} file(s) holding password hashes or private keys, none readable by every user"
            if observed else "no shadow file or private key was found in the image",
        ]
        if unknown:
            reasons.append("the permissions of these could not be read: " + ", ".join(unknown))
        reasons.append(
            "the inspector judges how other secrets (Wi-Fi keys, cloud credentials, keys in flash "
            "partitions or secure elements) are protected on the device itself"
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)
