"""formats/ts-103-701.html on a real bundle: the real `workbench run` of a case whose declaration has an
ICS and an IXIT, on the batch's fixture checks and notebooks (tests/batch/conftest.py), under a copy of
the batch's fixture catalogue whose requirements map to EN 303 645 provisions. Per provision the test
group, its conceptual and functional test cases and the lab report's result, from the test units'
final verdicts (a provision declared not applicable is so once the inspector confirmed it; a FAIL
contradicts the declaration); hostile strings stay text, control and bidi characters shown escaped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from batch.conftest import CATALOG as BATCH_CATALOG
from batch.conftest import NOTEBOOKS, invoke

from workbench.case import Case, CaseInfo
from workbench.errors import BundleError
from workbench.export.ts103701 import REPORT_NAME, build_report, write_report
from workbench.sealed import BundleView, open_bundle

SCRIPT = '<script>alert("ics")</script>'
MAPPINGS = {  # the fixture checks: FIX-01 FAIL with findings, FIX-03 manual, FIX-04 assisted, FIX-08 PASS
    "FIX-01": ["5.1-1", "5.6-1"],
    "FIX-03": ["5.10-1", "6-4"],
    "FIX-04": ["5.6-1", "5.3-13"],
    "FIX-08": ["5.5-1"],
}
DECLARATION = f"""\
open_ports:
  - {{proto: tcp, port: 443, service: https, ixit_ref: IXIT 15-1}}
ics:
  "5.1-1": {{status: supported}}
  "5.5-1": {{status: supported, justification: TLS 1.3 only}}
  "5.6-1": {{status: supported}}
  "5.10-1": {{status: not_applicable, justification: '{SCRIPT} no telemetry'}}
  "6-4": {{status: not_applicable, justification: '{SCRIPT} no telemetry'}}
  "5.3-13": {{status: not_applicable, justification: no support period}}
  "5.3-14": {{status: not_applicable, justification: the camera can be updated}}
ixit:
  - {{id: IXIT 1-1, section: 1, title: Passwords, text: 'set at first use {SCRIPT}', provisions: ["5.1-1"]}}
  - {{id: IXIT 2-1, section: 2, title: Support, text: five years, provisions: ["5.3-13"]}}
  - {{id: IXIT 11-1, section: 11, title: TLS, text: TLS 1.3 only, provisions: ["5.5-1"]}}
  - {{id: IXIT 15-1, section: 15, title: Ports, text: 443 only, fields: [open_ports]}}
"""


def _bundle(root: Path, mappings: dict[str, list[str]], declaration: str,
            verdicts: dict[str, tuple[str, str]], only: str, *extra: str) -> Path:
    """The real `workbench run` of a case with `declaration` and the inspector's `verdicts`
    (id: (verdict, rationale)) under the batch's fixture catalogue mapped by `mappings`; `extra`
    arguments of the run (`--lang ja`: tests/i18n/test_ts103701_ja.py)."""
    catalog = yaml.safe_load(BATCH_CATALOG.read_text())
    for requirement in catalog["requirements"]:
        requirement.setdefault("mappings", {})["etsi_en_303_645"] = mappings.get(requirement["id"], [])
    catalog_path = root / "catalog.yaml"
    catalog_path.write_text(yaml.safe_dump(catalog, sort_keys=False))
    info = CaseInfo(device=f"{SCRIPT} camera", vendor="Acme", model="C100", firmware_version="2.1", level=2,
                    catalog_edition="test.1", inspectors=["Ines Inspector"])
    case = Case.create(root / "case", info)
    source = root / "declaration.yaml"
    source.write_text(declaration)
    case.declare(source)
    for rid, (verdict, rationale) in verdicts.items():
        case.verdicts.record(rid, verdict, rationale, "Ines Inspector", artefact_hashes=case.current_hashes())
    run = invoke("run", str(case.path), "--out", str(root / "evidence"), "--catalog", str(catalog_path),
                 "--notebooks", str(NOTEBOOKS), "--jobs", "2", "--no-progress", "--only", only, *extra)
    assert run.code == 0, run.err
    return Path(run.out.strip().splitlines()[-1]).parent


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bundle(tmp_path_factory.mktemp("ts103701"), MAPPINGS, DECLARATION,
                   {"FIX-04": ("PASS", "seen on the device")}, "FIX-01,FIX-03,FIX-04,FIX-08")


CONFIRMED = """\
ics:
  "5.10-1": {status: not_applicable, justification: "no telemetry \\e[8mhidden\\e[0m \\u202Eyrtemelet on"}
  "6-4": {status: not_applicable, justification: no telemetry, notes: "\\u2066isolated\\u2069"}
  "5.3-14": {status: not_applicable, justification: the camera cannot be updated}
