"""`compare_cases`, its page and `workbench case compare` on real cases: what was fixed, what is new,
the findings side by side with their evidence, the carry decision, hostile text kept as text."""

from __future__ import annotations

import json

import pytest
import yaml
from cli_invoke import invoke_with
from renewal_helpers import DNS, HTTP_AUTH, REPO_SAMPLES, SHADOW, image, new_case, record

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.catalog.loader import EDITIONS_DIR
from workbench.renewal.carry import ImageDiffs
from workbench.renewal.compare import compare_cases
from workbench.renewal.judging import judge_case
from workbench.renewal.reads import FirmwareReads, relevant_changes


@pytest.fixture(scope="module")
def dns_case(tmp_path_factory, images) -> Case:
    """The same image, a capture without credentials in clear."""
    return new_case(tmp_path_factory.mktemp("dns") / "cam", capture=DNS, firmware=images["v1"])


def statuses(comparison) -> dict[str, str]:
    return {r["id"]: r["status"] for r in comparison.rows}


def test_fixed_unchanged_and_the_findings_side_by_side_with_their_evidence(old_case, dns_case):
    comparison = compare_cases(old_case, dns_case)
    row = comparison.row("COM-01")
    assert (row["old_verdict"], row["old_source"], row["new_verdict"]) == ("FAIL", "inspector", "PASS")
    assert row["status"] == "fixed" and row["new_findings"] == []
    assert row["fixed_findings"] == row["old_findings"]
    evidence = row["old_findings"][0]["evidence"][0]
    assert evidence["artefact"] == "traffic.pcap" and evidence["packet"] > 0  # a packet number
    assert row["carry"] == "redo" and row["carry_reason"] == "traffic.pcap changed"
    found = statuses(comparison)
    assert found["UPD-05"] == "unchanged" and found["AUTH-02"] == "still-failing"
    assert found["ATK-08"] == "changed"  # an inspector's PASS, nobody has decided in the new case
    auth = comparison.row("AUTH-02")
    assert auth["carry"] == "carry-over" and auth["old_findings"][0]["evidence"][0]["path"] == "/etc/shadow"
    summary = comparison.summary()
    assert summary["status"]["fixed"] == 1 and sum(summary["status"].values()) == len(comparison.rows)


def test_a_new_fail_and_a_fail_with_a_new_finding_are_new_defects(old_case, dns_case, tmp_path):
    assert compare_cases(dns_case, old_case).row("COM-01")["status"] == "new-defect"
    second = SHADOW + "admin:$1$pepper00$T9jHP9lZr0FhAZl0dAW9d.:19000:0:99999:7:::\n"
    worse = image(tmp_path, "worse", {"/etc/shadow": second, "/etc/passwd": "root:x:0:0::/root:/bin/sh\n"
                                      "admin:x:1000:1000::/home/admin:/bin/sh\n"})  # fmt: skip
    later = new_case(tmp_path / "cam-2.2", capture=HTTP_AUTH, firmware=worse)
    row = compare_cases(old_case, later, ids=["AUTH-02"]).row("AUTH-02")
    assert (row["old_verdict"], row["new_verdict"], row["status"]) == ("FAIL", "FAIL", "new-defect")
    assert [f["summary"] for f in row["new_only_findings"]] == [
        f["summary"] for f in row["new_findings"] if "admin" in f["summary"]
    ] and row["new_only_findings"]


def test_a_requirement_only_one_catalogue_has(old_case, dns_case, tmp_path):
    data = yaml.safe_load((EDITIONS_DIR / f"{old_case.info.catalog_edition}.yaml").read_text())
    data["edition"] = "2027.1"
    data["requirements"] = [r for r in data["requirements"] if r["id"] != "UPD-03"]
    lab = tmp_path / "lab.yaml"
    lab.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    row = compare_cases(old_case, dns_case, catalog=lab, ids=["UPD-03"]).row("UPD-03")
    assert row["status"] == "removed-requirement" and row["carry"] == "none"
    assert row["carry_reason"] == "UPD-03 is not in the new catalogue" and row["new_verdict"] is None


