"""WIFI-01: wireless networks use current security (no WEP, no TKIP-only, no open networks unexplained).

The check reads the wireless configurations in the image: hostapd (`*.conf` with `interface=`/
`ssid=`), wpa_supplicant network blocks, and OpenWrt's /etc/config/wireless. WEP and TKIP-only
configurations use a cipher of the catalogue's `weak_ciphers` (WEP, TKIP) and fail; an open
network fails when `open_network_fails` is true (by default it is an indicator: often a set-up
access point). `config_files` names the configuration files looked for (`hostapd-phy0.conf` counts as
`hostapd.conf`); OpenWrt's /etc/config/wireless is always read.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    cap,
    default_note,
    files_matching,
    image_lines,
    parameter_list,
    ref,
    text,
)
from workbench.checks._procedural import declared, is_stated
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.page import Page, table_cell

MAX_CONFIGS = 50
DEFAULT_WEAK = ("WEP", "TKIP")
DEFAULT_CONFIG_FILES = ("wpa_supplicant.conf", "hostapd.conf")
_CIPHER = {"open": "OPEN", "WEP": "WEP"}  # every other problem is a TKIP configuration
DEFAULT_WIRELESS_TOOLS = ("hostapd", "wpa_supplicant", "iwconfig", "iw", "wpa_cli")


def _config_kind(path: str, names: Any = DEFAULT_CONFIG_FILES) -> str | None:
    name = PurePosixPath(path).name.lower()
    if path.endswith("/etc/config/wireless"):
        return "openwrt"
    for wanted in names:
        stem, _, suffix = str(wanted).lower().rpartition(".")
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
    if pairwise and all(set(v.upper().split()) <= {"TKIP"} for v, _ in pairwise):
        return "TKIP only", pairwise[0][1]
    return None


class CurrentWirelessSecurity(FirmwareCheck):
    requirement_id = "WIFI-01"
    optional = frozenset({EvidenceKind.INSPECTOR, EvidenceKind.DECLARATION})

    def networks(self, ctx: Any, row: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        """Each network a config defines: {values: {key: (value, line)}, first_line}."""
        lines = list(image_lines(ctx, text(row["artefact_sha256"]), text(row["path"])))
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

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        weak, weak_default = parameter_list(ctx, "weak_ciphers", DEFAULT_WEAK)
        weak_set = {w.upper() for w in weak}
        names, names_default = parameter_list(ctx, "config_files", DEFAULT_CONFIG_FILES)
        raw_open = ctx.parameters.get("open_network_fails")
        wireless, wireless_default = parameter_list(ctx, "wireless_tools", DEFAULT_WIRELESS_TOOLS)
        open_fails = raw_open is True  # default: an open network is an indicator (a set-up access point?)
        defaults = (
            ("weak_ciphers", weak_default),
            ("config_files", names_default),
            ("open_network_fails", raw_open is None),
            ("wireless_tools", wireless_default),
        )
        notes = default_note([n for n, d in defaults if d])
        rows = files_matching(ctx, lambda p: bool(_config_kind(p, names)))[:MAX_CONFIGS]
        configs = [(row, kind) for row in rows if (kind := _config_kind(text(row["path"]), names))]
        sha_by_name = {a.name: a.sha256 for a in ctx.artefacts(EvidenceKind.FIRMWARE)}
        def is_tool(path: str) -> bool:
            return PurePosixPath(path).name.lower() in wireless

        tools = sorted({text(r["path"]) for r in files_matching(ctx, is_tool)})
        findings: list[Finding] = []
        open_networks: list[str] = []
        current: list[str] = []
        for row, kind in configs:
            row = {**row, "artefact_sha256": sha_by_name.get(text(row["artefact"]), "")}
            for network in self.networks(ctx, row, kind):
                values = network["values"]
                ssid = values.get("ssid", ("", 0))[0] or "(no SSID)"
                problem = self.assess(kind, values)
                where = f"{text(row['path'])} line {problem[1] if problem else network['line']}"
                cipher = _CIPHER.get(problem[0], "TKIP") if problem else ""
                if problem is None or (cipher not in weak_set and cipher != "OPEN"):
                    current.append(f"{ssid} ({where})")
                elif cipher == "OPEN" and not open_fails:
                    open_networks.append(f"{ssid} ({where})")
                else:
                    if cipher == "OPEN":
                        open_networks.append(f"{ssid} ({where})")
                    findings.append(
                        Finding(
                            summary=f"wireless network {ssid} is {problem[0]} ({text(row['path'])})"
                            if cipher == "OPEN"
                            else f"wireless network {ssid} uses {problem[0]} ({text(row['path'])})",
                            severity=Severity.HIGH,
                            evidence=(
                                ref(
                                    {
                                        "artefact": row["artefact"],
                                        "artefact_sha256": row["artefact_sha256"],
                                        "line": problem[1],
                                    },
                                    path=text(row["path"]),
                                ),
                            ),
                            data={"ssid": ssid, "security": problem[0], "config": kind},
                        )
                    )
        declaration = ctx.declaration
        indicators = {
            "declared": {
                "wireless": declared(declaration, "wireless") if is_stated(declaration, "wireless") else None
            },
            "observed": {
                "configs": [text(r["path"]) for r, _ in configs],
                "wireless_tools": tools,
                "weak": [f.summary for f in findings],
                "open": open_networks,
                "current": current,
            },
        }
        if findings:
            reasons = [f.summary for f in findings] + notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        declared_none = is_stated(declaration, "wireless") and not declaration.wireless
        if not configs and not tools and declared_none:
            return self.result(
                ctx,
                Verdict.NOT_APPLICABLE,
                [
                    "the declaration states no wireless interface and the image has no wireless configuration"
                    " or tool",
                ],
                indicators=indicators,
            )
        reasons = []
        if current:
            reasons.append("wireless networks with current security: " + ", ".join(current))
        if open_networks:
            reasons.append("open wireless networks (set-up access point?): " + ", ".join(open_networks))
        if not configs:
            reasons.append(
                "no wireless configuration in the image"
                + (f"; wireless tools present: {', '.join(tools)}" if tools else "")
            )
        if declared_none and (configs or tools):
            reasons.append(
                "the declaration states no wireless interface, but the image has wireless "
                "configuration or tools"
            )
        reasons.append(
            "the inspector checks the security the device offers and accepts on its wireless "
            "interfaces (WPA2/WPA3 only; set-up network protected or time-limited)"
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + notes, indicators=indicators)


CHECK = CurrentWirelessSecurity

# The notebook page of WIFI-01: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="WEP, TKIP and open networks are broken or unprotected. The check reads the wireless "
    "configurations in the image (`wpa_supplicant`, `hostapd`).",
    steps=[
        (
            "Wireless configuration files in the image:",
            table_cell(
                "wireless",
                "firmware",
                "files",
                ["path", "size", "mode", "sha256"],
                "Wireless configuration files",
                where={"path~": r"wpa_supplicant|hostapd"},
            ),
        )
    ],
    declared=["wireless"],
    procedure=True,
)