ixit:
  - {id: IXIT 1-1, section: 1, title: "Pass\\u202Ewords", provisions: ["5.1-1"],
     text: "set at first use \\x1b]0;title\\x07"}
"""


@pytest.fixture(scope="session")
def confirmed(tmp_path_factory: pytest.TempPathFactory) -> Page:
    """The inspector confirmed FIX-03 not applicable (5.10-1, 6-4); FIX-01 fails though its only
    provision, 5.3-14, is declared not applicable; the declaration's text holds control and bidi
    characters."""
    bundle = _bundle(tmp_path_factory.mktemp("ts103701-confirmed"),
                     {"FIX-01": ["5.3-14"], "FIX-03": ["5.10-1", "6-4"]}, CONFIRMED,
                     {"FIX-03": ("NOT_APPLICABLE", "no telemetry seen on the device or in the capture")},
                     "FIX-01,FIX-03")
    return Page((bundle / "formats" / REPORT_NAME).read_text())


class Page(HTMLParser):
    """The summary rows (by provision) and the test groups' text (by provision)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.rows: dict[str, list[str]] = {}
        self.groups: dict[str, str] = {}
        self.links: list[str] = []
        self._row: str | None = None
        self._group: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        ident = found.get("id") or ""
        if tag == "tr" and ident.startswith("sum-"):
            self._row = ident[4:]
            self.rows[self._row] = []
        elif tag == "td" and self._row:
            self.rows[self._row].append("")
        elif tag == "section" and ident.startswith("tg-"):
            self._group = ident[3:]
            self.groups[self._group] = ""
        elif tag == "a":
            self.links.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row:
            self.rows[self._row] = [" ".join(cell.split()) for cell in self.rows[self._row]]
            self._row = None
        elif tag == "section":
            self._group = None

    def handle_data(self, data: str) -> None:
        if self._row and self.rows[self._row]:
            self.rows[self._row][-1] += data
        if self._group:
            self.groups[self._group] += data


    @staticmethod
    def counts(html: str) -> dict[str, int]:
        """The summary table of results: each result's word and its count."""
        head = html.split("<h2>Result per provision</h2>", 1)[1].split("</table>", 1)[0]
        words = [w.strip() for w in head.split("<thead>")[1].split("</thead>")[0].split("</th>")[:-1]]
        numbers = [n.strip() for n in head.split("<tbody>")[1].split("</tbody>")[0].split("</td>")[:-1]]
        return {w.rsplit(">", 1)[1]: int(n.rsplit(">", 1)[1]) for w, n in zip(words, numbers, strict=True)}


def report_of(path: Path) -> str:
    with open_bundle(path) as source:
        return build_report(BundleView(source))


@pytest.fixture(scope="session")
def page(bundle: Path) -> Page:
    return Page((bundle / "formats" / REPORT_NAME).read_text())


def test_the_sealed_bundle_holds_the_page_as_built_from_it(bundle: Path) -> None:
    written = (bundle / "formats" / REPORT_NAME).read_text()
    assert written == report_of(bundle) == report_of(bundle.with_suffix(".zip"))
    outputs = json.loads((bundle / "manifest.json").read_text())["outputs"]
    assert f"formats/{REPORT_NAME}" in {entry["path"] for entry in outputs}  # sealed with the bundle


