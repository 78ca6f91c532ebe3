"""UPD-02: updates are fetched over an authenticated, encrypted channel.

Fails on a firmware download in clear in the capture (HTTP, FTP, TFTP), on an update URL with
such a scheme in the firmware, or on a declaration naming such a transport. Passes only on
positive evidence of a protected channel: a firmware update URL over TLS, an encrypted
download, or TLS to the declared update host; otherwise there is nothing to judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from workbench.checks._network import (
    capture_or_firmware_missing,
    declaration_ref,
    device_flows,
    device_of,
    host_matches,
    packet_refs,
    ref,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.enginetext import detail_text
from workbench.i18n import _, tr

_FIRMWARE_SUFFIXES = (".bin", ".img", ".fw", ".trx", ".chk", ".pkg", ".swu", ".ubi", ".zip", ".tar", ".gz",
                      ".tgz", ".xz", ".squashfs", ".uimage", ".rom", ".hex")  # fmt: skip
_TLS_SCHEMES = ("https", "ftps")


def _scheme(url: str) -> str:
    return urlsplit(url).scheme.lower() if "://" in url else ""


@dataclass
class Observed:
    """What the evidence shows of the update channel."""

    insecure: list[str]  # the catalogue's insecure transports
    findings: list[Finding] = field(default_factory=list)
    secure: list[str] = field(default_factory=list)  # positive evidence of a protected channel (the reason's)
    seen: dict[str, list[str]] = field(
        default_factory=lambda: {"insecure_downloads": [], "secure_fetches": [], "firmware_urls": []}
    )


class UpdateChannel(Check):
    requirement_id = "UPD-02"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.FIRMWARE, EvidenceKind.DECLARATION})
    parameters = ("insecure_transports",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        if missing := capture_or_firmware_missing(
            self, ctx, _("a capture of an update, or the firmware image,")
        ):
            return missing
        has_capture, has_firmware = ctx.has(EvidenceKind.CAPTURE), ctx.has(EvidenceKind.FIRMWARE)
        params = self.params(ctx)
        observed = Observed(params.lowered("insecure_transports"))
        update = ctx.declaration.update if ctx.declaration is not None else None
        declared_url = (update.url if update else None) or ""
        declared_host = (urlsplit(declared_url).hostname or "") if "://" in declared_url else ""
        if has_capture:
            self._downloads(ctx, declared_host, observed)
            if declared_host:
                self._tls_to_update_host(ctx, declared_host, observed)
        if has_firmware:
            self._firmware_urls(ctx, observed)
        self._declared(ctx, update.transport if update else None, declared_url, observed)
        indicators: dict[str, Any] = {
            "declared_update": {
                "transport": ((update.transport if update else None) or "").lower() or None,
                "url": declared_url or None,
                "signed": update.signed if update is not None else None,
            },
            "observed_update": observed.seen,
            "insecure_transports": observed.insecure,
        }
        reasons = list(params.notes)
        if observed.findings:
            found = len(observed.findings)
            lead = tr("Updates travel over an unprotected channel ({n} finding(s)).", n=found)
            return self.result(ctx, Verdict.FAIL, [lead, *reasons], observed.findings, indicators)
        if observed.secure:
            lead = tr("Updates are fetched over TLS: {channels}.", channels="; ".join(observed.secure[:4]))
            return self.result(ctx, Verdict.PASS, [lead, *reasons], indicators=indicators)
        lead = _(
            "No update fetch was seen in the capture and no update URL was found in the firmware:"
            " trigger an update while capturing, or declare the update URL."
        )
        return self.result(ctx, Verdict.INCONCLUSIVE, [lead, *reasons], indicators=indicators)

    @staticmethod
    def _declared(ctx: EvidenceContext, transport: str | None, url: str, observed: Observed) -> None:
        """A declaration naming a transport or URL in clear (one finding at most)."""
        transport = (transport or "").lower()
        for value, what in ((transport, "transport"), (_scheme(url), "url")):
            if value and value in observed.insecure:
                summary = (
                    tr("The declaration names an update transport in clear: {value}.", value=url or value)
                    if what == "transport"
                    else tr("The declaration names an update url in clear: {value}.", value=url or value)
                )
                observed.findings.append(
                    Finding(
                        summary=summary,
                        severity=Severity.HIGH,
                        evidence=(declaration_ref(ctx, f"update.{what}"),),
                        data={"declared": url if what == "url" else value},
                    )
                )
                return

    @staticmethod
    def _downloads(ctx: EvidenceContext, declared_host: str, observed: Observed) -> None:
        """Firmware downloads in the capture: in clear (a finding) or protected."""
        columns = ("packets", "protocol", "server_ip", "host", "path", "size", "magic", "looks_like_firmware",
                   "encrypted", "reason")  # fmt: skip
        for row in ctx.capture_rows("downloads", columns):
            protocol = (row["protocol"] or "").lower()
            path = row["path"] or ""
            host = row["host"] or row["server_ip"] or ""
            firmware = (
                row["looks_like_firmware"]
                or path.lower().endswith(_FIRMWARE_SUFFIXES)
                or bool(declared_host and host_matches(host, declared_host))
            )
            if not firmware:
                continue
            url = f"{protocol}://{host}{path if path.startswith('/') or not path else '/' + path}"
            if row["encrypted"] or protocol not in observed.insecure:
                observed.secure.append(tr("download {url}", url=url))
                observed.seen["secure_fetches"].append(url)
                continue
            observed.seen["insecure_downloads"].append(url)
            size = "" if row["size"] is None else str(row["size"])
            values = {"protocol": protocol.upper(), "url": url, "size": size or "?"}
            summary = (
                tr("The device downloads firmware over {protocol} in clear: {url} ({size} bytes; {reason}).",
                   reason=detail_text(row["reason"]), **values)  # the capture engine's notes
                if row["reason"]
                else tr("The device downloads firmware over {protocol} in clear: {url} ({size} bytes; looks"
                        " like firmware).", **values)
            )  # fmt: skip
            observed.findings.append(
                Finding(
                    summary=summary,
                    severity=Severity.HIGH,
                    evidence=packet_refs(row, row["packets"] or (), note=f"{protocol} firmware download"),
                    data={
                        "url": url,
                        "protocol": protocol,
                        "server_ip": row["server_ip"] or "",
                        "magic": row["magic"] or "",
                        "size": size,
                    },
                )
            )

    @staticmethod
    def _tls_to_update_host(ctx: EvidenceContext, declared_host: str, observed: Observed) -> None:
        """An encrypted flow to the declared update host: positive evidence of a protected channel."""
        columns = ("server_port", "sni", "server_name", "encrypted")
        for row in device_flows(ctx, device_of(ctx), "client", columns):
            names = [row["sni"] or "", row["server_name"] or ""]
            if row["encrypted"] and any(n and host_matches(n, declared_host) for n in names):
                name = next(n for n in names if n)
                observed.secure.append(tr("TLS to the declared update host {name}", name=name))
                observed.seen["secure_fetches"].append(f"tls://{name}:{row['server_port']}")
                return

    @staticmethod
    def _firmware_urls(ctx: EvidenceContext, observed: Observed) -> None:
        """Update URLs written in the image: in clear (a finding) or over TLS."""
        for row in ctx.firmware_rows("update", ("kind", "path", "value", "secure", "detail")):
            if (row["kind"] or "").lower() != "url":
                continue
            value = row["value"] or ""
            scheme = _scheme(value)
            observed.seen["firmware_urls"].append(value)
            if scheme in observed.insecure or (row["secure"] is False and scheme not in _TLS_SCHEMES):
                summary = (
                    tr("The firmware fetches updates from {url}, a URL in clear ({path}).", url=repr(value),
                       path=row["path"])
                    if row["path"]
                    else tr("The firmware fetches updates from {url}, a URL in clear (path unknown).",
                            url=repr(value))
                )  # fmt: skip
                observed.findings.append(
                    Finding(
                        summary=summary,
                        severity=Severity.HIGH,
                        evidence=(ref(row, path=row["path"], note="update URL"),),
                        data={"url": value, "path": row["path"] or "", "detail": row["detail"] or ""},
                    )
                )
            elif scheme in _TLS_SCHEMES or row["secure"]:
                observed.secure.append(tr("firmware update URL {url}", url=value))


CHECK = UpdateChannel
