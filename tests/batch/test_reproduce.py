"""`workbench reproduce` on a vendor's real bundles: the real `workbench run` on the demo's defective
camera (capture, firmware image, vulnerability feed, declaration; no live probe) under a lab's
catalogue of seven requirements (a complete run), built once per session with and without
`--with-artefacts`, and a partial run (`--only`) under the bundled edition. A faithful bundle
reproduces the same; each planted difference is reported exactly; a tampered or crafted bundle is
refused or writes nothing outside DIR."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from batch.conftest import Invocation, invoke

from workbench import cli
from workbench.batch.manifest import output_entries, seal_line, sha256_bytes
from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.catalog.loader import EDITIONS_DIR
from workbench.checks.base import Check
from workbench.demo import build_case, load_demo_case
from workbench.judgement import state as judgement_state

# capture, firmware (with the feed) and declaration evidence: the lab catalogue's requirements
ONLY = ("AUTH-01", "SEC-01", "COM-01", "COM-02", "COM-03", "ATK-01", "UPD-02")
LAB_EDITION = "2026.4-lab"
CAPTURE = "demo_defective.pcap"
IMAGE = "demo_defective.img"
FEED = "osv-sample.json"


@dataclass(frozen=True)
class VendorRun:
    case: Case
    catalog: Path  # the lab catalogue (the bundled edition's seven requirements) both bundles used
    bundle: Path  # the bundle folder of `run --with-artefacts`
    plain: Path  # the bundle folder of a plain `run` of the same case: no artefacts/
    partial: Path  # `run --only COM-02 --with-artefacts` under the bundled edition


def lab_catalogue(path: Path, ids: tuple[str, ...] = ONLY, edition: str = LAB_EDITION,
                  replace: dict[str, str] | None = None) -> Path:
    """The bundled edition cut to `ids`, renamed `edition`, with text replaced (each once)."""
    text = (EDITIONS_DIR / "2026.4.yaml").read_text()
    for old, new in (replace or {}).items():
        assert text.count(old) == 1
        text = text.replace(old, new)
    data = yaml.safe_load(text)
    data["edition"] = edition
    data["requirements"] = [r for r in data["requirements"] if r["id"] in ids]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def _run(case: Case, out: Path, *extra: str) -> Path:
    done = invoke("run", str(case.path), "--out", str(out), "--jobs", "2", "--no-progress", *extra)
    assert done.code == 0, done.err
    return Path(done.out.strip().splitlines()[-1]).parent


@pytest.fixture(scope="session")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> VendorRun:
    """The vendor's case, with an inspector's verdict the lab must not copy, and its three bundles."""
    root = tmp_path_factory.mktemp("vendor")
    case = build_case(load_demo_case("defective"), root / "cases")
    case.verdicts.record("COM-03", "PASS", "the vendor's inspector overrules the check", "Vera Vendor",
                         artefact_hashes=case.current_hashes())
    catalog = lab_catalogue(root / "lab-catalogue.yaml")
    return VendorRun(
        case, catalog,
        bundle=_run(case, root / "with", "--catalog", str(catalog), "--with-artefacts"),
        plain=_run(case, root / "plain", "--catalog", str(catalog)),
        partial=_run(case, root / "partial", "--only", "COM-02", "--with-artefacts"),
    )


def reproduce(*argv: str | Path) -> Invocation:
    """`workbench reproduce ...` through the real CLI, the command registered as cli.COMMANDS will."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(cli.COMMANDS, "reproduce", "workbench.commands.reproduce")
        return invoke("reproduce", *map(str, argv))


def lab(vendor: VendorRun, bundle: Path, out: Path, *extra: str | Path) -> Invocation:
    """The lab reproduces a bundle of the vendor's lab catalogue, with its own copy of it."""
    return reproduce(bundle, "--out", out, "--catalog", vendor.catalog, *extra)


