"""The shared check code, the procedural units, LOG-01, the judgement, the case status, the renewal texts
and the engines' warnings in Japanese.

Real things: the demo cases (sample_captures/cases/*, built as `workbench demo` builds them), the cases of
the probe-judged checks' tests (a probe run through test access, tests/checks/probe/unitcases.py), the
corpus of real captures. Each runs once in English and once in Japanese: the verdicts are the same, and
the Japanese texts hold no run of English words (tests/i18n/english.py) once the values quoted from the
device, the declaration and the case are taken out.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from english import english_runs

from workbench.case import Case
from workbench.checks import Verdict, get_check
from workbench.checks.base import DECIDED_BY_ICS, CheckResult
from workbench.checks.context import EvidenceContext
from workbench.i18n import use_language

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checks" / "probe"))
from unitcases import spec_of, unit_case, with_image  # noqa: E402

PROCEDURAL = ("DATA-01", "DATA-02", "DEL-01", "INST-01", "RES-01", "VULN-01")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")  # a value quoted from the device (repr), never words of ours


def device_values(case: Case) -> list[str]:
    """The texts a case quotes from the device, its manufacturer and its inspector: taken out of a text
    before looking for English."""
    values: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)
        elif isinstance(node, str) and node.strip():
            values.append(node)
        elif isinstance(node, bool | int) and not isinstance(node, bool):
            return

    if case.declaration is not None:
        walk(case.declaration.model_dump(mode="json"))
    info = case.info
    walk([info.device, info.vendor, info.model, info.firmware_version, *(info.inspectors or ())])
    walk([a.name for a in case.artefacts()])
    return sorted(set(values), key=len, reverse=True)


def untranslated(texts: list[str], values: list[str] = ()) -> list[str]:
    """English runs left in `texts` once the quoted and the given values are out."""
    found = []
    values = sorted(set(values), key=len, reverse=True)  # the longest first: a short one may be inside it
    for text in texts:
        for value in values:
            text = text.replace(value, " | ")
        found += english_runs(QUOTED.sub(" | ", text))
    return found


def texts_of(result: CheckResult) -> list[str]:
    return [*result.reasons, *(f.summary for f in result.findings),
            *(e.note for f in result.findings for e in f.evidence)]  # fmt: skip


def run(case: Case, rid: str, lang: str) -> CheckResult:
    with use_language(lang):
        return get_check(rid).run(EvidenceContext.for_case(case.path, rid))


def japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


# --- the demo cases ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    from workbench.demo import build_case, load_demo_case

    root = tmp_path_factory.mktemp("demo")
    return {name: build_case(load_demo_case(name), root) for name in ("defective", "clean", "homehub-h5")}


@pytest.mark.parametrize("name", ["defective", "clean", "homehub-h5"])
def test_procedural_checks_speak_japanese_with_the_same_verdicts(demo: dict[str, Case], name: str) -> None:
    case = demo[name]
    for rid in PROCEDURAL:
        english, ja = run(case, rid, "en"), run(case, rid, "ja")
        assert ja.verdict == english.verdict and len(ja.findings) == len(english.findings), rid
        assert ja.indicators == english.indicators, rid
        assert all(japanese(r) for r in ja.reasons), (rid, ja.reasons)
        assert untranslated(texts_of(ja), device_values(case)) == [], (rid, ja.reasons)
        assert english.reasons != ja.reasons


def test_log_01_on_the_demo_images_speaks_japanese(demo: dict[str, Case]) -> None:
    for name in ("defective", "clean"):
        english, ja = run(demo[name], "LOG-01", "en"), run(demo[name], "LOG-01", "ja")
        assert ja.verdict == english.verdict
        assert untranslated(texts_of(ja), device_values(demo[name])) == [], ja.reasons


def test_the_english_is_as_it_was(demo: dict[str, Case]) -> None:
    result = run(demo["defective"], "RES-01", "en")
    assert result.reasons[-1].startswith("the inspector cuts the network for ")
    assert result.reasons[-1].endswith("and records the observations; record what was examined as evidence")
    erase = run(demo["defective"], "DEL-01", "en")
    assert any(r.startswith("the declaration states erase (") for r in erase.reasons)


def test_a_missing_declaration_and_missing_evidence_in_japanese(tmp_path: Path) -> None:
    from workbench.case import CaseInfo

    case = Case.create(tmp_path / "bare", CaseInfo(device="cam", vendor="V", model="M", firmware_version="1",
                                                   level=3))  # fmt: skip
    for rid in PROCEDURAL:
        english, ja = run(case, rid, "en"), run(case, rid, "ja")
        assert ja.verdict == english.verdict and ja.missing_evidence == english.missing_evidence
        assert untranslated(texts_of(ja)) == [] and all(japanese(r) for r in ja.reasons), ja.reasons
    assert run(case, "DATA-01", "en").reasons == (
        "missing evidence: declaration; add it to the case to evaluate this requirement",
    )


def test_the_ics_reasons_in_japanese(tmp_path: Path) -> None:
    from workbench.demo import build_case, load_demo_case

    case = build_case(load_demo_case("clean"), tmp_path)
    requirement = EvidenceContext.for_case(case.path, "DATA-02").requirement
    provisions = list(requirement.mappings.etsi_en_303_645)
    assert provisions
    data = case.declaration.model_dump(mode="json", exclude_none=True)
    why = "the camera has no sensor but its image sensor"
    data["ics"] = {p: {"status": "not_applicable", "justification": why} for p in provisions}
    source = tmp_path / "declaration.yaml"
    import yaml

    source.write_text(yaml.safe_dump(data, sort_keys=False))
    case.declare(source)
    english, ja = run(case, "DATA-02", "en"), run(case, "DATA-02", "ja")
    assert english.verdict is ja.verdict is Verdict.NOT_APPLICABLE
    assert DECIDED_BY_ICS in ja.decided_by
    assert english.reasons[0].startswith("the ICS declares EN 303 645 provision")
    assert untranslated(texts_of(ja), [why, *device_values(case)]) == [], ja.reasons
    assert "ICS" in ja.reasons[0] and "対象外" in ja.reasons[0]


# --- the probe through test access: LOG-01 and the helpers of the probe-judged checks ------------------
@pytest.mark.parametrize("run_name", ["clean", "defective", "errored", "no_access", "hostile"])
def test_log_01_on_the_unit_speaks_japanese(tmp_path: Path, run_name: str) -> None:
    case = with_image(unit_case(tmp_path / run_name, spec_of(run_name)), "clean")
    english, ja = run(case, "LOG-01", "en"), run(case, "LOG-01", "ja")
    assert ja.verdict == english.verdict and ja.decided_by == english.decided_by
    assert len(ja.reasons) == len(english.reasons)
    values = device_values(case) + _probe_values(case)
    assert untranslated(texts_of(ja), values) == [], ja.reasons


def _probe_values(case: Case) -> list[str]:
    """What the probe's rows quote from the unit (commands, file names, log lines, test details)."""
    ctx = EvidenceContext.for_case(case.path, "LOG-01")
    found = []
    for table, columns in (("session", ("command", "error")), ("device_log", ("file", "text")),
                           ("log_files", ("file", "error"))):  # fmt: skip
        for row in ctx.probe_rows(table):
            found += [str(row[c]) for c in columns if row.get(c)]
    probe = ctx.probe()
    if probe is not None:
        found += [t.detail for t in probe[1].tests if t.detail]
    return sorted(set(found), key=len, reverse=True)


