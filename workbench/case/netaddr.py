"""Normalising device addresses: IP addresses via ipaddress, MACs to lower-case colon form."""

from __future__ import annotations

import ipaddress
import re

_HEX = re.compile(r"[0-9a-fA-F]+")


def normalise_ip(value: str) -> str:
    text = str(value).strip()
    try:
        return str(ipaddress.ip_address(text.split("%", 1)[0] if text.count(":") > 1 else text))
    except ValueError:
        raise ValueError(f"not an IP address: {text!r}") from None


def normalise_mac(value: str) -> str:
    """'AA-BB-CC-DD-EE-FF', 'aabb.ccdd.eeff', 'AABBCCDDEEFF', 'a:b:c:d:e:f' -> 'aa:bb:cc:dd:ee:ff'."""
    text = str(value).strip()
    groups = re.split(r"[:\-.]", text)
    if len(groups) == 6 and all(_HEX.fullmatch(g) and len(g) <= 2 for g in groups):
        digits = "".join(g.zfill(2) for g in groups)
    elif len(groups) == 3 and all(_HEX.fullmatch(g) and len(g) == 4 for g in groups):
        digits = "".join(groups)
    elif len(groups) == 1 and _HEX.fullmatch(text) and len(text) == 12:
        digits = text
    else:
        raise ValueError(f"not a MAC address: {text!r} (expected six hex octets, e.g. 00:11:22:aa:bb:cc)")
    digits = digits.lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)