def reseal(bundle: Path) -> None:
    """Hash every file into manifest.json again, write manifest.sha256: as a vendor's sealing tool would."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["outputs"] = output_entries(bundle)
    raw = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    (bundle / "manifest.json").write_bytes(raw)
    (bundle / "manifest.sha256").write_text(seal_line(sha256_bytes(raw)))


def reproduction(out: Path) -> dict:
    return json.loads((out / "reproduction.json").read_text())


def by_id(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in reproduction(out)["requirements"]}


def statuses(out: Path) -> dict[str, str]:
    return {rid: r["status"] for rid, r in by_id(out).items()}


def all_same() -> dict[str, str]:
    return dict.fromkeys(ONLY, "same")


# --- the faithful bundle -------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["folder", "zip"])
def test_the_vendors_bundle_reproduces_the_same(vendor, tmp_path, form):
    bundle = vendor.bundle if form == "folder" else vendor.bundle.with_suffix(".zip")
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 0, (done.out, done.err)
    data = reproduction(tmp_path / "lab")
    assert statuses(tmp_path / "lab") == all_same()
    assert data["same"] is True and data["summary"]["same"] == len(ONLY)
    assert (data["level"], data["partial"], data["not_inspected"], data["problems"]) == (3, False, [], [])
    assert data["summary_line"] == (f"SAME  {vendor.bundle.name}: 7 requirement(s) compared: 7 same; "
                                    f"level 3; catalogue {LAB_EDITION}")
    manifest = (vendor.bundle / "manifest.json").read_bytes()
    assert data["bundle"] == vendor.bundle.name and data["manifest_sha256"] == sha256_bytes(manifest)
    assert data["catalog"]["matches_bundle"] is True and data["missing_artefacts"] == []
    assert {a["name"]: a["source"] for a in data["artefacts"]} == {
        "declaration": "bundle", CAPTURE: "bundle", IMAGE: "bundle", FEED: "bundle"}
    assert {r["bundle_verdict"] for r in data["requirements"]} == {"FAIL"}
    assert all(r["results_differences"] == [] for r in data["requirements"])
    assert done.out.splitlines()[0].startswith(f"SAME  {vendor.bundle.name}: 7 requirement(s) compared")
    assert done.err == ""
    html = (tmp_path / "lab" / "reproduction.html").read_text()
    assert all(f'<tr id="{rid}">' in html for rid in ONLY) and 'id="partial"' not in html


def test_the_rebuilt_case_holds_the_evidence_and_never_the_vendors_verdicts(vendor, tmp_path):
    assert list((vendor.bundle / "case" / "verdicts" / "COM-03").glob("*.json")), "the bundle holds it"
    assert lab(vendor, vendor.bundle, tmp_path / "lab").code == 0
    rebuilt = Case.open(tmp_path / "lab" / "case")
    assert rebuilt.verdicts.latest("COM-03") is None
    assert rebuilt.info == vendor.case.info
    assert {a.name: (a.kind, a.sha256) for a in rebuilt.artefacts()} == {
        a.name: (a.kind, a.sha256) for a in vendor.case.artefacts()}
    assert rebuilt.declaration_sha256() == vendor.case.declaration_sha256()
    written = sorted(p.name for p in (tmp_path / "lab").iterdir())
    assert written == ["case", "reproduction.html", "reproduction.json"]


# --- planted differences -------------------------------------------------------------------------
TLS_1_0 = {'min_tls_version: "TLS 1.2"': 'min_tls_version: "TLS 1.0"'}


def test_a_lab_catalogue_with_another_tls_floor_differs_in_com02_only(vendor, tmp_path):
    other = lab_catalogue(tmp_path / "lab-catalogue.yaml", replace=TLS_1_0)
    done = reproduce(vendor.bundle, "--out", tmp_path / "lab", "--catalog", other)
    assert done.code == 1
    assert statuses(tmp_path / "lab") == {**all_same(), "COM-02": "different-findings"}
    com02 = by_id(tmp_path / "lab")["COM-02"]
    assert (com02["bundle_verdict"], com02["reproduced_verdict"]) == ("FAIL", "FAIL")  # the weak cipher stays
    assert com02["only_in_reproduction"] == []
    [gone] = com02["only_in_bundle"]
    assert "settled on TLS 1.0, below the floor TLS 1.2" in gone["summary"]
    assert [(r["artefact"], r["packet"]) for r in gone["evidence"]] == [(CAPTURE, 41)]
    assert "the catalogue differs from the bundle's" in done.err
    assert "this installation has no copy of the bundle's catalogue to compare requirement by" in done.err
    assert reproduction(tmp_path / "lab")["catalog"]["matches_bundle"] is False
    lines = done.out.splitlines()
    assert lines[0] == ("COM-02  different-findings: 1 finding(s) only in the bundle, "
                        "0 only in the reproduction")
    assert lines[1].startswith("    only in the bundle: [high] The handshake")
    assert lines[2].startswith("DIFFERENT")


def _rewrite_outcome(vendor, tmp_path, rid, change) -> Path:
    bundle = shutil.copytree(vendor.bundle, tmp_path / vendor.bundle.name)
    path = bundle / "outcomes" / f"{rid}.json"
    outcome = json.loads(path.read_text())
    change(outcome["result"])
    path.write_text(json.dumps(outcome, indent=2))
    reseal(bundle)
    return bundle


def test_a_rewritten_finding_is_named_exactly(vendor, tmp_path):
    original = {}

    def plant(result):
        finding = result["findings"][1]
        original.update(json.loads(json.dumps(finding)))
        finding["summary"] = '<script>alert("vendor")</script> nothing to see'

    bundle = _rewrite_outcome(vendor, tmp_path, "SEC-01", plant)
    assert invoke("verify", str(bundle)).code == 0, "re-sealed as a vendor's tool would"
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 1
    assert statuses(tmp_path / "lab") == {**all_same(), "SEC-01": "different-findings"}
    sec01 = by_id(tmp_path / "lab")["SEC-01"]
    [planted] = sec01["only_in_bundle"]
    [real] = sec01["only_in_reproduction"]
    assert planted["summary"] == '<script>alert("vendor")</script> nothing to see'
    assert (real["summary"], real["severity"]) == (original["summary"], original["severity"])
    assert [r["sha256"] for r in real["evidence"]] == [r["sha256"] for r in original["evidence"]]
    assert len(sec01["only_in_bundle"]) == len(sec01["only_in_reproduction"]) == 1
    html = (tmp_path / "lab" / "reproduction.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;vendor&#34;)&lt;/script&gt;" in html


def test_findings_in_another_order_are_the_same(vendor, tmp_path):
    bundle = _rewrite_outcome(vendor, tmp_path, "ATK-01", lambda result: result["findings"].reverse())
    assert lab(vendor, bundle, tmp_path / "lab").code == 0
    assert statuses(tmp_path / "lab") == all_same()


def test_a_rewritten_verdict_is_a_different_verdict(vendor, tmp_path):
    def plant(result):
        result["verdict"] = "PASS"
        result["findings"] = []

    bundle = _rewrite_outcome(vendor, tmp_path, "COM-01", plant)
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 1
    assert statuses(tmp_path / "lab") == {**all_same(), "COM-01": "different-verdict"}
    com01 = by_id(tmp_path / "lab")["COM-01"]
    assert (com01["bundle_verdict"], com01["reproduced_verdict"]) == ("PASS", "FAIL")
    assert com01["only_in_bundle"] == [] and len(com01["only_in_reproduction"]) == 4
    assert com01["results_differences"] == [  # results.json still says what the check found
        "the proposed verdict is FAIL, the outcome's PASS", "it counts 4 finding(s), the outcome holds 0"]
    assert done.out.splitlines()[0] == "COM-01  different-verdict: PASS -> FAIL"
    assert "    results.json: the proposed verdict is FAIL, the outcome's PASS" in done.out.splitlines()


def test_a_check_that_raises_is_an_error(vendor, tmp_path, monkeypatch):
    class Broken(Check):
        requirement_id = "COM-01"

        def evaluate(self, ctx):
            raise RuntimeError("the lab's COM-01 is broken")

    registered = judgement_state.check_for
    monkeypatch.setattr(judgement_state, "check_for",
                        lambda rid: Broken() if rid == "COM-01" else registered(rid))
    done = lab(vendor, vendor.bundle, tmp_path / "lab")
    assert done.code == 1
    com01 = by_id(tmp_path / "lab")["COM-01"]
    assert (com01["status"], com01["bundle_verdict"], com01["reproduced_verdict"]) == (
        "error", "FAIL", "ERROR")
    assert "RuntimeError: the lab's COM-01 is broken" in com01["why"]
    assert statuses(tmp_path / "lab") == {**all_same(), "COM-01": "error"}


# --- where the artefacts come from ----------------------------------------------------------------
def test_artefacts_come_from_the_case_when_the_bundle_holds_none(vendor, tmp_path):
    assert not (vendor.plain / "artefacts").exists()
    done = lab(vendor, vendor.plain, tmp_path / "lab", "--case", vendor.case.path)
    assert done.code == 0, (done.out, done.err)
    data = reproduction(tmp_path / "lab")
    assert statuses(tmp_path / "lab") == all_same()
    assert {a["name"]: a["source"] for a in data["artefacts"]} == {
        "declaration": "bundle", CAPTURE: "case", IMAGE: "case", FEED: "case"}


def test_without_its_artefacts_nothing_is_reproduced_and_each_is_named(vendor, tmp_path):
    done = lab(vendor, vendor.plain, tmp_path / "lab")
    assert done.code == 1
    data = reproduction(tmp_path / "lab")
    assert data["missing_artefacts"] == [CAPTURE, IMAGE, FEED]
    assert statuses(tmp_path / "lab") == dict.fromkeys(ONLY, "not-reproduced")
    assert by_id(tmp_path / "lab")["COM-01"]["why"] == f"evidence missing: {CAPTURE}"
    # the feed is missing evidence only where the outcome names it: the checks that read the image do not
    for rid in ("SEC-01", "AUTH-01"):
        assert by_id(tmp_path / "lab")[rid]["why"] == f"evidence missing: {IMAGE}", rid
    assert f"artefact {IMAGE} not restored: not in the bundle (give --case with a case holding it)" in (
        done.err)


def test_an_artefact_the_lab_case_lacks_leaves_its_requirements_not_reproduced(vendor, tmp_path):
    lab_case = Case.create(tmp_path / "lab-case", vendor.case.info)
    lab_case.add_artefact(vendor.case.artefact(CAPTURE).path, "capture", name="lab-copy.pcap")
    done = lab(vendor, vendor.plain, tmp_path / "lab", "--case", lab_case.path)
    assert done.code == 1
    data = reproduction(tmp_path / "lab")
    assert data["missing_artefacts"] == [IMAGE, FEED]
    assert {a["name"]: a["source"] for a in data["artefacts"]}[CAPTURE] == "case"  # found by SHA-256
    capture_only = {"COM-01", "COM-02", "COM-03"}
    expected = {rid: "same" if rid in capture_only else "not-reproduced" for rid in ONLY}
    assert statuses(tmp_path / "lab") == expected
    assert by_id(tmp_path / "lab")["ATK-01"]["why"] == f"evidence missing: {IMAGE}"
    missing = [a for a in data["artefacts"] if a["source"] is None]
    assert {a["problem"] for a in missing} == {"neither in the bundle nor in the case given"}


# --- hostile bundles ------------------------------------------------------------------------------
def _tamper_byte(bundle: Path) -> None:
    path = bundle / "outcomes" / "COM-01.json"
    path.write_text(path.read_text().replace('"FAIL"', '"PASS"', 1))


def _add_file(bundle: Path) -> None:
    (bundle / "outcomes" / "EXTRA-01.json").write_text("{}")


def _swap_for_link(bundle: Path) -> None:
    target = bundle / "artefacts" / CAPTURE
    target.unlink()
    target.symlink_to("/etc/hostname")


@pytest.mark.parametrize(("tamper", "named"), [
    (_tamper_byte, "CHANGED  outcomes/COM-01.json"),
    (_add_file, "ADDED    outcomes/EXTRA-01.json"),
    (_swap_for_link, f"artefacts/{CAPTURE}"),
])
def test_a_tampered_bundle_is_refused_naming_what_changed(vendor, tmp_path, tamper, named):
    bundle = shutil.copytree(vendor.bundle, tmp_path / vendor.bundle.name, symlinks=True)
    tamper(bundle)
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 2
    assert "refused: the bundle fails its integrity check" in done.err and named in done.err
    assert not (tmp_path / "lab").exists()


def test_a_crafted_artefact_name_writes_nothing_outside_the_output(vendor, tmp_path):
    bundle = shutil.copytree(vendor.bundle, tmp_path / "bundle")
    register = bundle / "case" / "artefacts.yaml"
    capture = vendor.case.artefact(CAPTURE)
    entry = (f"- name: ../../x\n  kind: capture\n  sha256: {capture.sha256}\n  size: {capture.size}\n"
             "  added_at: '2026-01-01T00:00:00+00:00'\n")
    register.write_text(register.read_text().replace("artefacts:\n", "artefacts:\n" + entry, 1))
    shutil.copyfile(capture.path, bundle / "artefacts" / "x")
    reseal(bundle)
    before = sorted(p for p in tmp_path.rglob("*") if "out" not in p.parts)
    out = tmp_path / "deep" / "er" / "out"
    done = lab(vendor, bundle, out)
    assert done.code == 1
    assert sorted(p for p in tmp_path.rglob("*") if "out" not in p.parts) == before + [
        tmp_path / "deep", tmp_path / "deep" / "er"]
    assert sorted(os.listdir(out / "case" / "artefacts")) == sorted([CAPTURE, IMAGE, FEED])
    assert not (out / "x").exists() and not (out / "case" / "x").exists()
    data = reproduction(out)
    refused = [a for a in data["artefacts"] if a["name"] == "../../x"]
    assert refused == [{**refused[0], "source": None, "problem": "unsafe artefact name refused: '../../x'"}]
    assert data["missing_artefacts"] == ["../../x"]
    assert by_id(out)["COM-01"]["why"] == "evidence missing: ../../x"  # a capture the lab lacks
    assert by_id(out)["SEC-01"]["status"] == "same"  # the firmware's requirements reproduce


def test_a_zip_with_a_climbing_member_is_refused(vendor, tmp_path):
    crafted = tmp_path / "crafted.zip"
    with zipfile.ZipFile(vendor.bundle.with_suffix(".zip")) as source, zipfile.ZipFile(crafted, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr(f"{vendor.bundle.name}/artefacts/../../x", b"escape")
    done = reproduce(crafted, "--out", tmp_path / "lab")
    assert done.code == 2 and "unsafe member name refused" in done.err
    assert not (tmp_path / "lab").exists() and not (tmp_path / "x").exists()


@pytest.mark.parametrize("edition", ["1999.9", "/etc/passwd"])
def test_a_catalogue_this_installation_lacks_needs_catalog(vendor, tmp_path, edition):
    bundle = shutil.copytree(vendor.bundle, tmp_path / "bundle")
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["catalog"]["edition"] = edition
    raw = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (bundle / "manifest.json").write_bytes(raw)
    (bundle / "manifest.sha256").write_text(seal_line(sha256_bytes(raw)))
    done = reproduce(bundle, "--out", tmp_path / "lab")
    assert done.code == 2
    assert f"edition {edition!r}, which this installation does not ship; give the lab's copy" in done.err
    assert not (tmp_path / "lab").exists()


def test_an_output_folder_in_use_is_refused(vendor, tmp_path):
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "notes.txt").write_text("mine")
    done = lab(vendor, vendor.bundle, tmp_path / "lab")
    assert done.code == 2 and "not an empty folder" in done.err
    assert os.listdir(tmp_path / "lab") == ["notes.txt"]


@pytest.mark.parametrize(("declaration", "why"), [
    ("open_ports: 5\n", "evidence missing: declaration"),
    ("services: [ssh]\n",
     "evidence missing: the declaration it was judged on (sha256 {digest}…), not the bundle's"),
])
def test_a_declaration_other_than_the_one_judged_leaves_its_requirements_not_reproduced(
    vendor, tmp_path, declaration, why
):
    bundle = shutil.copytree(vendor.bundle, tmp_path / "bundle")
    (bundle / "case" / "declaration.yaml").write_text(declaration)
    reseal(bundle)
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 1
    digest = vendor.case.declaration_sha256()
    reads_declaration = {rid for rid in ONLY if digest in json.loads(
        (vendor.bundle / "outcomes" / f"{rid}.json").read_text())["result"]["evidence_used"]}
    assert {"AUTH-01", "COM-02", "ATK-01", "UPD-02"} <= reads_declaration
    expected = {rid: "not-reproduced" if rid in reads_declaration else "same" for rid in ONLY}
    assert statuses(tmp_path / "lab") == expected
    whys = {by_id(tmp_path / "lab")[rid]["why"] for rid in reads_declaration}
    assert whys == {why.format(digest=digest[:16])}


# --- what a bundle leaves out or contradicts ------------------------------------------------------
def _drop(bundle: Path, ids: tuple[str, ...], *, rows: bool, partial: bool = False) -> None:
    """A vendor's tool removes outcomes (and their results.json rows), then re-seals the bundle."""
    for rid in ids:
        (bundle / "outcomes" / f"{rid}.json").unlink()
    results = json.loads((bundle / "results.json").read_text())
    if rows:
        results["checks"] = [row for row in results["checks"] if row["id"] not in ids]
    results["partial"] = partial
    (bundle / "results.json").write_text(json.dumps(results, indent=2))
    reseal(bundle)
    assert invoke("verify", str(bundle)).code == 0, "re-sealed as a vendor's tool would"


