"""ATK-07 judged from the sockets listening on the unit, as the probe listed them (device session, 2026.4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    PACKETS,
    SCRIPT,
    SHELL_PORT,
    assert_tame,
    final,
    listener,
    notes_of,
    packets_of,
    run_check,
    shows_probe_table,
    spec_of,
    text_of,
    unit_case,
    with_image,
)

from workbench import ui
from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict
from workbench.notebook import open_check
from workbench.ui.tables import frame_html


def test_services_listening_as_root_fail_with_the_commands_that_listed_them(cases: dict[str, Case]) -> None:
    result = run_check(cases["defective"], "ATK-07")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    # lighttpd's IPv4 and IPv6 sockets are one finding; dropbear is exempt; httpd runs as uid 1000
    assert [(f.data["process"], f.data["ports"], f.data["uid"]) for f in result.findings] == [
        ("telnetd", ["tcp/23"], 0), ("lighttpd", ["tcp/80"], 0), ("mosquitto", ["tcp/1883"], 0),
    ]  # fmt: skip
    assert packets_of(result) == {81, 83}  # the first packets of the listeners and processes commands
    finding = result.findings[0]
    assert {e.artefact for e in finding.evidence} == {"defective-probe.pcap", "defective-results.json"}
    assert "on the unit: for f in tcp tcp6 udp udp6" in notes_of(result)
    assert "tcp/554 (socket owner uid 0)" in text_of(result)  # said, but not a finding
    assert final(cases["defective"], result) == "FAIL"


def test_a_clean_unit_passes_and_the_verdict_is_final(cases: dict[str, Case]) -> None:
    result = run_check(cases["clean"], "ATK-07")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",) and not result.findings
    assert "dropbear on tcp/22" in text_of(result) and "uhttpd on tcp/443 (uid 33)" in text_of(result)
    assert EvidenceKind.FIRMWARE in result.missing_evidence
    assert final(cases["clean"], result) == "PASS"


def test_listeners_bound_only_to_loopback_are_named_not_judged(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    result = run_check(cases["clean"], "ATK-07")  # camd runs as root on 127.0.0.1 and ::1 only
    assert result.verdict is Verdict.PASS and (
        "Bound only to a loopback address, so not a network service (not judged): camd on tcp/5000 at"
        " 127.0.0.1 (uid 0), camd on tcp/5000 at ::1 (uid 0)" in text_of(result)
    )
    spec = spec_of("defective")
    spec["tables"]["listeners"] += [
        listener(6000, 0, "debugd", "root", pid=190, address="::ffff:127.0.0.1"),  # IPv4-mapped loopback
        listener(6001, 0, None, "root", source="socket", address="127.0.0.1"),
    ]
    result = run_check(unit_case(tmp_path / "loopback", spec), "ATK-07")
    assert result.verdict is Verdict.FAIL
    assert "debugd" not in {f.data["process"] for f in result.findings}
    assert "debugd on tcp/6000 at ::ffff:127.0.0.1 (uid 0), tcp/6001 at 127.0.0.1 (uid 0)" in text_of(result)
    assert "tcp/6001 (socket owner" not in text_of(result)


def test_a_loopback_listener_the_probe_reached_at_its_loopback_target_is_judged(tmp_path: Path) -> None:
    """A simulated unit in its own network namespace serves on 127.0.0.1, where the probe reaches it: a root
    server there found open by the port scan is a network service; one the scan did not find is not."""
    spec = spec_of("clean")  # probed at 127.0.0.1; its scan found tcp/443 open
    spec["tables"]["listeners"] += [listener(443, 0, "lighttpd", "root", pid=161, address="127.0.0.1")]
    case = unit_case(tmp_path / "reached", spec)
    result = run_check(case, "ATK-07")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    assert [(f.data["process"], f.data["ports"]) for f in result.findings] == [("lighttpd", ["tcp/443"])]
    reasons = text_of(result)
    said = "which is where the probe reached the unit (its target), so judged as network services: lighttpd"
    assert said in reasons
    assert "not judged): camd on tcp/5000 at 127.0.0.1" in reasons  # not found open by the scan
    assert final(case, result) == "FAIL"


def test_the_test_shell_the_manufacturer_grants_is_not_judged(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["listeners"][1] = listener(SHELL_PORT, 0, "testshelld", "root", pid=102)
    result = run_check(unit_case(tmp_path / "shell", spec), "ATK-07")
    assert result.verdict is Verdict.PASS and "testshelld" not in text_of(result)
    assert "the manufacturer's test shell on tcp/2222 (granted to the lab)" in text_of(result)


def test_a_socket_known_only_by_its_owner_stays_with_the_inspector(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["listeners"].append(listener(8554, 0, None, "root", source="socket"))
    case = unit_case(tmp_path / "socket", spec)
    result = run_check(case, "ATK-07")
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by  # no image: as before
    assert "tcp/8554 (socket owner uid 0): the probe saw no process behind it and cannot tell" in text_of(
        result
    )
    assert final(case, result) == "PENDING"


def test_the_unit_decides_over_the_start_scripts_and_says_where_they_differ(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "imaged", spec_of("clean")), "clean")
    result = run_check(case, "ATK-07")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    reasons = text_of(result)
    assert "uhttpd: started as root by the start scripts, runs as www-data (uid 33) on the unit" in reasons
    assert "1 network service(s) started at boot run with a privileged uid" in reasons  # the image's view
    assert "(ps, /proc)" not in reasons and not result.findings  # the unit did what the inspector would


def test_without_test_access_it_judges_the_start_scripts_as_before(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    result = run_check(cases["no_access"], "ATK-07")
    assert result.verdict is Verdict.INCONCLUSIVE and result.missing_evidence == (EvidenceKind.FIRMWARE,)
    assert "skipped its device session test (no test access for it" in text_of(result)
    errored = run_check(cases["errored"], "ATK-07")
    assert "device session test could not run (ssh: authentication failed)" in text_of(errored)
    imaged = with_image(unit_case(tmp_path / "no-access", spec_of("no_access")), "clean")
    result = run_check(imaged, "ATK-07")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert [f.data["service"] for f in result.findings] == ["uhttpd"]  # the start script's root service


def test_hostile_listeners_are_text_clipped(cases: dict[str, Case]) -> None:
    result = run_check(cases["hostile"], "ATK-07")
    assert result.verdict is Verdict.FAIL
    assert_tame(result)
    (finding,) = result.findings
    assert finding.data["process"].startswith(SCRIPT) and len(finding.data["process"]) <= 64
    assert max(packets_of(result), default=0) <= PACKETS  # the row's packet 10**12 is not cited
    session = open_check(cases["hostile"].path, "ATK-07")
    html = frame_html(ui.evidence_table(session, "probe", "listeners", columns=["port", "process", "user"]))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_an_older_catalogue_reads_no_unit_rows(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "older", spec_of("clean")), "clean")
    result = run_check(case, "ATK-07", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "takes no probe evidence for ATK-07" in text_of(result)
    assert [f.data["service"] for f in result.findings] == ["uhttpd"]
    assert final(case, result, "2026.3") == "PENDING"


def test_the_page_shows_the_units_listeners() -> None:
    assert shows_probe_table("atk_07", "listeners") and shows_probe_table("atk_07", "session")


@pytest.mark.parametrize(
    ("uids", "held"),
    [("33 33 0 33", "saved uid 0"), ("0 33 33 33", "real uid 0"), ("0 33 0 33", "real uid 0, saved uid 0")],
)
def test_a_process_that_can_take_root_back_fails_and_says_which_uid(
    tmp_path: Path, uids: str, held: str
) -> None:
    """Effective uid 33, but a real or saved uid 0: setuid(0) gives it root again."""
    spec = spec_of("clean")
    spec["tables"]["listeners"] = [
        row if row["port"] != 443 else {**row, "uids": uids} for row in spec["tables"]["listeners"]
    ]
    result = run_check(unit_case(tmp_path / "saved", spec), "ATK-07")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert finding.summary == (
        f"on the unit, uhttpd (pid 201) listens on tcp/443 as www-data (uid 33, but {held}: it can take that"
        " uid back)"
    )
    assert finding.data["privileged_ids"] == held.split(", ") and finding.data["uid"] == 33


def test_unprivileged_real_effective_and_saved_uids_pass(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["listeners"] = [
        row if row["port"] != 443 else {**row, "uids": "33 33 33 0"} for row in spec["tables"]["listeners"]
    ]  # the filesystem uid alone gives no way back to root
    result = run_check(unit_case(tmp_path / "fsuid", spec), "ATK-07")
    assert result.verdict is Verdict.PASS and "uhttpd on tcp/443 (uid 33)" in text_of(result)