# --- the judgement and the case status -----------------------------------------------------------------
def test_the_judgement_and_the_status_in_japanese(demo: dict[str, Case]) -> None:
    from workbench.catalog import load_catalog
    from workbench.judgement import judge, level_results
    from workbench.judgement.status import case_status, format_status

    case = demo["defective"]
    catalog = load_catalog(None)
    case.verdicts.record("DATA-02", "PASS", "sensors as declared", "Demo Inspector",
                         artefact_hashes={"nothing.pcap": "0" * 64})  # fmt: skip
    states = {}
    for lang in ("en", "ja"):
        with use_language(lang):
            results = {r.id: run(case, r.id, lang) if r.id in PROCEDURAL else None
                       for r in catalog.for_level(3)}  # fmt: skip
            states[lang] = [judge(case, r, results[r.id], catalog=catalog) for r in catalog.for_level(3)]
            levels = level_results(states[lang], 3)
            status = format_status(case_status(case, catalog))
        pending = [p["why"] for level in levels.values() for p in level["pending"]]
        if lang == "ja":
            assert [s.verdict for s in states["ja"]] == [s.verdict for s in states["en"]]
            stale = [r for s in states["ja"] for r in s.stale_reasons]
            details = [s.final.detail for s in states["ja"]]
            assert stale and untranslated(stale, device_values(case)) == []
            assert untranslated(pending + details, device_values(case)) == [], pending
            lines = [QUOTED.sub("", line) for line in status.splitlines()]
            assert untranslated(lines, device_values(case)) == [], status
            assert "要再確認" in status and "検査ケース" in status
        else:
            stale = " ".join(r for s in states["en"] for r in s.stale_reasons)
            assert "nothing.pcap changed or is gone" in stale
            assert status.splitlines()[0].startswith("Case ")