@pytest.mark.parametrize("rows", [False, True], ids=["rows-kept", "rows-dropped"])
def test_outcomes_dropped_and_resealed_are_missing_with_the_labs_verdict(vendor, tmp_path, rows):
    bundle = shutil.copytree(vendor.bundle, tmp_path / vendor.bundle.name)
    _drop(bundle, ("AUTH-01", "COM-01"), rows=rows)
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 1
    assert statuses(tmp_path / "lab") == {**all_same(), "AUTH-01": "missing-outcome",
                                          "COM-01": "missing-outcome"}
    com01 = by_id(tmp_path / "lab")["COM-01"]
    assert com01["reproduced_verdict"] == "FAIL"  # the lab's own check
    if rows:
        assert com01["bundle_verdict"] is None
        assert com01["why"] == "the bundle holds no outcomes/COM-01.json and results.json has no row of it"
    else:
        assert com01["bundle_verdict"] == "FAIL"
        assert com01["why"] == ("the bundle holds no outcomes/COM-01.json; "
                                "results.json says proposed FAIL, verdict FAIL")
    assert "COM-01  missing-outcome: the lab's check proposes FAIL: the bundle holds no" in done.out
    assert done.out.splitlines()[-2].startswith(
        f"DIFFERENT  {bundle.name}: 7 requirement(s) compared: 5 same, 2 missing-outcome")