def test_the_result_per_provision(page: Page) -> None:
    def result(provision: str) -> tuple[str, str, str]:
        cells = page.rows[provision]
        return cells[3], cells[4], cells[5]  # result, conceptual, functional

    assert len(page.rows) == 67
    assert result("5.5-1") == ("conforms", "PASS", "PASS")
    assert result("5.1-1") == ("does not conform", "PASS", "FAIL")  # FIX-01 failed
    assert result("5.6-1") == ("does not conform", "INCONCLUSIVE", "FAIL")  # no IXIT entry names it
    # FIX-03 proposed N/A on the ICS alone: PENDING until the inspector confirms, so not counted as N/A
    assert result("5.10-1") == ("not assessed", "NOT_APPLICABLE", "PENDING")
    assert result("6-4") == ("not assessed", "NOT_APPLICABLE", "PENDING")
    assert ("declared not applicable in the ICS; the inspector confirms (FIX-03 awaits the inspector's "
            "verdict)") in page.rows["6-4"][6]
    assert result("5.3-13") == ("does not conform", "FAIL", "PASS")  # N/A, yet IXIT 2-1 says how; FIX-04 PASS
    assert "IXIT 2-1" in page.rows["5.3-13"][6]
    assert result("5.3-14") == ("not applicable", "NOT_APPLICABLE", "—")  # the ICS alone: no test units
    assert result("5.2-1") == ("not assessed", "INCONCLUSIVE", "—")


def test_the_counts_take_no_provision_as_not_applicable_before_the_inspector(bundle: Path) -> None:
    counts = Page.counts((bundle / "formats" / REPORT_NAME).read_text())
    assert counts["not applicable"] == 1  # 5.3-14: the ICS alone, no test unit to confirm
    assert counts["does not conform"] == 3 and counts["conforms"] == 1


def test_the_inspectors_confirmation_makes_it_not_applicable(confirmed: Page) -> None:
    def result(provision: str) -> tuple[str, str, str]:
        cells = confirmed.rows[provision]
        return cells[3], cells[4], cells[5]

    assert result("5.10-1") == ("not applicable", "NOT_APPLICABLE", "NOT_APPLICABLE")
    assert result("6-4") == ("not applicable", "NOT_APPLICABLE", "NOT_APPLICABLE")
    assert confirmed.rows["6-4"][6] == "declared not applicable in the ICS; confirmed by the inspector"


def test_a_failing_unit_contradicts_a_declared_not_applicable(confirmed: Page) -> None:
    cells = confirmed.rows["5.3-14"]
    assert (cells[3], cells[4], cells[5]) == ("does not conform", "NOT_APPLICABLE", "FAIL")
    assert ("functional: FIX-01 failed; declared not applicable in the ICS, yet the evidence contradicts "
            "the declaration") in cells[6]


def test_control_and_bidi_characters_are_shown_escaped(confirmed: Page) -> None:
    html = confirmed.html
    assert not any(c in html for c in "\x1b\x07\u202e\u2066\u2069")
    assert r"no telemetry \x1b[8mhidden\x1b[0m \u202eyrtemelet on" in html
    assert r"\u2066isolated\u2069" in html and r"Pass\u202ewords" in html
    assert r"set at first use \x1b]0;title\x07" in html


def test_the_test_groups_and_their_units(page: Page, bundle: Path) -> None:
    assert set(page.groups) == {"5.1-1", "5.5-1", "5.6-1", "5.10-1", "6-4", "5.3-13", "5.3-14"}
    group = page.groups["5.1-1"]
    assert "Test case 5.1-1-1 (conceptual)" in group and "Test case 5.1-1-2 (functional)" in group
    assert f"IXIT 1-1 (authentication mechanisms) Passwords: set at first use {SCRIPT}" in group
    assert "demo.pcap · packet 12" in group and "demo.pcap · packet 40" in group  # FIX-01's evidence
    assert "telnet open" in group and "anonymous FTP" in group
    assert "../notebooks/FIX-01.html" in page.links and (bundle / "notebooks" / "FIX-01.html").is_file()
    assert "../index.html#FIX-01" in page.links
    unit_6_1 = page.groups["5.6-1"]
    assert "FIX-04" in unit_6_1 and "inspector" in unit_6_1  # its recorded verdict is the unit's
    assert "No requirement of the catalogue tests 5.3-14" in page.groups["5.3-14"]