# --- the engines' warnings -----------------------------------------------------------------------------
def test_the_warnings_of_real_captures_render_in_japanese() -> None:
    from corpus_captures import CORPUS

    from workbench.capture import analyse_capture
    from workbench.enginetext import warning_template, warning_text

    if not CORPUS.is_dir():
        pytest.skip(f"no corpus of real captures at {CORPUS}")
    messages = set()
    for path in sorted(CORPUS.iterdir()):
        messages |= set(analyse_capture(path).tables["warnings"]["message"])
    assert messages
    for message in messages:
        found = warning_template(message)
        assert found is not None, message  # every warning the engine wrote has its template
        assert warning_text(message) == message  # English: as stored
        ja = warning_text(message, "ja")
        assert japanese(ja) and untranslated([ja], list(found[1].values())) == [], ja


def test_probe_warnings_nest_and_unknown_ones_stay_as_they_are() -> None:
    from workbench.enginetext import warning_text

    nested = "probe capture: file ends inside packet 7 (cut mid-record) (packet 7)"
    assert warning_text(nested, "ja") == (
        "プローブのパケットキャプチャ: ファイルがパケット 7 の途中で終わっている"
        "（レコード途中で切断）（パケット 7）"
    )
    dropped = "probe capture: tcpdump says 3 packet(s) were dropped by the kernel"
    assert warning_text(dropped, "ja") == (
        "プローブのパケットキャプチャ: tcpdump によれば、カーネルが 3 個のパケットを破棄した"
    )
    with use_language("ja"):
        assert warning_text("something no engine says") == "something no engine says"
        assert warning_text("extraction stopped after 300 s") == "展開を 300 秒で停止した"


# the details of the demo's probe of the simulated defective device (`workbench demo`), as its run wrote them
DEMO_DETAILS = (
    "9 ports found (1005 TCP and 22 UDP ports scanned); version detection cut short at 8 s on tcp/23,"
    " tcp/8080, tcp/80, tcp/554, tcp/2323",
    "1 TLS ports tested",
    "port 554: no answer to a well-formed request after overlong-path; the 4 inputs after it not sent, it no"
    " longer answers",
    "no test access for it: test-access.yaml grants no `password_change`",
    "port 554 (rtsp): refused 3 times in a row, given up; port 22 (ssh): offers no password login"
    " (publickey): key-only; port 80 (http): GET / asks for no login (200); port 443 (https): GET / asks for"
    " no login (200); port 1883 (mqtt): lets clients in without credentials (see the access test)",
    "user 'root', 20 wrong passwords per service; port 22 (ssh): offers no password login (publickey):"
    " key-only; port 80 (http): GET / asks for no login (200); port 554 (rtsp): refused from attempt 1,"
    " persists; port 1883 (mqtt): lets clients in without credentials (see the access test)",
)


