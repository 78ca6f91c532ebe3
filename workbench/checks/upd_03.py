"""UPD-03: the period during which security updates are provided is published."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from workbench.checks._procedural import ProceduralCheck
from workbench.checks.parameters import Parameters
from workbench.i18n import N_, _, tr


class SupportPeriod(ProceduralCheck):
    requirement_id = "UPD-03"
    fields = ("support_period",)
    procedure_hint = N_(
        "the inspector finds the support period where it is published (product page, box, manual), "
        "checks it is stated clearly for this model, and attaches it with the date it was read"
    )

    def nonconformities(self, declaration: Any) -> list[tuple[str, str]]:
        period = declaration.support_period
        if period is None or period.end is None:
            return [
                (
                    "support_period.end",
                    _("the declaration states no end of the security-update support period"),
                )
            ]
        return []

    def observations(self, ctx: Any, params: Parameters) -> dict[str, Any]:
        declaration = ctx.declaration
        period = getattr(declaration, "support_period", None)
        end = getattr(period, "end", None)
        if not isinstance(end, date):
            return {}
        today = datetime.now(UTC).date()
        return {"support_ends_in_days": (end - today).days, "published": bool(period.published_at)}

    def observation_reasons(self, observed: dict[str, Any]) -> list[str]:
        reasons = []
        days = observed.get("support_ends_in_days")
        if isinstance(days, int) and days < 0:
            reasons.append(tr("the declared support period ended {days} days ago", days=-days))
        if observed and not observed.get("published"):
            reasons.append(_("the declaration does not say where the support period is published"))
        return reasons


CHECK = SupportPeriod
