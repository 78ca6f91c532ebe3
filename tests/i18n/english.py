"""Find untranslated English in a text meant to be Japanese (shared by the language tests).

A run is three or more consecutive English words. Not words: identifiers (snake_case, dotted, with
digits or '/', ALL-CAPS codes like PASS or TLS), file paths, URLs, and the proper names in `NAMES`
(standards, protocols, tools). Device-quoted values should be kept out of the text given here (the page
tests skip code, pre and evidence-table cells).
"""

from __future__ import annotations

import re
from typing import Any

NAMES = {
    "ETSI", "EN", "TS", "NIST", "NISTIR", "IR", "JC-STAR", "CCDS", "PSTI", "UK", "IPA", "OSCAL",
    "SARIF", "JUnit", "CycloneDX", "SBOM", "VEX", "OSV", "CVE", "TLS", "SSL", "SSH", "HTTP",
    "HTTPS", "MQTT", "DNS", "NTP", "UPnP", "Telnet", "telnet", "FTP", "TFTP", "Wi-Fi", "WPA",
    "WPA2", "WPA3", "WPS", "Bluetooth", "USB", "UART", "JTAG", "Wireshark", "tshark", "nmap",
    "papermill", "JupyterLab", "Jupyter", "Python", "pandas", "scapy", "unblob", "BusyBox",
    "busybox", "dropbear", "Dropbear", "OpenSSL", "OpenSSH", "Linux", "U-Boot", "SquashFS",
    "Ed25519", "SHA-256", "MD5", "DES", "AES", "RSA", "ECDSA", "X.509", "PEM", "JSON", "YAML",
    "HTML", "CSV", "Parquet", "Inspector", "Workbench", "Dask", "Chromium", "ATT&CK", "OWASP",
    "ISVS", "MAC", "IP", "TCP", "UDP", "ICMP",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_SKIP = re.compile(r"`[^`]*`|https?://\S+|\S*[/\\]\S*|\S+\.\S+|\S*[_0-9]\S*|\{[^}]*\}")


def _is_word(token: str) -> bool:
    if token in NAMES or token.isupper():
        return False
    return len(token) >= 2 or token in {"a", "I"}


def english_runs(text: str, min_words: int = 3) -> list[str]:
    """The runs of `min_words` or more English words in `text`."""
    runs: list[str] = []
    for piece in re.split(r"[^\x00-\x7f]+", _SKIP.sub(" | ", text)):  # non-ASCII (Japanese) breaks a run
        for chunk in re.split(r"[|;:()\[\]<>\"“”=,.!?]+", piece):
            words: list[str] = []
            for token in chunk.split():
                if _WORD.fullmatch(token) and _is_word(token):
                    words.append(token)
                    continue
                if len(words) >= min_words:
                    runs.append(" ".join(words))
                words = []
            if len(words) >= min_words:
                runs.append(" ".join(words))
    return runs


def strings_in(value: Any, out: set[str] | None = None) -> set[str]:
    """Every string (and number, as text) inside nested dicts, lists and sets: the values a check took
    from the device, so a test can leave them out of the Japanese it judges."""
    out = set() if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            strings_in(key, out)
            strings_in(item, out)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            strings_in(item, out)
    elif value is not None and not isinstance(value, bool):
        out.add(str(value))
    return out


def judged_values(result: Any) -> set[str]:
    """The strings in a check result's indicators and findings' data."""
    return strings_in([result.indicators, [f.data for f in result.findings]])
