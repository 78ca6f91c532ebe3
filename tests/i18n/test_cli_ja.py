"""Commands bound to a Japanese case speak Japanese (issue 11): `case add|declare|verdict|address|status`,
`check ID CASE`, the multi-case summary table (aligned by display width), and a Japanese-only lab
catalogue's fallback mark in an English bundle; `verify` and `reproduce` in the bundle's language.

Real cases (`workbench case new --lang ja`), a real capture, real declarations, real checks; the bundles
are real runs of one requirement."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from cli_invoke import invoke_with
from english import english_runs

from workbench.batch.cases import CaseOutcome, run_cases
from workbench.batch.runner import BatchOptions, requirement_title
from workbench.catalog import load_catalog
from workbench.catalog.render import AUTOMATION_LABELS, display_width
from workbench.commands.batch import summary_table
from workbench.i18n import _, use_language

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = ROOT / "workbench" / "catalog" / "editions"
KANA = re.compile(r"[\u3040-\u30ff]")
NEW = ("--device", "IP camera", "--vendor", "Acme", "--model", "C100", "--firmware-version", "2.1",
       "--level", "1")


def cli(*args: object) -> SimpleNamespace:
    run = invoke_with({}, *map(str, args))
    return SimpleNamespace(code=run.code, out=run.out, err=run.err)


def ok(*args: object) -> str:
    run = cli(*args)
    assert run.code == 0, run.err
    return run.out


@pytest.fixture
def pcap() -> Path:
    from tests_case_paths import PCAP

    return PCAP


@pytest.fixture(autouse=True)
def _case_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "case"))


def new_case(where: Path, lang: str, *more: str) -> Path:
    ok("case", "new", where, *NEW, "--lang", lang, *more)
    return where


def test_case_add_declare_verdict_and_check_speak_the_cases_japanese(tmp_path, pcap):
    cam = new_case(tmp_path / "cam", "ja")
    added = ok("case", "add", cam, pcap, "--kind", "capture")
    assert f"{pcap.name} を追加した（パケットキャプチャ、" in added, added
    again = ok("case", "add", cam, pcap, "--kind", "capture")
    assert "何も追加していない" in again and "パケットキャプチャ" in again
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text("open_ports:\n  - {proto: tcp, port: 443, service: https}\n")
    assert "を製造者の申告として設定した（sha256 " in ok("case", "declare", cam, declaration)
    verdict = ok("case", "verdict", cam, "VULN-01", "--verdict", "PASS", "--inspector", "佐藤")
    assert verdict.startswith("VULN-01 の判定 PASS を記録した（検査員 佐藤、要件カタログ "), verdict
    assert "を記録した" in ok("case", "address", cam, "192.0.2.10")

    checked = ok("check", "COM-01", cam)
    assert checked.startswith("COM-01: 提案判定 "), checked
    reasons = [line for line in checked.splitlines() if line.startswith("  - ")]
    assert reasons and all(KANA.search(line) for line in reasons), checked  # made in Japanese
    english = ok("check", "COM-01", cam, "--lang", "en")
    assert english.startswith("COM-01: proposed verdict ") and not KANA.search(english), english
    assert json.loads(ok("check", "COM-01", cam, "--json"))["verdict"]  # JSON keeps its codes

    # the declaration changes: VULN-01's verdict goes stale; the reason names the kind in Japanese
    declaration.write_text("open_ports: []\n")
    ok("case", "declare", cam, declaration)
    status = ok("case", "status", cam)
    assert "製造者の申告 が変更されたか、なくなった" in status, status
    assert "declaration が" not in status and "declaration changed" not in status
    rows = {line.split()[0]: line.split() for line in status.splitlines() if re.match(r"[A-Z]+-\d\d ", line)}
    assert rows["COM-02"][2:4] == ["自動", "自動"], rows["COM-02"]  # automation, state
    assert rows["VULN-01"][2:4] == ["手動", "検査員"], rows["VULN-01"]
    with use_language("ja"):  # the words `catalog list --lang ja` and the bundle use
        assisted = AUTOMATION_LABELS["assisted"]
        assisted = _(assisted)
    assert assisted != "assisted" and rows["AUTH-04"][2:4] == [assisted, "保留"], rows["AUTH-04"]
    table = "\n".join(line for line in status.splitlines() if re.match(r"[A-Z]+-\d\d ", line))
    assert not re.search(r"\b(automatic|assisted|manual|pending|inspector)\b", table), table
    assert json.loads(ok("case", "status", cam, "--format", "json"))["requirements"][0]["automation"] in (
        "automatic", "assisted", "manual")  # the JSON keeps the codes


def test_an_english_case_says_the_same_as_before(tmp_path, pcap):
    cam = new_case(tmp_path / "cam", "en")
    added = ok("case", "add", cam, pcap, "--kind", "capture")
    assert added.startswith(f"added {pcap.name} (capture, ") and " bytes, sha256 " in added
    verdict = ok("case", "verdict", cam, "VULN-01", "--verdict", "PASS", "--inspector", "alice")
    assert verdict.startswith("recorded PASS for VULN-01 by alice, judged against catalogue ")
    checked = ok("check", "COM-01", cam)
    assert checked.startswith("COM-01: proposed verdict ") and not KANA.search(checked)


def test_the_summary_table_aligns_by_display_width_and_says_why_a_case_did_not_run(tmp_path):
    cam = new_case(tmp_path / "検査ケース", "ja")
    ok("case", "add", cam, ROOT / "tests" / "case" / "conftest.py", "--kind", "attachment")  # runs anyway
    missing = tmp_path / "ない"
    options = BatchOptions(case_dir=Path("."), out_dir=tmp_path / "out", progress=False, only=["VULN-01"])
    outcomes = run_cases([missing], options)
    assert outcomes[0].error and outcomes[0].result is None
    ran = CaseOutcome(cam, result=SimpleNamespace(
        levels={1: {"result": "不適合", "passed": 3, "requirements": 12}}, rows=[], errors=[],
        zip_path=tmp_path / "out" / "検査ケース.zip"))
    long_name = CaseOutcome(tmp_path / "a-case-with-a-long-ascii-name", error="did not start")
    with use_language("ja"):
        lines = summary_table([ran, *outcomes, long_name])
    assert "検査ケースのフォルダが存在しない" in lines[2], lines
    assert "no such case folder" not in "\n".join(lines)
    # every column starts at the same display column on every line: FAIL's column is the 3rd
    def starts(line: str) -> list[int]:  # the display column each cell starts at
        return [display_width(line[:m.start()]) for m in re.finditer(r"\S+(?: \S+)*", line)]

    assert len({tuple(starts(line)[:4]) for line in lines}) == 1, "\n".join(lines)


def japanese_only_catalogue(path: Path) -> Path:
    """Edition 2026.4 as a lab's catalogue in Japanese only (`language: ja`, its fields the Japanese)."""
    data = yaml.safe_load((EDITIONS / "2026.4.yaml").read_text(encoding="utf-8"))
    data["title"] = data.get("translations", {}).get("ja", {}).get("title", data.get("title"))
    data.pop("translations", None)
    data["language"], data["languages"] = "ja", ["ja"]
    for requirement in data["requirements"]:
        requirement.update(requirement.pop("translations")["ja"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_japanese_only_catalogue_is_marked_japanese_only_for_an_english_reader(tmp_path):
    catalog = load_catalog(japanese_only_catalogue(tmp_path / "lab.yaml"))
    requirement = catalog.get("AUTH-01")
    assert requirement_title(requirement, "en") == f"{requirement.text('ja').title} (Japanese only)"
    assert requirement_title(requirement, "ja") == requirement.text("ja").title


@pytest.mark.slow
def test_bundles_verify_and_reproduce_in_their_language(tmp_path):
    """An English case judged with a Japanese-only catalogue: the index and the page header say
    "(Japanese only)"; the same case's Japanese bundle: verify and reproduce say it in Japanese."""
    lab = japanese_only_catalogue(tmp_path / "lab.yaml")
    cam = new_case(tmp_path / "cam", "en", "--catalog-edition", str(lab))
    run = cli("run", cam, "--out", tmp_path / "en", "--only", "VULN-01", "--no-progress")
    assert run.code == 0, run.err
    bundle = Path(run.out.strip().splitlines()[-1]).parent
    title = load_catalog(lab).get("VULN-01").text("ja").title
    index = (bundle / "index.html").read_text(encoding="utf-8")
    page = (bundle / "notebooks" / "VULN-01.html").read_text(encoding="utf-8")
    for html in (index, page):
        assert f"{title} (Japanese only)" in html
        assert "(English only)" not in html

    japanese = cli("run", cam, "--out", tmp_path / "ja", "--only", "VULN-01", "--lang", "ja",
                   "--with-artefacts", "--no-progress")
    assert japanese.code == 0, japanese.err
    bundle = Path(japanese.out.strip().splitlines()[-1]).parent
    verified = cli("verify", bundle)
    assert verified.code == 0, verified.err
    assert "INTEGRITY OK（完全性を確認）: " in verified.out, verified.out
    assert "個のファイルが manifest.json と一致する" in verified.out
    english = cli("verify", Path(run.out.strip().splitlines()[-1]).parent)
    assert "INTEGRITY OK: " in english.out and not KANA.search(english.out)
    reproduced = cli("reproduce", bundle, "--out", tmp_path / "again", "--catalog", lab)
    summary = [line for line in reproduced.out.splitlines() if line.startswith(("SAME", "DIFFERENT"))]
    assert summary and "same（同一） 1 件" in summary[0], reproduced.out + reproduced.err
    assert not english_runs(summary[0].split(":", 1)[1].replace("same", "")), summary


def test_renew_carry_and_compare_speak_the_cases_japanese(tmp_path):
    old = new_case(tmp_path / "old", "ja")
    ok("case", "verdict", old, "VULN-01", "--verdict", "PASS", "--inspector", "佐藤")
    renewed = ok("case", "renew", old, tmp_path / "new", "--firmware-version", "2.2")
    assert f"{old} → {tmp_path / 'new'} に更新した（Acme C100 2.2、要件カタログ " in renewed, renewed
    header = next(line for line in renewed.splitlines() if line.startswith("ID "))
    assert header.split() == ["ID", "計画", "旧判定", "判定者", "理由"], header
    carried = ok("case", "carry", tmp_path / "new", "--all", "--inspector", "佐藤")
    assert carried.startswith("VULN-01 を引き継いだ: PASS、確認した検査員 佐藤"), carried
    compared = ok("case", "compare", old, tmp_path / "new").splitlines()
    assert compared[0].endswith("、レベル 1"), compared[0]
    head, first = compared[1], compared[2]  # the columns line up by display width
    assert display_width(head[:head.index("状態")]) == first.index("unchanged"), (head, first)
