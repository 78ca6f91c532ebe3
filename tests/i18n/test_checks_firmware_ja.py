"""The firmware, authentication, secrets and update checks speak Japanese: every reason and finding summary
they give in `ja` has no English run once the values the device (or an engine, a tool, the declaration)
provided are left out, and the Japanese run judges exactly as the English one (verdict, what decided it,
findings' severity, evidence and data).

Real inputs: the demo and exercise cases of sample_captures/cases/ (their firmware images, captures,
declarations), and the live-probe cases of tests/checks/probe (probe results through nmap and through the
manufacturer's test access: clean, defective, errored, hostile; the unit's runs with the demo images).

Which values are the device's: every value a message's placeholder received that is the same in the
English and the Japanese run and is not itself a message (recorded as `tr`/`ntr` fill their placeholders),
with the values of the findings' data and the indicators (the same in both languages) and the probe's own
results. A translated piece passed into a placeholder differs between the languages, so it is checked.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from english import english_runs, judged_values, strings_in
from samplecases import sample_cases

from workbench.case import Case
from workbench.checks import CheckResult, get_check
from workbench.checks.context import EvidenceContext
from workbench.i18n import core, gettext_in, use_language
from workbench.i18n.po import KEYWORDS

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "checks" / "probe"))  # probecases, unitcases: the probe tests' cases

CHECKS = ("AUTH-01", "AUTH-02", "AUTH-03", "AUTH-04", "AUTH-05", "AUTH-06", "SEC-01", "SEC-02", "SEC-03",
          "UPD-01", "UPD-02", "UPD-03", "UPD-04", "UPD-05", "UPD-06")  # fmt: skip
MODULES = ("_firmware", *(rid.lower().replace("-", "_") for rid in CHECKS))
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# --- the cases ------------------------------------------------------------------------------------------


def _probe_cases(root: Path) -> dict[str, Case]:
    import probecases
    import unitcases

    cases = {f"probe {run}": probecases.probe_case(root / f"probe-{run}", run) for run in probecases.RUNS}
    for run in unitcases.RUNS:
        cases[f"unit {run}"] = unitcases.unit_case(root / f"unit-{run}", unitcases.spec_of(run))
    for run in ("clean", "defective"):  # the unit beside the firmware image it runs
        case = unitcases.unit_case(root / f"unit-{run}-image", unitcases.spec_of(run))
        cases[f"unit {run} with its image"] = unitcases.with_image(case, run)
    cut = unitcases.unit_case(root / "unit-cut-install", unitcases.cut_install(unitcases.spec_of("clean")))
    cases["unit clean, install cut short, with its image"] = unitcases.with_image(cut, "clean")
    return cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("firmware-ja")
    found = {**sample_cases(root / "demo"), **_probe_cases(root / "probe")}
    assert sum(name.startswith("sample") for name in found) >= 7  # the two demo cameras and the exercises
    return found


# --- a run in both languages, and what it quoted ---------------------------------------------------------


@dataclass(frozen=True)
class Run:
    case: str
    english: CheckResult
    japanese: CheckResult
    provided: tuple[str, ...]  # the device's values, longest first
    messages: frozenset[str]  # the msgids `tr`/`ntr` rendered in the Japanese run


@dataclass
class Filled:
    values: set[str]
    outputs: set[str]
    messages: set[str]


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[Filled]:
    """What `tr` and `ntr` fill in while the block runs: the placeholders' values, the messages they
    produce, and the msgids."""
    filled = Filled(set(), set(), set())
    original = core._format

    def format_and_record(template: str, source: str, params: dict[str, Any]) -> str:
        text = original(template, source, params)
        filled.values.update(str(v) for v in params.values() if isinstance(v, str | int | float))
        filled.outputs.add(text)
        filled.messages.add(source)
        return text

    with monkeypatch.context() as patch:
        patch.setattr(core, "_format", format_and_record)
        yield filled




def _run(requirement_id: str, name: str, case: Case, monkeypatch: pytest.MonkeyPatch) -> Run:
    results, filled = {}, {}
    for lang in ("en", "ja"):
        with use_language(lang), recording(monkeypatch) as filled[lang]:
            ctx = EvidenceContext.for_case(case.path, requirement_id)
            results[lang] = get_check(requirement_id).run(ctx)
    messages = filled["en"].outputs | filled["ja"].outputs
    values = (filled["en"].values & filled["ja"].values) - messages
    values |= judged_values(results["en"]) & judged_values(results["ja"])
    probe = ctx.probe()
    if probe is not None:
        values |= strings_in([[t.detail for t in probe[1].tests], probe[1].tables], set())
    values |= {repr(v) for v in values}
    provided = tuple(sorted((v for v in values if len(v) >= 2), key=len, reverse=True))
    return Run(name, results["en"], results["ja"], provided, frozenset(filled["ja"].messages))


@pytest.fixture(scope="module")
def runs(cases: dict[str, Case]) -> dict[str, tuple[Run, ...]]:
    """Each check on every case, in English and in Japanese."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return {
            rid: tuple(_run(rid, name, case, monkeypatch) for name, case in cases.items()) for rid in CHECKS
        }