@pytest.mark.parametrize("detail", DEMO_DETAILS)
def test_the_probes_test_details_render_in_japanese(detail: str) -> None:
    from workbench.enginetext import detail_text

    assert detail_text(detail) == detail == detail_text(detail, "en")
    ja = detail_text(detail, "ja")
    assert japanese(ja) and untranslated([ja]) == [], ja


def test_a_partial_probe_test_is_said_in_japanese_with_its_detail(tmp_path: Path) -> None:
    from workbench.checks._probe import not_done
    from workbench.probe.results import TestRun, TestStatus

    test = TestRun("default_credentials", "paramiko", TestStatus.PARTIAL, detail=DEMO_DETAILS[4])
    assert not_done(test, "default_credentials") == (
        f"the probe's default credentials test could do only part of its work ({DEMO_DETAILS[4][:199]}…)"
    )
    with use_language("ja"):
        said = not_done(test, "default_credentials")
    assert said.startswith("プローブの default credentials テストは作業の一部しか行えなかった（ポート 554")
    assert untranslated([said]) == [], said


# --- re-inspection: the renewal plan, its reasons and the overview's section ---------------------------
def test_a_renewal_planned_in_japanese(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "renewal"))
    from renewal_helpers import DECLARATION, HTTP_AUTH, INITTAB, VERDICTS, image, new_case, record

    from workbench.analysis import prepare
    from workbench.renewal.plan import load_plan, plan_html
    from workbench.renewal.renew import renew_case

    if not HTTP_AUTH.is_file():
        pytest.skip(f"no corpus capture {HTTP_AUTH}")
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text(DECLARATION)
    old = new_case(tmp_path / "cam-2.1", firmware=image(tmp_path, "v1"), declaration=declaration)
    prepare(old)
    for rid, (verdict, rationale, refs) in VERDICTS.items():
        record(old, rid, verdict, rationale, refs)
    changed = image(tmp_path, "inittab", {"/etc/inittab": INITTAB + "::respawn:/bin/sh\n"})
    plans, pages = {}, {}
    for lang in ("en", "ja"):
        with use_language(lang):
            new = renew_case(old, tmp_path / f"cam-2.2-{lang}", firmware=[changed], firmware_version="2.2")
            plans[lang], pages[lang] = load_plan(new), plan_html(new)
    assert [(i["id"], i["plan"]) for i in plans["ja"]["requirements"]] == [
        (i["id"], i["plan"]) for i in plans["en"]["requirements"]
    ]
    english = {i["id"]: i["reason"] for i in plans["en"]["requirements"]}
    assert "/etc/inittab changed in inittab.img" in english["ATK-08"]
    values = [*device_values(old), "fw.img", "traffic.pcap", "declaration.yaml", "/etc/inittab"]
    values.append("sh on console")  # a service of the new image, as the firmware diff names it
    reasons = [i["reason"] for i in plans["ja"]["requirements"]]
    reasons += [a["reason"] for a in plans["ja"]["artefacts"]]
    assert all(japanese(r) for r in reasons), reasons
    assert untranslated(reasons, values) == [], reasons
    atk_08 = next(i["reason"] for i in plans["ja"]["requirements"] if i["id"] == "ATK-08")
    assert "inittab.img で /etc/inittab が変更された" in atk_08, atk_08
    assert "services 追加 sh on console" in atk_08, atk_08  # the diff's change word in Japanese
    assert "更新計画" in pages["ja"] and "Renewal plan" in pages["en"]
    page = re.sub(r"<[^>]+>", " | ", re.sub(r"<code>.*?</code>", " | ", pages["ja"]))  # code is code
    assert untranslated([page], values + [str(tmp_path)]) == [], page