def test_the_page_keeps_a_case_s_hostile_text_as_text_and_json_parses(dns_case, tmp_path):
    hostile = new_case(tmp_path / "hostile", capture=HTTP_AUTH, vendor="<script>alert('vendor')</script>",
                       device="cam<img src=x onerror=alert(1)>")  # fmt: skip
    record(hostile, "COM-01", "FAIL", "see <script>alert('rationale')</script> \u202eevil")
    page = tmp_path / "compare.html"
    done = invoke_with({}, "case", "compare", str(hostile.path), str(dns_case.path), "--out", str(page))
    assert done.code == 0, done.err
    html = page.read_text()
    assert "<script" not in html and "<img" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(&#39;vendor&#39;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#39;rationale&#39;)&lt;/script&gt;" in html and "\\u202eevil" in html
    assert '<strong>Fixed</strong>: <a href="#COM-01">COM-01</a>' in html and '<tr id="COM-01">' in html
    assert "COM-01" in done.out and "fixed" in done.out
    as_json = invoke_with({}, "case", "compare", str(hostile.path), str(dns_case.path), "--json")
    data = json.loads(as_json.out)
    assert data["old"]["device"].startswith("<script>") and data["summary"]["status"]["fixed"] >= 1
    assert {r["id"] for r in data["requirements"]} >= {"COM-01", "AUTH-02"}
    assert invoke_with({}, "case", "compare", str(tmp_path / "none"), str(dns_case.path)).code == 2


def test_the_demo_camera_s_update_fixes_three_defects_and_brings_one(tmp_path):
    """The vendor's 2.2 of the demo camera (sample_captures/gen_firmware.py): AUTH-02, AUTH-03 and
    SEC-01 fixed, ATK-05 new, judged on the images alone."""
    unit = {"serial_number": "C100-00012345", "device_macs": ["02:00:00:c1:00:50"]}  # the passwords derive
    cases = REPO_SAMPLES / "cases"
    old = new_case(tmp_path / "c100-2.1", capture=None, firmware=REPO_SAMPLES / "demo_defective.img",
                   declaration=cases / "defective" / "declaration.yaml", **unit)  # fmt: skip
    new = new_case(tmp_path / "c100-2.2", capture=None, firmware=REPO_SAMPLES / "demo_defective_v2.img",
                   declaration=cases / "defective-v2" / "declaration.yaml", firmware_version="2.2",
                   **unit)  # fmt: skip
    found = statuses(compare_cases(old, new))
    assert sorted(r for r, s in found.items() if s == "fixed") == ["AUTH-02", "AUTH-03", "SEC-01"]
    assert sorted(r for r, s in found.items() if s == "new-defect") == ["ATK-05"]
    catalog = load_catalog(old.info.catalog_edition)
    cracking = judge_case(old, catalog, [catalog.get("AUTH-03")])["AUTH-03"].reads
    assert cracking.columns["accounts"] is None  # it reads the stored hashes themselves: all of accounts


def test_unknown_requirement_ids_are_refused(old_case, dns_case):
    with pytest.raises(Exception, match="NOPE-1: not a requirement of either catalogue"):
        compare_cases(old_case, dns_case, ids=["NOPE-1"])




def test_what_each_check_reads_of_the_image_is_observed_and_decides_what_matters(old_case, images, tmp_path):
    catalog = load_catalog(old_case.info.catalog_edition)
    judged = judge_case(old_case, catalog, [catalog.get(r) for r in ("ATK-08", "AUTH-02", "COM-01")])
    assert judged["ATK-08"].reads.kinds == ("services",) and judged["COM-01"].reads.kinds == ()
    assert judged["AUTH-02"].reads.columns["files"] == {"path"}  # names only: a file's content is not read
    motd = new_case(tmp_path / "motd", capture=None, firmware=images["motd"])
    diff = ImageDiffs(old_case, motd).between(old_case.artefacts(kind="firmware")[0], motd.artefacts()[0])
    assert relevant_changes(diff.tables, judged["AUTH-02"].reads) == {}
    changed = {"files": ["changed /etc/motd"]}
    assert relevant_changes(diff.tables, FirmwareReads().everything()) == changed
    assert relevant_changes(diff.tables, FirmwareReads(opened={"/etc/motd"})) == changed
