"""The network and attack-surface checks speak Japanese: every reason and finding summary they give in
`ja` has no English run once the values the device (or a feed, a tool, the capture engine) provided are
left out, and the Japanese run judges exactly as the English one (verdict, findings' data and evidence).

Real inputs: the demo and exercise cases of sample_captures/cases/ (captures, firmware images, the OSV
feed, declarations), the live-probe cases of tests/checks/probe (probe results through nmap/sslyze and
through test access, clean, defective, errored, hostile) and one capture per protocol of the shared corpus.

A run is attributed to a source module when it is a piece of one of that module's string literals: the
first assertion covers the checks' own modules (workbench/checks/_network.py and the units below), the
second every text, whoever wrote it.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus_captures import CORPUS
from english import english_runs, judged_values, strings_in
from samplecases import sample_cases

from workbench.case import Case, CaseInfo
from workbench.checks import CheckResult, EvidenceKind, get_check
from workbench.checks.context import EvidenceContext
from workbench.i18n import use_language

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "checks" / "probe"))  # probecases, unitcases: the probe tests' cases

CHECKS = ("COM-01", "COM-02", "COM-03", "COM-04", "COM-05", "ATK-01", "ATK-02", "ATK-03", "ATK-04", "ATK-05",
          "ATK-06", "ATK-07", "ATK-08", "TEL-01", "WIFI-01", "INT-01", "INPUT-01")  # fmt: skip
OWN_MODULES = ("_network", *(rid.lower().replace("-", "_") for rid in CHECKS))
CORPUS_DECLARATION = {
    "manufacturer": "Corpus",
    "model": "capture",
    "firmware_version": "1.0",
    "open_ports": [{"proto": "tcp", "port": 80, "service": "http"}],
    "cloud_endpoints": ["*.example.com"],
    "tls": {"min_version": "1.2"},
}


@dataclass(frozen=True)
class Run:
    case: str
    english: CheckResult
    japanese: CheckResult
    provided: tuple[str, ...]  # values from the device, a feed, a tool or the engine, longest first


# --- the cases ---------------------------------------------------------------------------------------


def _probe_cases(root: Path) -> dict[str, Case]:
    import probecases
    import unitcases

    cases = {f"probe {run}": probecases.probe_case(root / f"probe-{run}", run) for run in probecases.RUNS}
    for run in unitcases.RUNS:
        cases[f"unit {run}"] = unitcases.unit_case(root / f"unit-{run}", unitcases.spec_of(run))
    cases["unit defective with its image"] = unitcases.with_image(
        unitcases.unit_case(root / "unit-defective-image", unitcases.spec_of("defective")), "defective"
    )
    return cases


# One capture of each protocol and failure shape the checks read, to keep the suite's time (all 40
# took 100 s here); tests/capture reads every capture of the corpus.
CORPUS_PICKS = (
    "ndpi__ftp.pcap", "ndpi__coap_mqtt.pcap", "tcpdump__telnet-iac-check-oobr.pcap",
    "zeek__http_cooper-grill-dvwa.pcapng", "zeek__ssh_single-conn.pcap", "zeek__tls_tls13-ech.pcap",
    "zeek__tls_tls-expired-cert.pcap", "zeek__tls_tls1_1.pcap", "ndpi__upnp.pcap", "zeek__dns_mdns.pcap",
    "zeek__http_basic-auth-with-colon.pcap", "suricata-verify__mqtt311-pub-userpass_input.pcap",
    "zeek__tcp_truncated-header.pcap", "zeek__empty.pcap",
)


def _corpus_cases(root: Path) -> dict[str, Case]:
    if not CORPUS.is_dir():
        return {}
    root.mkdir(parents=True, exist_ok=True)
    declaration = root / "corpus-declaration.yaml"
    declaration.write_text(yaml.safe_dump(CORPUS_DECLARATION, sort_keys=False))
    cases = {}
    for capture in (CORPUS / name for name in CORPUS_PICKS if (CORPUS / name).is_file()):
        info = CaseInfo(device="corpus capture", vendor="Corpus", model="capture", firmware_version="1.0",
                        level=3, inspectors=["test"])  # fmt: skip
        case = Case.create(root / re.sub(r"\W", "_", capture.name), info)
        case.add_artefact(capture, "capture")
        case.declare(declaration)
        cases[f"corpus {capture.name}"] = case
    return cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("network-ja")
    found = {**sample_cases(root / "demo"), **_probe_cases(root / "probe"), **_corpus_cases(root / "corpus")}
    assert sum(name.startswith("sample") for name in found) >= 7  # the two demo cameras and the exercises
    return found


# --- what the device provided -------------------------------------------------------------------------




def _provided(ctx: EvidenceContext, english: CheckResult, japanese: CheckResult) -> tuple[str, ...]:
    """What the check quotes rather than says: the indicators' and findings' values that are the same in
    both languages, the probe's results (tools' errors, banners) and the vulnerability feed's summaries."""
    values = judged_values(english) & judged_values(japanese)
    probe = ctx.probe()
    if probe is not None:
        values |= strings_in([[t.detail for t in probe[1].tests], probe[1].tables], set())
    if ctx.has(EvidenceKind.FIRMWARE):
        values |= {str(r["summary"] or "")[:160] for r in ctx.firmware_rows("vulnerabilities", ("summary",))}
    quoted = {repr(v) for v in values}
    return tuple(sorted((v for v in values | quoted if len(v) >= 2), key=len, reverse=True))


