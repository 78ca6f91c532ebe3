"""SEC-03 judged from the owner and mode of the sensitive files on the unit (device session, 2026.4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    SCRIPT,
    assert_tame,
    broken_link,
    file_mode,
    final,
    packets_of,
    run,
    run_check,
    shows_probe_table,
    spec_of,
    text_of,
    unit_case,
    with_image,
)

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict
from workbench.probe.results import TestStatus as Status


def test_secrets_readable_by_every_user_on_the_unit_fail(cases: dict[str, Case]) -> None:
    result = run_check(cases["defective"], "SEC-03")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    paths = [f.data["path"] for f in result.findings]
    assert paths == ["/etc/shadow", "/etc/ssl/private/device.key"]  # not sshd_config nor the .pub: public
    shadow = result.findings[0]  # a link to /var/shadow.rw, judged by its target's mode
    assert shadow.summary == (
        "on the unit, /etc/shadow (a link to /var/shadow.rw) holds password hashes and its mode 0644 lets"
        " other users read it"
    )
    assert shadow.data["mode"] == "0644" and shadow.data["target"] == "/var/shadow.rw"
    on_unit, listing = shadow.evidence
    assert (on_unit.artefact, on_unit.path) == ("defective-results.json", "/etc/shadow") and on_unit.sha256
    assert listing.packet == 84 and listing.artefact == "defective-probe.pcap" and "stat -c" in listing.note
    assert final(cases["defective"], result) == "FAIL"


def test_a_clean_unit_passes_and_says_what_it_did_not_judge(cases: dict[str, Case]) -> None:
    result = run_check(cases["clean"], "SEC-03")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    reasons = text_of(result)
    assert "3 file(s) holding secrets at the sensitive paths, none with a forbidden bit (0004)" in reasons
    assert (  # a link, by its target
        "/etc/dropbear/dropbear_ed25519_host_key (a link to"
        " /var/lib/dropbear/dropbear_ed25519_host_key, 0600)" in reasons
    )
    assert ".pub" not in reasons
    assert "IXIT 10" in reasons
    assert final(cases["clean"], result) == "PASS"


def test_the_unit_decides_where_the_image_differs_and_the_image_stands_elsewhere(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "imaged", spec_of("clean")), "defective")
    result = run_check(case, "SEC-03")
    assert (
        result.verdict is Verdict.FAIL and not result.decided_by
    )  # the image's word: the inspector confirms
    assert {f.data["path"] for f in result.findings} == {
        "/etc/config/cloud.conf",
        "/etc/lighttpd/lighttpd.user",
    }
    assert "/etc/shadow: 0644 in the image, 0600 on the unit" in text_of(result)
    assert all(e.artefact == "demo_defective.img" for f in result.findings for e in f.evidence)
    assert final(case, result) == "PENDING"


def test_a_unit_without_secrets_at_the_sensitive_paths_stays_with_the_inspector(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["file_modes"] = [
        file_mode(p, None) for p in ("/etc/shadow", "/etc/ssl/private", "/etc/ssh")
    ]
    result = run_check(unit_case(tmp_path / "empty", spec), "SEC-03")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "holds no file that holds a secret at the sensitive paths" in text_of(result)


@pytest.mark.parametrize(
    ("link", "said"),
    [(broken_link("/etc/shadow", "readlink: No such file or directory"),
      "/etc/shadow is a link the probe could not resolve (readlink: No such file or directory)"),
     (broken_link("/etc/shadow", None), "/etc/shadow is a link the probe could not resolve;"),  # older engine
     ({**broken_link("/etc/shadow", "the link's target /data/shadow cannot be read (missing?)"),
       "target": "/data/shadow"},
      "/etc/shadow is a link to /data/shadow, which could not be read (the link's target /data/shadow"),
     ({**file_mode("/etc/shadow", None), "exists": True, "error": "its owner and mode could not be read"},
      "/etc/shadow could not be read (its owner and mode could not be read)")],
)  # fmt: skip
def test_a_link_to_a_secret_the_probe_did_not_resolve_is_never_a_pass(
    tmp_path: Path, link: dict, said: str
) -> None:
    spec = spec_of("clean")
    spec["tables"]["file_modes"][0] = link
    case = unit_case(tmp_path / "link", spec)
    result = run_check(case, "SEC-03")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert f"Undecided on the unit: {said}" in text_of(result) and final(case, result) == "PENDING"


def test_an_unresolved_link_leaves_the_images_word_for_that_path_and_a_fail_elsewhere_stands(
    tmp_path: Path,
) -> None:
    spec = spec_of("defective")
    spec["tables"]["file_modes"][0] = broken_link("/etc/shadow", "too many levels of symbolic links")
    result = run_check(unit_case(tmp_path / "unit-fails", spec), "SEC-03")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)  # device.key 0644 on the unit
    assert [f.data["path"] for f in result.findings] == ["/etc/ssl/private/device.key"]
    assert "/etc/shadow is a link the probe could not resolve (too many levels" in text_of(result)
    spec = spec_of("clean")
    spec["tables"]["file_modes"][0] = broken_link("/etc/shadow", "loop")
    case = with_image(unit_case(tmp_path / "image-fails", spec), "defective")  # its shadow is 0644
    result = run_check(case, "SEC-03")
    assert result.verdict is Verdict.FAIL and not result.decided_by
    assert "/etc/shadow" in {f.data["path"] for f in result.findings}  # the image's word stands for it
    said = "Undecided on the unit: /etc/shadow is a link the probe could not resolve (loop)"
    assert said in text_of(result)


def test_a_listing_cut_short_is_not_judged(tmp_path: Path) -> None:
    spec = spec_of("defective")
    cut = "could not: list /etc/ssl/private (only its first 200 entries)"
    spec["tests"] = [run(t.name, Status.PARTIAL, cut) if t.name == "device_session" else t
                     for t in spec["tests"]]  # fmt: skip
    result = run_check(unit_case(tmp_path / "cut", spec), "SEC-03")
    assert not result.decided_by and not result.findings
    said = "could do only part of its work (could not: list /etc/ssl/private (only its first"
    assert said in text_of(result)


def test_without_test_access_it_judges_the_image_as_before(cases: dict[str, Case], tmp_path: Path) -> None:
    result = run_check(cases["no_access"], "SEC-03")
    assert result.verdict is Verdict.INCONCLUSIVE and result.missing_evidence == (EvidenceKind.FIRMWARE,)
    assert "skipped its device session test" in text_of(result)
    assert "could not run (ssh: authentication failed)" in text_of(run_check(cases["errored"], "SEC-03"))
    imaged = with_image(unit_case(tmp_path / "no-access", spec_of("no_access")), "defective")
    result = run_check(imaged, "SEC-03")
    assert result.verdict is Verdict.FAIL and not result.decided_by and len(result.findings) == 4


def test_hostile_file_rows_are_text_clipped(cases: dict[str, Case]) -> None:
    result = run_check(cases["hostile"], "SEC-03")
    assert_tame(result)
    assert result.verdict is Verdict.FAIL  # the 7777 file under /etc/ssh; the 99999 mode is no mode
    (finding,) = result.findings
    assert finding.data["path"].startswith("/etc/ssh/" + SCRIPT) and len(finding.data["path"]) <= 300
    assert "\n" not in finding.data["path"] and not packets_of(result) - {84}


def test_an_older_catalogue_reads_no_unit_rows(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "older", spec_of("defective")), "clean")
    result = run_check(case, "SEC-03", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert "takes no probe evidence for SEC-03" in text_of(result)


def test_the_page_shows_the_units_file_modes() -> None:
    assert shows_probe_table("sec_03", "file_modes")
