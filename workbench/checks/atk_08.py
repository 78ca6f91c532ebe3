"""ATK-08: physical debug interfaces (UART, JTAG, SWD) are not exposed or are disabled."""

from __future__ import annotations

import re
from typing import Any

from workbench.checks._firmware import table, text
from workbench.checks._procedural import ProceduralCheck
from workbench.checks.base import EvidenceKind
from workbench.checks.page import procedural

_SERIAL = re.compile(r"\btty(S|AMA|MSM|HS|O|mxc|PS|SAC|AS|LP)?\d+|\bconsole\b|\bttyUSB\d+|\bttyGS\d+")


class PhysicalDebugInterfaces(ProceduralCheck):
    requirement_id = "ATK-08"
    needs = frozenset({EvidenceKind.INSPECTOR})
    optional = frozenset({EvidenceKind.DECLARATION, EvidenceKind.FIRMWARE})
    fields = ("debug_interfaces",)
    procedure_hint = (
        "the inspector opens the enclosure, looks for UART/JTAG/SWD pads or headers, tries each UART "
        "at {uart_baud_rates} baud, and attaches photos and what each interface gave access to"
    )
    hint_defaults = {"uart_baud_rates": [115200, 57600, 38400, 19200, 9600]}

    def hint(self, ctx: Any) -> str:
        rates = ctx.parameters.get("uart_baud_rates") or self.hint_defaults["uart_baud_rates"]
        return self.procedure_hint.format(uart_baud_rates="/".join(str(r) for r in rates))

    def observations(self, ctx: Any) -> dict[str, Any]:
        if not ctx.has(EvidenceKind.FIRMWARE):
            return {}
        consoles = []
        for row in table(ctx, "services", ("name", "kind", "source", "line", "command", "auth")):
            where = " ".join(text(row[k]) for k in ("kind", "command", "name"))
            if _SERIAL.search(where):
                consoles.append(
                    {
                        "service": text(row["name"]),
                        "command": text(row["command"]),
                        "source": text(row["source"]),
                        "line": row["line"],
                        "auth": row["auth"],
                    }
                )
        return {"serial_consoles_in_firmware": consoles}

    def observation_reasons(self, observed: dict[str, Any]) -> list[str]:
        consoles = observed.get("serial_consoles_in_firmware")
        if not consoles:
            return []
        return [f"the firmware starts {len(consoles)} service(s) on a serial console: look for the UART"]


CHECK = PhysicalDebugInterfaces

# The notebook page of ATK-08: its analysis section and the declaration fields compared.
PAGE = procedural(["debug_interfaces"])