_RUNS: dict[tuple[str, int], tuple[Run, ...]] = {}


def runs_of(requirement_id: str, cases: dict[str, Case]) -> tuple[Run, ...]:
    """The check run on every case in English and in Japanese (once per module's cases)."""
    key = (requirement_id, id(cases))
    if key not in _RUNS:
        _RUNS[key] = tuple(_run(requirement_id, name, case) for name, case in cases.items())
    return _RUNS[key]


def _run(requirement_id: str, name: str, case: Case) -> Run:
    results = {}
    for lang in ("en", "ja"):
        with use_language(lang):
            ctx = EvidenceContext.for_case(case.path, requirement_id)
            results[lang] = get_check(requirement_id).run(ctx)
    return Run(name, results["en"], results["ja"], _provided(ctx, results["en"], results["ja"]))


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


# --- where a run comes from ----------------------------------------------------------------------------


@cache
def literals(modules: tuple[str, ...]) -> tuple[str, ...]:
    """The string literals of the modules (adjacent literals joined; an f-string's literal parts)."""
    found = []
    for module in modules:
        tree = ast.parse((REPO / "workbench" / "checks" / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    return tuple(found)


def from_modules(words: str, modules: tuple[str, ...]) -> bool:
    return any(words in literal for literal in literals(modules))


def _where(evidence: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """What evidence references point at (their notes are words, in the reader's language)."""
    return [(e.artefact, e.sha256, e.packet, e.path, e.offset) for e in evidence]


# --- the tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("requirement_id", CHECKS)
def test_japanese_judges_as_english(cases: dict[str, Case], requirement_id: str) -> None:
    for run in runs_of(requirement_id, cases):
        en, ja = run.english, run.japanese
        assert (ja.verdict, ja.decided_by, ja.missing_evidence) == (
            en.verdict,
            en.decided_by,
            en.missing_evidence,
        ), run.case
        assert [(f.severity, _where(f.evidence), f.data) for f in ja.findings] == [
            (f.severity, _where(f.evidence), f.data) for f in en.findings
        ], run.case
        assert len(ja.reasons) == len(en.reasons), run.case


@pytest.mark.parametrize("requirement_id", CHECKS)
def test_no_english_left_in_japanese(cases: dict[str, Case], requirement_id: str) -> None:
    runs = runs_of(requirement_id, cases)
    left = [(run.case, words, text) for run in runs for words, text in english_left(run)]
    own = [item for item in left if from_modules(item[1], OWN_MODULES)]
    assert not own, "\n".join(f"{case}: {words!r} in {text!r}" for case, words, text in own[:20])
    assert not left, "English from other modules:\n" + "\n".join(
        f"{case}: {words!r} in {text!r}" for case, words, text in left[:20]
    )


def test_the_cases_reach_the_checks_verdicts(cases: dict[str, Case]) -> None:
    """The inputs are not trivial: between them the checks fail, pass, ask the inspector and find nothing
    to judge, with findings to read."""
    verdicts = {str(run.english.verdict) for rid in CHECKS for run in runs_of(rid, cases)}
    assert {"FAIL", "PASS", "NEEDS_INSPECTOR", "INCONCLUSIVE", "NOT_APPLICABLE"} <= verdicts
    findings = sum(len(run.japanese.findings) for rid in CHECKS for run in runs_of(rid, cases))
    assert findings >= 50
