"""UPD-02: updates are fetched over an authenticated, encrypted channel.

Fails on a firmware download in clear in the capture (HTTP, FTP, TFTP), on an update URL with
such a scheme in the firmware, or on a declaration naming such a transport. Passes only on
positive evidence of a protected channel: a firmware update URL over TLS, an encrypted
download, or TLS to the declared update host; otherwise there is nothing to judge.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from workbench.checks._network import (
    as_bool,
    declaration_ref,
    device_flows,
    device_of,
    host_matches,
    packet_refs,
    packets_of,
    ref,
    rows,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import UPDATE_VIEW, Page, table_cell

_FIRMWARE_SUFFIXES = (
    ".bin",
    ".img",
    ".fw",
    ".trx",
    ".chk",
    ".pkg",
    ".swu",
    ".ubi",
    ".zip",
    ".tar",
    ".gz",
    ".tgz",
    ".xz",
    ".squashfs",
    ".uimage",
    ".rom",
    ".hex",
)
_DOWNLOAD_COLUMNS = (
    "packets",
    "protocol",
    "client_ip",
    "server_ip",
    "server_port",
    "host",
    "path",
    "content_type",
    "size",
    "magic",
    "looks_like_firmware",
    "encrypted",
    "reason",
)
_UPDATE_COLUMNS = ("kind", "path", "value", "secure", "detail")


def _scheme(url: str) -> str:
    return urlsplit(url).scheme.lower() if "://" in url else ""


class UpdateChannel(Check):
    requirement_id = "UPD-02"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.FIRMWARE, EvidenceKind.DECLARATION})
    parameters = ("insecure_transports",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        has_capture, has_firmware = ctx.has(EvidenceKind.CAPTURE), ctx.has(EvidenceKind.FIRMWARE)
        if not (has_capture or has_firmware):
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "missing evidence: a capture of an update, or the firmware image, is needed to"
                    " evaluate this requirement"
                ],
            )
        params = self.params(ctx)
        insecure = params.lowered("insecure_transports")
        update = getattr(ctx.declaration, "update", None) if ctx.declaration is not None else None
        declared_url = text(getattr(update, "url", None))
        declared_transport = text(getattr(update, "transport", None)).lower()
        declared_host = urlsplit(declared_url).hostname or "" if "://" in declared_url else ""
        findings: list[Finding] = []
        secure_evidence: list[str] = []
        observed: dict[str, list[str]] = {"insecure_downloads": [], "secure_fetches": [], "firmware_urls": []}
        if has_capture:
            self._capture(ctx, insecure, declared_host, findings, secure_evidence, observed)
        if has_firmware:
            self._firmware(ctx, insecure, findings, secure_evidence, observed)
        for value, what in ((declared_transport, "transport"), (_scheme(declared_url), "url")):
            if value and value in insecure:
                findings.append(
                    Finding(
                        summary=f"The declaration names an update {what} in clear: {declared_url or value}.",
                        severity=Severity.HIGH,
                        evidence=(declaration_ref(ctx, f"update.{what}"),),
                        data={"declared": declared_url if what == "url" else value},
                    )
                )
                break
        indicators: dict[str, Any] = {
            "declared_update": {
                "transport": declared_transport or None,
                "url": declared_url or None,
                "signed": as_bool(getattr(update, "signed", None)) if update is not None else None,
            },
            "observed_update": observed,
            "insecure_transports": insecure,
        }
        reasons = list(params.notes)
        if findings:
            return self.result(
                ctx,
                Verdict.FAIL,
                [f"Updates travel over an unprotected channel ({len(findings)} finding(s)).", *reasons],
                findings,
                indicators,
            )
        if secure_evidence:
            return self.result(
                ctx,
                Verdict.PASS,
                ["Updates are fetched over TLS: " + "; ".join(secure_evidence[:4]) + ".", *reasons],
                indicators=indicators,
            )
        return self.result(
            ctx,
            Verdict.INCONCLUSIVE,
            [
                "No update fetch was seen in the capture and no update URL was found in the firmware:"
                " trigger an update while capturing, or declare the update URL.",
                *reasons,
            ],
            indicators=indicators,
        )

    @staticmethod
    def _capture(
        ctx: EvidenceContext,
        insecure: list[str],
        declared_host: str,
        findings: list[Finding],
        secure: list[str],
        observed: dict[str, list[str]],
    ) -> None:
        for row in rows(ctx.capture_table("downloads"), _DOWNLOAD_COLUMNS):
            protocol = text(row["protocol"]).lower()
            path = text(row["path"])
            host = text(row["host"]) or text(row["server_ip"])
            firmware = (
                as_bool(row["looks_like_firmware"])
                or path.lower().endswith(_FIRMWARE_SUFFIXES)
                or bool(declared_host and host_matches(host, declared_host))
            )
            if not firmware:
                continue
            url = f"{protocol}://{host}{path if path.startswith('/') or not path else '/' + path}"
            if as_bool(row["encrypted"]) or protocol not in insecure:
                secure.append(f"download {url}")
                observed["secure_fetches"].append(url)
                continue
            observed["insecure_downloads"].append(url)
            packets = packets_of(row["packets"])
            findings.append(
                Finding(
                    summary=f"The device downloads firmware over {protocol.upper()} in clear: {url}"
                    f" ({text(row['size']) or '?'} bytes; {text(row['reason']) or 'looks like firmware'}).",
                    severity=Severity.HIGH,
                    evidence=packet_refs(row, packets, note=f"{protocol} firmware download"),
                    data={
                        "url": url,
                        "protocol": protocol,
                        "server_ip": text(row["server_ip"]),
                        "magic": text(row["magic"]),
                        "size": text(row["size"]),
                    },
                )
            )
        if declared_host:
            device = device_of(ctx)
            for row in device_flows(ctx, device, "client"):
                names = [text(row["sni"]), text(row["server_name"])]
                if as_bool(row["encrypted"]) and any(n and host_matches(n, declared_host) for n in names):
                    name = next(n for n in names if n)
                    secure.append(f"TLS to the declared update host {name}")
                    observed["secure_fetches"].append(f"tls://{name}:{text(row['server_port'])}")
                    break

    @staticmethod
    def _firmware(
        ctx: EvidenceContext,
        insecure: list[str],
        findings: list[Finding],
        secure: list[str],
        observed: dict[str, list[str]],
    ) -> None:
        for row in rows(ctx.firmware_table("update"), _UPDATE_COLUMNS):
            if text(row["kind"]).lower() != "url":
                continue
            value = text(row["value"])
            scheme = _scheme(value)
            observed["firmware_urls"].append(value)
            flagged = as_bool(row["secure"])
            if scheme in insecure or (flagged is False and scheme not in ("https", "ftps")):
                findings.append(
                    Finding(
                        summary=f"The firmware fetches updates from {value!r}, a URL in clear"
                        f" ({text(row['path']) or 'path unknown'}).",
                        severity=Severity.HIGH,
                        evidence=(ref(row, path=row["path"], note="update URL"),),
                        data={"url": value, "path": text(row["path"]), "detail": text(row["detail"])},
                    )
                )
            elif scheme in ("https", "ftps") or flagged:
                secure.append(f"firmware update URL {value}")


CHECK = UpdateChannel

# The notebook page of UPD-02: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="An update fetched over plain HTTP, FTP or TFTP can be replaced on the way. Two sources: "
    "downloads seen in the capture, and update URLs written in the image.",
    steps=[
        (
            "Downloads in the capture: `looks_like_firmware` (path, content type, size and magic "
            "bytes) and `encrypted` decide.",
            table_cell(
                "downloads",
                "capture",
                "downloads",
                [
                    "packets",
                    "protocol",
                    "host",
                    "path",
                    "content_type",
                    "size",
                    "magic",
                    "looks_like_firmware",
                    "encrypted",
                    "reason",
                ],
                "Downloads seen in the capture",
            ),
        ),
        (
            "Update URLs in the image: `secure` false is an `http://`, `ftp://` or `tftp://` URL.",
            table_cell(
                "urls",
                "firmware",
                "update",
                UPDATE_VIEW,
                "Update URLs in the image",
                where={"kind": "url"},
            ),
        ),
    ],
    declared=["update"],
)
