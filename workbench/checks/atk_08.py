"""ATK-08: physical debug interfaces (UART, JTAG, SWD) are not exposed or are disabled."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import console_pattern, on_console
from workbench.checks._procedural import FirmwareGuidedCheck
from workbench.checks.parameters import Parameters
from workbench.i18n import N_, tr


class PhysicalDebugInterfaces(FirmwareGuidedCheck):
    requirement_id = "ATK-08"
    fields = ("debug_interfaces",)
    procedure_hint = N_(
        "the inspector opens the enclosure, looks for UART/JTAG/SWD pads or headers, tries each UART "
        "at {uart_baud_rates} baud, and attaches photos and what each interface gave access to"
    )
    parameters = ("uart_baud_rates", "serial_consoles")

    def hint(self, params: Parameters) -> str:
        return tr(self.procedure_hint, uart_baud_rates="/".join(params.strings("uart_baud_rates")))

    def firmware_observations(self, ctx: Any, params: Parameters) -> dict[str, Any]:
        pattern = console_pattern(params.strings("serial_consoles"))
        consoles = []
        for row in ctx.firmware_rows("services", ("name", "kind", "source", "line", "command", "auth")):
            if on_console(row, pattern):
                consoles.append(
                    {
                        "service": row["name"] or "",
                        "command": row["command"] or "",
                        "source": row["source"] or "",
                        "line": row["line"],
                        "auth": row["auth"],
                    }
                )
        return {"serial_consoles_in_firmware": consoles}

    def observation_reasons(self, observed: dict[str, Any]) -> list[str]:
        consoles = observed.get("serial_consoles_in_firmware")
        if not consoles:
            return []
        return [
            tr("the firmware starts {n} service(s) on a serial console: look for the UART", n=len(consoles))
        ]


CHECK = PhysicalDebugInterfaces
