"""Candidate passwords: the bundled list of common IoT defaults, and candidates derived from a
device's public identifiers (MAC address, serial number, model)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources


@cache
def default_passwords() -> tuple[str, ...]:
    text = resources.files("workbench.firmware").joinpath("data/default_passwords.txt").read_text("utf-8")
    words = [line.rstrip("\n") for line in text.splitlines() if line and not line.startswith("#")]
    return tuple(dict.fromkeys(["", *words]))


def from_identifiers(
    macs: Iterable[str] = (), serials: Iterable[str] = (), models: Iterable[str] = ()
) -> list[str]:
    """Passwords a vendor might derive from what is printed on the label or sent on the wire."""
    out: list[str] = []
    for mac in macs:
        digits = re.sub(r"[^0-9A-Fa-f]", "", mac)
        if len(digits) != 12:
            continue
        for hexes in (digits.lower(), digits.upper()):
            out += [hexes, hexes[-8:], hexes[-6:], hexes[-4:], hexes[6:]]
            out += [
                ":".join(hexes[i : i + 2] for i in range(0, 12, 2)),
                "-".join(hexes[i : i + 2] for i in range(0, 12, 2)),
            ]
    for serial in serials:
        serial = serial.strip()
        if not serial:
            continue
        tail = re.sub(r"[^0-9A-Za-z]", "", serial)
        out += [serial, serial.lower(), serial.upper(), tail, tail[-8:], tail[-6:], tail[-4:]]
    for model in models:
        model = model.strip()
        if model:
            out += [
                model,
                model.lower(),
                model.upper(),
                model.replace(" ", ""),
                model.replace(" ", "").lower(),
            ]
    return [c for c in dict.fromkeys(out) if c]
