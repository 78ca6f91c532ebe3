"""The typed result every check returns, and the base class checks derive from.

A check is pure: evidence in (an EvidenceContext), a CheckResult out. It prints nothing,
knows nothing of widgets or papermill, and never raises for missing evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.checks.refs import SEPARATOR
from workbench.errors import WorkbenchError
from workbench.i18n import _, tr
from workbench.vocabulary import DECIDED_BY_ICS, Verdict

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext
    from workbench.checks.parameters import Parameters


class EvidenceKind(StrEnum):
    CAPTURE = "capture"
    FIRMWARE = "firmware"
    DECLARATION = "declaration"
    INSPECTOR = "inspector"
    PROBE = "probe"  # the live probe's results and its capture (`workbench probe`)


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


MAX_EVIDENCE_REFS = 1_000  # references kept per finding: every one up to this (the engines' tables hold all)


@dataclass(frozen=True)
class EvidenceRef:
    """Where a finding can be seen: an artefact and a place inside it."""

    artefact: str  # artefact name in the case (or "declaration")
    sha256: str = ""
    packet: int | None = None  # 1-based packet number, as Wireshark counts
    path: str | None = None  # file path inside a firmware image
    offset: int | None = None  # byte offset in the image or the file
    note: str = ""

    def label(self) -> str:
        parts = [self.artefact]
        if self.packet is not None:
            parts.append(f"packet {self.packet}")
        if self.path:
            parts.append(self.path)
        if self.offset is not None:
            parts.append(f"offset 0x{self.offset:x}")
        return SEPARATOR.join(parts)


@dataclass(frozen=True)
class Finding:
    summary: str
    severity: Severity = Severity.MEDIUM
    evidence: tuple[EvidenceRef, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    requirement_id: str
    verdict: Verdict
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    evidence_used: tuple[str, ...] = ()  # sha256 of every artefact the result was derived from
    missing_evidence: tuple[EvidenceKind, ...] = ()
    indicators: dict[str, Any] = field(default_factory=dict)  # facts for the inspector, not findings
    decided_by: tuple[str, ...] = ()  # evidence kinds the verdict rests on, when a check says (e.g. probe)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        findings = tuple(
            Finding(
                summary=f["summary"],
                severity=Severity(f.get("severity", "medium")),
                evidence=tuple(EvidenceRef(**e) for e in f.get("evidence", ())),
                data=dict(f.get("data", {})),
            )
            for f in data.get("findings", ())
        )
        return cls(
            requirement_id=data["requirement_id"],
            verdict=Verdict(data["verdict"]),
            reasons=tuple(data.get("reasons", ())),
            findings=findings,
            evidence_used=tuple(data.get("evidence_used", ())),
            missing_evidence=tuple(EvidenceKind(k) for k in data.get("missing_evidence", ())),
            indicators=dict(data.get("indicators", {})),
            decided_by=tuple(str(k) for k in data.get("decided_by", ())),
        )


class Check:
    """Base class of a check: one requirement, one check.

    Subclasses set `requirement_id` and `needs`, and implement `evaluate`. `run` handles missing
    evidence uniformly: if any evidence kind in `needs` is absent from the case, the result is
    INCONCLUSIVE naming what to add, and `evaluate` is not called. Checks that can judge with part
    of their evidence list the rest in `optional`. Then the declaration's ICS: when every EN 303 645
    provision the requirement maps to is declared not applicable with a justification, the result is
    NOT_APPLICABLE, decided by the ICS (`DECIDED_BY_ICS`), with what the check found all the same for
    the inspector who confirms it — unless the check FAILs: evidence that contradicts the declaration
    keeps its FAIL (TS 103 701's two-sided rule). When only some are, the reasons say which.
    """

    requirement_id: ClassVar[str]
    needs: ClassVar[frozenset[EvidenceKind]] = frozenset()
    optional: ClassVar[frozenset[EvidenceKind]] = frozenset()
    parameters: ClassVar[tuple[str, ...]] = ()  # catalogue parameters the check reads (no defaults here)

    def run(self, ctx: EvidenceContext) -> CheckResult:
        provisions, excused = _ics_excused(ctx)
        result = self._run(ctx)
        if provisions and len(excused) == len(provisions):
            return self._not_applicable_by_ics(ctx, excused, result)
        if excused:  # partly not applicable: the check judged the rest
            listed = "; ".join(f"{p} ({why})" for p, why in excused.items())
            judged = ", ".join(p for p in provisions if p not in excused)
            note = tr("the ICS declares not applicable EN 303 645 {listed}; the check judged {judged}",
                      listed=listed, judged=judged)
            result = replace(result, reasons=(*result.reasons, note))
        return result

    def _run(self, ctx: EvidenceContext) -> CheckResult:
        missing = tuple(sorted(kind for kind in self.needs if not ctx.has(kind)))
        if missing:
            names = ", ".join(missing)
            return CheckResult(
                requirement_id=self.requirement_id,
                verdict=Verdict.INCONCLUSIVE,
                reasons=(tr("missing evidence: {names}; add it to the case to evaluate this requirement",
                             names=names),),
                missing_evidence=missing,
            )
        return self.evaluate(ctx)

    def _not_applicable_by_ics(
        self, ctx: EvidenceContext, excused: dict[str, str], checked: CheckResult
    ) -> CheckResult:
        """Every EN 303 645 provision of the requirement declared not applicable, with a justification:
        proposed NOT_APPLICABLE (the judgement leaves it to the inspector to confirm), carrying what the
        check found; a FAIL of the check stands, the declaration contradicted."""
        by_reason: dict[str, list[str]] = {}
        for provision, why in excused.items():
            by_reason.setdefault(why, []).append(provision)
        reasons = [
            tr("the ICS declares EN 303 645 provisions {provisions} not applicable: {why}",
               provisions=", ".join(ps), why=why)
            if len(ps) > 1
            else tr("the ICS declares EN 303 645 provision {provisions} not applicable: {why}",
                    provisions=ps[0], why=why)
            for why, ps in by_reason.items()
        ]
        if checked.verdict == Verdict.FAIL:
            contradicted = tr("the evidence contradicts the ICS: {reasons}", reasons="; ".join(reasons))
            return replace(checked, reasons=(*checked.reasons, contradicted))
        verdict = checked.verdict.value
        if checked.reasons:
            found = "; ".join(checked.reasons[:3])
            reasons.append(
                tr("the check, run all the same, proposed {verdict}: {found}", verdict=verdict, found=found)
            )
        else:
            reasons.append(
                tr("the check, run all the same, proposed {verdict}: nothing to report", verdict=verdict)
            )
        reasons.append(_("the inspector confirms the declaration or records a verdict"))
        used = tuple(dict.fromkeys((*checked.evidence_used, *ctx.hashes_of({EvidenceKind.DECLARATION}))))
        return replace(
            checked,
            verdict=Verdict.NOT_APPLICABLE,
            reasons=tuple(reasons),
            evidence_used=used,
            missing_evidence=(),  # a requirement that does not apply asks for no evidence
            indicators={**checked.indicators, "ics_not_applicable": dict(excused)},
            decided_by=(DECIDED_BY_ICS,),
        )

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        raise NotImplementedError

    # helpers for subclasses
    def params(self, ctx: EvidenceContext) -> Parameters:
        """The requirement's parameters, limited to those this check declares."""
        from workbench.checks.parameters import Parameters

        return Parameters.of(ctx, self.parameters)

    def result(
        self,
        ctx: EvidenceContext,
        verdict: Verdict,
        reasons: list[str] | tuple[str, ...],
        findings: list[Finding] | tuple[Finding, ...] = (),
        indicators: dict[str, Any] | None = None,
        decided_by: tuple[EvidenceKind, ...] = (),
    ) -> CheckResult:
        used = self.needs | self.optional
        return CheckResult(
            requirement_id=self.requirement_id,
            verdict=verdict,
            reasons=tuple(reasons),
            findings=tuple(findings),
            evidence_used=ctx.hashes_of(used),
            missing_evidence=tuple(sorted(k for k in self.optional if not ctx.has(k))),
            indicators=indicators or {},
            decided_by=tuple(str(k) for k in decided_by),
        )


def _ics_excused(ctx: EvidenceContext) -> tuple[tuple[str, ...], dict[str, str]]:
    """The requirement's EN 303 645 provisions, and {provision: justification} of those the
    declaration's ICS declares not applicable (none when the declaration is missing or unreadable:
    a check that reads it reports that itself)."""
    mappings = getattr(ctx.requirement, "mappings", None)
    provisions = tuple(getattr(mappings, "etsi_en_303_645", None) or ())
    if not provisions:
        return provisions, {}
    try:
        declaration = ctx.declaration
    except WorkbenchError:
        return provisions, {}
    if declaration is None:
        return provisions, {}
    return provisions, declaration.ics_not_applicable(provisions)