def test_a_results_row_that_disagrees_with_its_outcome_is_a_difference(vendor, tmp_path):
    bundle = shutil.copytree(vendor.bundle, tmp_path / vendor.bundle.name)
    results = json.loads((bundle / "results.json").read_text())
    row = next(r for r in results["checks"] if r["id"] == "COM-02")
    row.update(verdict="PASS", proposed="PASS", findings=0)  # the page says PASS; the outcome FAIL
    (bundle / "results.json").write_text(json.dumps(results, indent=2))
    reseal(bundle)
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 1
    assert statuses(tmp_path / "lab") == {**all_same(), "COM-02": "results-differ"}
    assert by_id(tmp_path / "lab")["COM-02"]["results_differences"] == [
        "the proposed verdict is PASS, the outcome's FAIL", "the verdict is PASS, the outcome's FAIL",
        "it counts 0 finding(s), the outcome holds 2"]
    html = (tmp_path / "lab" / "reproduction.html").read_text()
    assert "results.json disagrees with the outcome" in html


def test_a_bundle_claiming_a_partial_run_lists_what_it_left_out(vendor, tmp_path):
    bundle = shutil.copytree(vendor.bundle, tmp_path / vendor.bundle.name)
    _drop(bundle, ("AUTH-01",), rows=True, partial=True)
    done = lab(vendor, bundle, tmp_path / "lab")
    assert done.code == 1
    data = reproduction(tmp_path / "lab")
    assert (data["partial"], data["not_inspected"]) == (True, ["AUTH-01"])
    assert statuses(tmp_path / "lab") == {**all_same(), "AUTH-01": "not-inspected"}
    assert by_id(tmp_path / "lab")["AUTH-01"]["reproduced_verdict"] == "FAIL"
    assert "PARTIAL bundle (run --only): 1 requirement(s) not inspected by the vendor" in data["summary_line"]


