"""RES-01: the device stays usable through network and power outages and recovers cleanly."""

from __future__ import annotations

from workbench.checks._procedural import HandsOnCheck
from workbench.i18n import N_


class OutageResilience(HandsOnCheck):
    requirement_id = "RES-01"
    fields = ("cloud_endpoints", "update")
    procedure_hint = N_(
        "the inspector cuts the network for {network_outage_minutes} minutes and the power "
        "{power_cycles} times during operation, checks local functions keep working and the device "
        "reconnects in an orderly way, and records the observations"
    )
    parameters = ("network_outage_minutes", "power_cycles")


CHECK = OutageResilience
