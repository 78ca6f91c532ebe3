"""ETSI TS 103 701's shape over a bundle: per EN 303 645 provision a test group, its conceptual test
case (the declaration's ICS and IXIT) and its functional test case (the requirements mapped to the
provision, with their verdicts), and the provision's result as a published lab report records it.

Verdicts here are proposals drawn from the bundle: an inspector's recorded verdicts are in the units
already (results.json's rows); nothing is decided that the judgement did not. The reasons (`why`) and
notes are whole sentences in the current language (workbench.i18n; the page builds its groups inside
`use_language` of the bundle's language); the clause titles likewise (workbench.case.etsi).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.case.declaration import Declaration
from workbench.case.etsi import Provision, provision_problem, reference
from workbench.case.ics import IcsEntry, IxitEntry
from workbench.export.ts103701_units import Unit
from workbench.i18n import N_, _, ntr, tr
from workbench.vocabulary import ERROR, PENDING, Verdict

PASS, FAIL, INCONCLUSIVE = Verdict.PASS.value, Verdict.FAIL.value, Verdict.INCONCLUSIVE.value
NA = Verdict.NOT_APPLICABLE.value


@dataclass(frozen=True)
class Conceptual:
    id: str
    ics: IcsEntry | None
    ixit: tuple[IxitEntry, ...]  # entries naming the provision
    consistent: bool
    verdict: str
    why: str


@dataclass(frozen=True)
class Functional:
    id: str
    units: tuple[Unit, ...]
    verdict: str
    why: str


@dataclass(frozen=True)
class Group:
    provision: Provision
    clause: str
    conceptual: Conceptual
    functional: Functional | None  # None: no requirement of the catalogue tests the provision
    result: str  # key of reference().results
    note: str

    @property
    def tested(self) -> bool:
        """Shown as a test group: requirements map to it, or the ICS states it."""
        return self.functional is not None or self.conceptual.ics is not None


def build_groups(declaration: Declaration | None, why_none: str, units: list[Unit]) -> list[Group]:
    """A Group for each provision of EN 303 645, in the standard's order."""
    groups = []
    for provision in reference().provisions:
        mapped = tuple(u for u in units if provision.id in u.provisions)
        concept = conceptual(provision.id, declaration, why_none)
        func = functional(provision.id, mapped, declaration) if mapped else None
        result, note = summary(concept, func)
        groups.append(Group(provision, reference().clause_title(provision.id), concept, func, result, note))
    return groups


def unknown_mappings(units: list[Unit]) -> list[str]:
    """Mappings of the rows that are no provision of EN 303 645 v2.1.1 (a lab catalogue's own)."""
    return sorted({p for u in units for p in u.provisions if provision_problem(p)})


def conceptual(provision: str, declaration: Declaration | None, why_none: str) -> Conceptual:
    tc = f"{provision}-1"
    if declaration is None:
        return Conceptual(tc, None, (), True, INCONCLUSIVE, why_none)
    naming = tuple(e for e in declaration.ixit if provision in e.provisions)
    entry = declaration.ics.get(provision)
    if not declaration.ics:
        why = _("the declaration has no ICS (a flat declaration: `workbench case declare --convert` "
                "makes one)")
        return Conceptual(tc, None, naming, True, INCONCLUSIVE, why)
    if entry is None:
        return Conceptual(tc, None, naming, True, INCONCLUSIVE,
                          tr("the ICS does not state {provision}", provision=provision))
    if entry.not_applicable:
        if naming:
            ids = ", ".join(e.id for e in naming)
            why = ntr("declared not applicable, yet {ids} describes it",
                      "declared not applicable, yet {ids} describe it", len(naming), ids=ids)
            return Conceptual(tc, entry, naming, False, FAIL, why)
        return Conceptual(tc, entry, naming, True, NA, _("declared not applicable, with a justification"))
    if entry.to_confirm:
        why = _("the ICS entry is still marked to confirm")
        return Conceptual(tc, entry, naming, True, INCONCLUSIVE, why)
    if not naming:
        why = _("supported, but no IXIT entry describes how")
        return Conceptual(tc, entry, naming, True, INCONCLUSIVE, why)
    return Conceptual(tc, entry, naming, True, PASS, _("supported; the IXIT describes how"))