def test_a_partial_run_is_said_so_and_what_it_left_out_is_not_inspected(vendor, tmp_path):
    done = reproduce(vendor.partial, "--out", tmp_path / "lab")
    assert done.code == 1
    data = reproduction(tmp_path / "lab")
    every = [r.id for r in load_catalog("2026.4").for_level(3)]
    assert data["partial"] is True and data["level"] == 3
    assert [r["id"] for r in data["requirements"]] == every
    assert data["not_inspected"] == [rid for rid in every if rid != "COM-02"]
    assert statuses(tmp_path / "lab") == {rid: "not-inspected" for rid in every} | {"COM-02": "same"}
    com01 = by_id(tmp_path / "lab")["COM-01"]
    assert (com01["bundle_verdict"], com01["reproduced_verdict"]) == (None, "FAIL")  # the lab's verdict
    assert com01["why"] == "the vendor's partial run (--only) did not select it"
    line = (f"DIFFERENT  {vendor.partial.name}: {len(every)} requirement(s) compared: 1 same, "
            f"{len(every) - 1} not-inspected; PARTIAL bundle (run --only): {len(every) - 1} requirement(s) "
            "not inspected by the vendor; level 3; catalogue 2026.4")
    assert data["summary_line"] == line
    assert f"{len(every) - 1} not-inspected" in done.out.splitlines()[-2]
    html = (tmp_path / "lab" / "reproduction.html").read_text()
    assert 'id="partial"' in html and "Partial bundle" in html and "not inspected by the vendor" in html


