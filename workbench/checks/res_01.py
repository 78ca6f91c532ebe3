"""RES-01: the device stays usable through network and power outages and recovers cleanly."""

from __future__ import annotations

from workbench.checks._procedural import ProceduralCheck
from workbench.checks.base import EvidenceKind
from workbench.checks.page import procedural


class OutageResilience(ProceduralCheck):
    requirement_id = "RES-01"
    needs = frozenset({EvidenceKind.INSPECTOR})
    optional = frozenset({EvidenceKind.DECLARATION})
    fields = ("cloud_endpoints", "update")
    procedure_hint = (
        "the inspector cuts the network for {network_outage_minutes} minutes and the power "
        "{power_cycles} times during operation, checks local functions keep working and the device "
        "reconnects in an orderly way, and records the observations"
    )
    hint_defaults = {"network_outage_minutes": 10, "power_cycles": 3}


CHECK = OutageResilience

# The notebook page of RES-01: its analysis section and the declaration fields compared.
PAGE = procedural([])