def test_hostile_strings_are_text(bundle: Path) -> None:
    html = (bundle / "formats" / REPORT_NAME).read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#34;ics&#34;)&lt;/script&gt; no telemetry" in html  # the justification
    assert "&lt;script&gt;alert(&#34;ics&#34;)&lt;/script&gt; camera" in html  # the device's name


def copy_of(bundle: Path, tmp_path: Path) -> Path:
    copy = tmp_path / bundle.name
    shutil.copytree(bundle, copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def test_a_flat_or_missing_or_broken_declaration(bundle: Path, tmp_path: Path) -> None:
    copy = copy_of(bundle, tmp_path)
    declaration = copy / "case" / "declaration.yaml"
    declaration.write_text("open_ports:\n  - {proto: tcp, port: 443}\n")  # flat: no ICS
    flat = Page(report_of(copy))
    assert {cells[4] for cells in flat.rows.values()} == {"INCONCLUSIVE"}
    assert flat.rows["5.1-1"][3] == "does not conform" and flat.rows["5.5-1"][3] == "not assessed"
    assert "workbench case declare --convert" in flat.rows["5.5-1"][6]
    declaration.write_text("ics: {'5.1-1': {status: not_applicable}}\n")  # no justification
    assert "the declaration could not be read" in report_of(copy)
    declaration.unlink()
    assert "the bundle holds no declaration" in report_of(copy)


def test_a_crafted_bundle_gets_no_link_and_no_script(bundle: Path, tmp_path: Path) -> None:
    copy = copy_of(bundle, tmp_path)
    results = json.loads((copy / "results.json").read_text())
    row = next(r for r in results["checks"] if r["id"] == "FIX-01")
    row["page"] = "javascript:alert(1)"
    row["title"] = SCRIPT
    results["checks"][1]["page"] = "notebooks/../../../etc/passwd.html"
    (copy / "results.json").write_text(json.dumps(results))
    html = report_of(copy)
    links = Page(html).links
    assert not any(link.startswith("javascript") or ".." in link.replace("../", "", 1) for link in links)
    assert "<script" not in html.lower() and "&lt;script&gt;" in html


@pytest.mark.parametrize("crafted", ["rows", "row", "outcome"])
def test_a_malformed_bundle_is_refused_naming_the_record(bundle: Path, tmp_path: Path, crafted: str) -> None:
    copy = copy_of(bundle, tmp_path)
    results = json.loads((copy / "results.json").read_text())
    if crafted == "rows":
        results["checks"] = {"not": "a list"}
    elif crafted == "row":
        results["checks"].append({"id": "FIX-99", "verdict": SCRIPT, "reasons": "not a list", "page": 7})
    (copy / "results.json").write_text(json.dumps(results))
    if crafted == "outcome":
        (copy / "outcomes" / "FIX-08.json").write_text(json.dumps({"result": {"findings": "many"}}))
    named = "outcomes/FIX-08.json" if crafted == "outcome" else "results.json"
    with pytest.raises(BundleError, match=named):
        report_of(copy)
    warnings: list[str] = []
    (copy / "formats" / REPORT_NAME).unlink()
    assert write_report(copy, warnings) is None
    assert warnings and "TS 103 701 report page was not written" in warnings[0] and named in warnings[0]
    assert not (copy / "formats" / REPORT_NAME).exists()


def test_write_report_writes_the_page(bundle: Path, tmp_path: Path) -> None:
    copy = copy_of(bundle, tmp_path)
    shutil.rmtree(copy / "formats")
    warnings: list[str] = []
    assert write_report(copy, warnings) == copy / "formats" / REPORT_NAME
    assert warnings == [] and (copy / "formats" / REPORT_NAME).read_text() == report_of(bundle)


def test_a_page_that_would_hold_script_is_refused(bundle: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ts103701.html.j2").write_text("<p>{{ case.model }}</p><a href='javascript:x'>x</a>")
    with open_bundle(bundle) as source, pytest.raises(BundleError, match="would hold a href"):
        build_report(BundleView(source), templates)


def test_the_report_does_not_import_the_batch() -> None:
    code = ("import sys, workbench.export.ts103701; "
            "sys.exit(any(m.startswith('workbench.batch') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
