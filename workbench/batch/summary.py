"""The batch's rows: one per requirement, as results.json and index.html give them.

A row's verdict is the final verdict the judgement reached (workbench.judgement: the inspector's,
else the automatic check's, else PENDING), or ERROR when its check raised or its notebook failed.
The overall result per level is the judgement's roll-up (workbench.judgement.levels) of these rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.i18n import N_, _, tr
from workbench.judgement import STARS, decided_ok

MAPPING_LABELS = {
    "etsi_en_303_645": "EN 303 645",
    "ts_103_701_ixit": "TS 103 701",
    "nistir_8259a": "NISTIR 8259A",
    "nist_ir_8425": "NIST IR 8425",
    "uk_psti": "UK PSTI",
    "jc_star": "JC-STAR",
    "ccds": "CCDS",
}


# the words of results.json's fields (identifiers there), as a page shows them in its language
LABELS = {
    "automatic": N_("automatic"),  # a requirement's automation, a verdict's source
    "assisted": N_("assisted"),
    "manual": N_("manual"),
    "inspector": N_("inspector"),
    "pending": N_("pending"),
    "error": N_("error"),
    "artefact": N_("artefact"),  # the role of an input (manifest.json)
    "case": N_("case record"),
    "declaration": N_("declaration"),
    "artefact-register": N_("artefact register"),
    "renewal-plan": N_("renewal plan"),
    "declaration-archive": N_("earlier declaration"),
    "verdict": N_("inspector verdict"),
    "notebook-source": N_("notebook"),
    "capture": N_("capture"),  # an artefact's kind
    "firmware": N_("firmware image"),
    "vuln-feed": N_("vulnerability feed"),
    "attachment": N_("attachment"),
    "probe": N_("live test results"),
}


def label(word: str | None) -> str:
    """A field's word (automatic, capture, …) in the current language; an unknown word as it is."""
    return _(LABELS[word]) if word in LABELS else str(word or "")


@dataclass
class CheckRow:
    id: str
    title: str
    level: int
    automation: str
    verdict: str
    verdict_source: str  # inspector | automatic | pending | error
    stale: bool = False
    stale_reasons: list[str] = field(default_factory=list)  # why the verdict no longer holds
    proposed: str | None = None  # the check's own proposed verdict
    findings: int = 0
    reasons: list[str] = field(default_factory=list)
    missing_evidence: list[str] = field(default_factory=list)
    mappings: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    page: str = ""
    notebook: str = ""
    seconds: float = 0.0
    inspector: dict[str, Any] | None = None  # who recorded the verdict, when, why
    warnings: list[str] = field(default_factory=list)

    @property
    def stars(self) -> str:
        return STARS.get(self.level, "?")

    @property
    def decided_ok(self) -> bool:
        return decided_ok(self)

    @property
    def mapping_text(self) -> list[str]:
        return [f"{MAPPING_LABELS.get(k, k)}: {', '.join(v)}" for k, v in self.mappings.items() if v]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def level_line(lv: dict[str, Any]) -> str:
    """One level's roll-up as `workbench run` prints it (★★ FAIL 3/12 PASS or N/A; FAIL: …)."""
    values = {"stars": lv["stars"], "result": lv["result"], "passed": lv["passed"],
              "total": lv["requirements"]}
    if lv["failed"]:
        return tr("{stars:<4} {result:<10} {passed}/{total} PASS or N/A; FAIL: {failed}",
                  failed=", ".join(lv["failed"]), **values)
    return tr("{stars:<4} {result:<10} {passed}/{total} PASS or N/A", **values)