def texts(result: CheckResult) -> list[str]:
    return [*result.reasons, *(f.summary for f in result.findings)]


def english_left(run: Run) -> list[tuple[str, str]]:
    """(run of English words, the text it is in) for each Japanese reason and summary."""
    found = []
    for text in texts(run.japanese):
        stripped = text
        for value in run.provided:
            stripped = stripped.replace(value, " | ")
        found += [(words, text) for words in english_runs(stripped)]
    return found


def _where(evidence: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [(e.artefact, e.sha256, e.packet, e.path, e.offset) for e in evidence]


def _same_data(japanese: Any, english: Any) -> bool:
    """Equal, but for labels meant for reading (a text in Japanese where the English run has English)."""
    if isinstance(japanese, str) and JAPANESE.search(japanese):
        return isinstance(english, str)
    if isinstance(japanese, dict) and isinstance(english, dict):
        return japanese.keys() == english.keys() and all(_same_data(japanese[k], english[k]) for k in english)
    if isinstance(japanese, list | tuple) and isinstance(english, list | tuple):
        return len(japanese) == len(english) and all(map(_same_data, japanese, english))
    return bool(japanese == english)


def own_messages() -> dict[str, str]:
    """msgid -> the module of the checks here that says it."""
    found = {}
    for module in MODULES:
        path = REPO / "workbench" / "checks" / f"{module}.py"
        for _line, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            found.setdefault(message if isinstance(message, str) else message[0], module)
    return found


# --- the tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("requirement_id", CHECKS)
def test_japanese_judges_as_english(runs: dict[str, tuple[Run, ...]], requirement_id: str) -> None:
    for run in runs[requirement_id]:
        en, ja = run.english, run.japanese
        assert (ja.verdict, ja.decided_by, ja.missing_evidence, ja.evidence_used) == (
            en.verdict, en.decided_by, en.missing_evidence, en.evidence_used,
        ), run.case  # fmt: skip
        assert [(f.severity, _where(f.evidence), f.data) for f in ja.findings] == [
            (f.severity, _where(f.evidence), f.data) for f in en.findings
        ], run.case
        assert _same_data(ja.indicators, en.indicators), (run.case, ja.indicators, en.indicators)
        assert len(ja.reasons) == len(en.reasons), (run.case, en.reasons, ja.reasons)


@pytest.mark.parametrize("requirement_id", CHECKS)
def test_no_english_left_in_japanese(runs: dict[str, tuple[Run, ...]], requirement_id: str) -> None:
    left = [(run.case, words, text) for run in runs[requirement_id] for words, text in english_left(run)]
    assert not left, "\n".join(f"{case}: {words!r} in {text!r}" for case, words, text in left[:20])
    japanese = [text for run in runs[requirement_id] for text in texts(run.japanese)]
    assert japanese and all(JAPANESE.search(text) for text in japanese), [
        t for t in japanese if not JAPANESE.search(t)
    ][:5]


def test_the_cases_reach_the_checks_verdicts(runs: dict[str, tuple[Run, ...]]) -> None:
    """The inputs are not trivial: between them the checks fail, pass, ask the inspector and find nothing
    to judge, decide on the unit, with findings to read; and they render most of the checks' messages."""
    every = [run for rid in CHECKS for run in runs[rid]]
    verdicts = {str(run.english.verdict) for run in every}
    assert {"FAIL", "PASS", "NEEDS_INSPECTOR", "INCONCLUSIVE", "NOT_APPLICABLE"} <= verdicts
    assert any(run.english.decided_by == ("probe",) for run in every)
    assert sum(len(run.japanese.findings) for run in every) >= 40
    for rid in CHECKS:
        assert {str(run.english.verdict) for run in runs[rid]} - {"INCONCLUSIVE"}, rid
    rendered = set().union(*(run.messages for run in every))
    assert len(rendered & set(own_messages())) >= 80  # the messages with placeholders (`tr`) alone


def test_every_message_of_these_checks_has_japanese() -> None:
    """Rare branches too: each message of these modules has a Japanese translation in the catalogue, with
    the msgid's placeholders."""
    messages = own_messages()
    assert len(messages) >= 250
    placeholder = re.compile(r"\{(\w+)")
    for message, module in messages.items():
        japanese = gettext_in("ja", message)
        words = re.sub(r"\{\w+\}", "", message)
        assert japanese != message or not re.search(r"[a-z]{3}", words), (module, message)
        assert not english_runs(japanese), (module, message, japanese)
        assert set(placeholder.findall(japanese)) == set(placeholder.findall(message)), (module, message)