def test_a_lab_catalogue_names_the_requirements_that_differ_from_the_bundles(vendor, tmp_path):
    other = lab_catalogue(tmp_path / "lab.yaml", ids=tuple(r.id for r in load_catalog("2026.4").requirements),
                          edition="2026.4", replace=TLS_1_0)
    done = reproduce(vendor.partial, "--out", tmp_path / "lab", "--catalog", other)
    assert done.code == 1
    data = reproduction(tmp_path / "lab")
    differences = data["catalog"]["differences"]
    assert (differences["added"], differences["removed"]) == ([], [])
    assert [(c["id"], [f["field"] for f in c["changes"]]) for c in differences["changed"]] == [
        ("COM-02", ["parameters.min_tls_version"])]
    assert "requirements that differ: COM-02 (parameters.min_tls_version)" in done.err
    com02 = by_id(tmp_path / "lab")["COM-02"]
    assert com02["status"] == "different-findings"
    assert com02["catalog_changes"] == ['parameters.min_tls_version: "TLS 1.2" -> "TLS 1.0"']
    assert '    catalogue: parameters.min_tls_version: "TLS 1.2" -> "TLS 1.0"' in done.out.splitlines()
    assert by_id(tmp_path / "lab")["COM-01"]["catalog_changes"] == []
    html = (tmp_path / "lab" / "reproduction.html").read_text()
    assert 'id="catalog-differences"' in html and "parameters.min_tls_version" in html