def functional(provision: str, units: tuple[Unit, ...], declaration: Declaration | None) -> Functional:
    """The functional test case from its units' final verdicts. A provision the ICS declares not
    applicable is not applicable only once every unit is (an inspector confirmed what the checks
    proposed); until then it is PENDING; a unit's FAIL stands: the evidence contradicts the ICS."""
    tc = f"{provision}-2"
    failed = [u for u in units if u.verdict == FAIL and not u.stale]
    entry = declaration.ics.get(provision) if declaration is not None else None
    declared_na = entry is not None and entry.not_applicable
    if failed:
        if declared_na:
            why = tr("{ids} failed; declared not applicable in the ICS, yet the evidence contradicts the "
                     "declaration", ids=_ids(failed))
        else:
            why = tr("{ids} failed", ids=_ids(failed))
        return Functional(tc, units, FAIL, why)
    if all(u.verdict == NA and not u.stale for u in units):
        confirmed = all(u.source == "inspector" for u in units)
        return Functional(tc, units, NA, _(_NOT_APPLICABLE[declared_na, confirmed]))
    undecided = [u for u in units if u.verdict in (ERROR, INCONCLUSIVE)]
    if undecided:
        return Functional(tc, units, INCONCLUSIVE, tr("{ids} could not be decided", ids=_ids(undecided)))
    if declared_na and not any(u.verdict == PASS for u in units):
        waiting = [u for u in units if u.verdict != NA or u.stale]
        why = ntr("declared not applicable in the ICS; the inspector confirms ({ids} awaits the inspector's "
                  "verdict)",
                  "declared not applicable in the ICS; the inspector confirms ({ids} await the inspector's "
                  "verdict)", len(waiting), ids=_ids(waiting))
        return Functional(tc, units, PENDING, why)
    if all(u.verdict in (PASS, NA) and not u.stale for u in units):
        return Functional(tc, units, PASS, _("every test unit passed or is not applicable"))
    waiting = [u for u in units if u.verdict not in (PASS, NA) or u.stale]
    why = ntr("{ids} awaits the inspector", "{ids} await the inspector", len(waiting), ids=_ids(waiting))
    return Functional(tc, units, PENDING, why)


_NOT_APPLICABLE = {  # (declared not applicable in the ICS, every unit's verdict the inspector's)
    (False, True): N_("confirmed by the inspector"),
    (False, False): N_("the test units found it not applicable"),
    (True, True): N_("declared not applicable in the ICS; confirmed by the inspector"),
    (True, False): N_("declared not applicable in the ICS; the test units found it not applicable"),
}


def summary(concept: Conceptual, func: Functional | None) -> tuple[str, str]:
    """(result key, note): conforms / does not conform / not applicable / not assessed."""
    cases = [("conceptual", concept.verdict, concept.why)]
    if func is not None:
        cases.append(("functional", func.verdict, func.why))
    failed = [(name, why) for name, verdict, why in cases if verdict == FAIL]
    if failed:
        return "does_not_conform", _named(failed)
    if all(verdict == NA for _name, verdict, _why in cases):
        return "not_applicable", cases[-1][2]
    if func is None:
        why = tr("no requirement of the catalogue tests it; conceptual: {why}", why=concept.why)
        return "not_assessed", why
    if concept.verdict == PASS and func.verdict == PASS:
        return "conforms", _("both test cases passed")
    return "not_assessed", _named([(name, why) for name, verdict, why in cases if verdict != PASS])


def _named(cases: list[tuple[str, str]]) -> str:
    """The reasons of one or both test cases, each after its test case's name."""
    whys = dict(cases)
    if len(whys) == 2:
        return tr("conceptual: {conceptual}; functional: {functional}", **whys)
    if "conceptual" in whys:
        return tr("conceptual: {why}", why=whys["conceptual"])
    return tr("functional: {why}", why=whys["functional"])


def _ids(units: list[Unit]) -> str:
    return ", ".join(u.id for u in units)
