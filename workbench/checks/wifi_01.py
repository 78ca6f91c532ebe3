"""WIFI-01: wireless networks use current security (no WEP, no TKIP-only, no open networks unexplained).

The check reads the wireless configurations in the image: hostapd (`*.conf` with `interface=`/
`ssid=`), wpa_supplicant network blocks, and OpenWrt's /etc/config/wireless. WEP and TKIP-only
configurations use a cipher of the catalogue's `weak_ciphers` (WEP, TKIP) and fail; an open
network fails when `open_network_fails` is true (else it is an indicator: often a set-up
access point). `config_files` names the configuration files looked for (`hostapd-phy0.conf` counts as
`hostapd.conf`); OpenWrt's /etc/config/wireless is always read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, files_matching, image_lines, ref
from workbench.checks._procedural import declared, is_stated
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.i18n import _, tr

MAX_CONFIGS = 50
_CIPHER = {"open": "OPEN", "WEP": "WEP"}  # every other problem is a TKIP configuration


def _config_kind(path: str, names: list[str]) -> str | None:
    name = PurePosixPath(path).name.lower()
    if path.endswith("/etc/config/wireless"):
        return "openwrt"
    for wanted in names:
        stem, _dot, suffix = str(wanted).lower().rpartition(".")
        if name == wanted.lower() or (name.startswith(stem) and name.endswith("." + suffix)):
            return "wpa_supplicant" if stem.startswith("wpa_supplicant") else "hostapd"
    return None


def _assess_hostapd(values: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """(problem, line) for one hostapd/wpa_supplicant network, or None when it is current."""
    wep = next((values[k] for k in values if re.fullmatch(r"wep_key\d", k)), None)
    if wep:
        return "WEP", wep[1]
    key_mgmt = values.get("key_mgmt", ("", 0))
    if key_mgmt[0].upper() == "NONE":
        return "open", key_mgmt[1]
    wpa = values.get("wpa")
    if wpa is not None and wpa[0] == "1":
        return "WPA1 (TKIP)", wpa[1]
    pairwise = [values[k] for k in ("rsn_pairwise", "wpa_pairwise", "pairwise") if k in values]
    if pairwise and all(set(v.upper().split()) <= {"TKIP"} for v, _line in pairwise):
        return "TKIP only", pairwise[0][1]
    return None


@dataclass
class Networks:
    """The networks configured in the image, by what their security is."""

    findings: list[Finding] = field(default_factory=list)
    open: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)


class CurrentWirelessSecurity(FirmwareCheck):
    requirement_id = "WIFI-01"
    optional = frozenset({EvidenceKind.INSPECTOR, EvidenceKind.DECLARATION})
    parameters = ("weak_ciphers", "config_files", "open_network_fails", "wireless_tools")

    def networks(self, ctx: Any, row: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        """Each network a config defines: {values: {key: (value, line)}, first_line}."""
        lines = list(image_lines(ctx, row["artefact_sha256"], row["path"]))
        networks: list[dict[str, Any]] = []
        current: dict[str, tuple[str, int]] | None = {} if kind == "hostapd" else None
        start = 1
        for number, raw in lines:
            line = raw.split("#", 1)[0].strip() if kind != "openwrt" else raw.strip()
            if kind == "wpa_supplicant":
                if line.startswith("network=") and "{" in line:
                    current, start = {}, number
                    continue
                if line.startswith("}") and current is not None:
                    networks.append({"values": current, "line": start})
                    current = None
                    continue
            if kind == "openwrt":
                match = re.match(r"config\s+wifi-iface", line)
                if match:
                    current, start = {}, number
                    networks.append({"values": current, "line": start})
                    continue
                if line.startswith("config"):
                    current = None
                    continue
                opt = re.match(r"option\s+(\S+)\s+['\"]?([^'\"]*)['\"]?", line)
                if opt and current is not None:
                    current[opt.group(1)] = (opt.group(2), number)
                continue
            if "=" in line and current is not None:
                key, value = line.split("=", 1)
                current[key.strip()] = (value.strip().strip('"'), number)
        if kind == "hostapd" and current:
            networks.append({"values": current, "line": 1})
        return networks

    @staticmethod
    def assess(kind: str, values: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
        if kind != "openwrt":
            if kind == "hostapd" and "wpa" not in values and not any(k.startswith("wep_key") for k in values):
                return "open", values.get("ssid", ("", 1))[1]
            return _assess_hostapd(values)
        encryption, line = values.get("encryption", ("none", 0))
        enc = encryption.lower()
        if enc.startswith("wep"):
            return "WEP", line
        if enc in ("none", "", "owe-transition"):
            return "open", line
        if enc in ("psk", "wpa") or enc.endswith("+tkip") and "ccmp" not in enc:
            return "TKIP only" if "tkip" in enc else "WPA1 (TKIP)", line
        return None

    def judge(self, ctx: Any, configs: list[tuple[Row, str]], weak: set[str], open_fails: bool) -> Networks:
        """Each network of each configuration: current, open, or a finding."""
        found = Networks()
        for row, kind in configs:
            path = row["path"]
            for network in self.networks(ctx, row, kind):
                values = network["values"]
                ssid = values.get("ssid", ("", 0))[0] or "(no SSID)"  # as the finding's data says it
                shown = values.get("ssid", ("", 0))[0] or _("(no SSID)")
                problem = self.assess(kind, values)
                line = problem[1] if problem else network["line"]
                where = tr("{ssid} ({path} line {line})", ssid=shown, path=path, line=line)
                cipher = _CIPHER.get(problem[0], "TKIP") if problem else ""
                if problem is None or (cipher not in weak and cipher != "OPEN"):
                    found.current.append(where)
                    continue
                if cipher == "OPEN":
                    found.open.append(where)
                    if not open_fails:
                        continue
                if cipher == "OPEN":
                    summary = tr("wireless network {ssid} is open ({path})", ssid=shown, path=path)
                elif problem[0] == "TKIP only":
                    summary = tr("wireless network {ssid} uses TKIP only ({path})", ssid=shown, path=path)
                else:  # WEP, WPA1 (TKIP)
                    summary = tr(
                        "wireless network {ssid} uses {security} ({path})",
                        ssid=shown,
                        security=problem[0],
                        path=path,
                    )
                found.findings.append(
                    Finding(
                        summary=summary,
                        severity=Severity.HIGH,
                        evidence=(ref({**row, "line": problem[1]}, path=path),),
                        data={"ssid": ssid, "security": problem[0], "config": kind},
                    )
                )
        return found

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        names, wireless = params.lowered("config_files"), params.lowered("wireless_tools")
        rows = files_matching(ctx, lambda p: bool(_config_kind(p, names)))[:MAX_CONFIGS]
        configs = [(row, kind) for row in rows if (kind := _config_kind(row["path"], names))]
        tools = sorted(
            {r["path"] for r in files_matching(ctx, lambda p: PurePosixPath(p).name.lower() in wireless)}
        )
        weak = {w.upper() for w in params.lowered("weak_ciphers")}
        found = self.judge(ctx, configs, weak, params.get("open_network_fails") is True)
        declaration = ctx.declaration
        indicators = {
            "declared": {
                "wireless": declared(declaration, "wireless") if is_stated(declaration, "wireless") else None
            },
            "observed": {
                "configs": [r["path"] for r, _kind in configs],
                "wireless_tools": tools,
                "weak": [f.summary for f in found.findings],
                "open": found.open,
                "current": found.current,
            },
        }
        if found.findings:
            reasons = [f.summary for f in found.findings] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(found.findings, reasons), indicators)
        declared_none = is_stated(declaration, "wireless") and not declaration.wireless
        if not configs and not tools and declared_none:
            reason = _(
                "the declaration states no wireless interface and the image has no wireless configuration"
                " or tool"
            )
            return self.result(ctx, Verdict.NOT_APPLICABLE, [reason], indicators=indicators)
        reasons = self._open_questions(found, configs, tools, declared_none)
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)

    @staticmethod
    def _open_questions(
        found: Networks, configs: list[Any], tools: list[str], declared_none: bool
    ) -> list[str]:
        reasons = []
        if found.current:
            reasons.append(
                tr("wireless networks with current security: {networks}", networks=", ".join(found.current))
            )
        if found.open:
            reasons.append(
                tr(
                    "open wireless networks (set-up access point?): {networks}",
                    networks=", ".join(found.open),
                )
            )
        if not configs and tools:
            reasons.append(
                tr(
                    "no wireless configuration in the image; wireless tools present: {tools}",
                    tools=", ".join(tools),
                )
            )
        elif not configs:
            reasons.append(_("no wireless configuration in the image"))
        if declared_none and (configs or tools):
            reasons.append(
                _(
                    "the declaration states no wireless interface, but the image has wireless "
                    "configuration or tools"
                )
            )
        reasons.append(
            _(
                "the inspector checks the security the device offers and accepts on its wireless "
                "interfaces (WPA2/WPA3 only; set-up network protected or time-limited)"
            )
        )
        return reasons


CHECK = CurrentWirelessSecurity
