"""Hostile and missing input for every network check: empty, truncated and fuzzed captures from
the corpus, a capture with no TCP at all, a case without a capture, and a lab catalogue that
gives no parameters (the checks fall back to their defaults and say so)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from netcases import corpus, new_case, run_check

from workbench.case import Case
from workbench.catalog.loader import EDITIONS_DIR, newest_edition
from workbench.checks import EvidenceKind, Verdict, get_check
from workbench.checks.context import EvidenceContext

NETWORK_CHECKS = (
    "COM-01",
    "COM-02",
    "COM-03",
    "COM-04",
    "COM-05",
    "ATK-01",
    "ATK-02",
    "ATK-04",
    "UPD-02",
    "AUTH-05",
    "AUTH-06",
    "INPUT-01",
    "UPD-06",
    "TEL-01",
)
AUTOMATIC = ("COM-01", "COM-02", "COM-03", "COM-04", "COM-05", "ATK-01", "ATK-02", "ATK-04", "UPD-02")
HOSTILE = (
    "zeek__empty.pcap",
    "tcpdump__empty.pcapng",
    "suricata-verify__ipv4-truncated_truncated.pcap",
    "zeek__tcp_truncated-header.pcap",
    "zeek__udp-contents-truncated-oob.pcap",
    "tcpdump__telnet-iac-check-oobr.pcap",
    "suricata-verify__mqtt-frames-truncated_input.pcap",
    "tcpdump__truncated-aack.pcap",
)
DECLARATION = {"open_ports": [{"proto": "tcp", "port": 443}], "cloud_endpoints": ["*.acme-cloud.example"]}


def test_every_network_check_survives_hostile_captures(tmp_path: Path) -> None:
    """All the hostile captures in one case (their tables are concatenated): no check raises."""
    case = new_case(tmp_path / "case", [corpus(name) for name in HOSTILE], DECLARATION, device_ips=[])
    assert len(case.artefacts("capture")) == len(HOSTILE)
    for rid in NETWORK_CHECKS:
        result = run_check(case, rid)
        assert result.requirement_id == rid and result.reasons, rid


@pytest.mark.parametrize("name", ["zeek__empty.pcap", "tcpdump__empty.pcapng"])
def test_an_empty_capture_passes_nothing(tmp_path: Path, name: str) -> None:
    case = new_case(tmp_path / "case", [corpus(name)], DECLARATION)
    for rid in AUTOMATIC:
        result = run_check(case, rid)
        assert result.verdict is Verdict.INCONCLUSIVE, (rid, result.verdict, result.reasons)


def test_a_capture_without_tcp(tmp_path: Path) -> None:
    """DNS only: no TLS (COM-02/03 not applicable), no port open (ATK-01/02 cannot tell)."""
    case = new_case(tmp_path / "dns", [corpus("zeek__dns53.pcap")], DECLARATION, device_ips=[])
    verdicts = {rid: run_check(case, rid).verdict for rid in AUTOMATIC}
    assert verdicts["COM-01"] is Verdict.PASS
    assert verdicts["COM-02"] is Verdict.NOT_APPLICABLE and verdicts["COM-03"] is Verdict.NOT_APPLICABLE
    assert verdicts["ATK-01"] is Verdict.INCONCLUSIVE and verdicts["ATK-02"] is Verdict.INCONCLUSIVE
    assert verdicts["UPD-02"] is Verdict.INCONCLUSIVE


def test_without_a_capture_the_checks_say_what_to_add(tmp_path: Path) -> None:
    case = new_case(tmp_path / "nocap", [], DECLARATION)
    for rid in ("COM-01", "COM-02", "COM-03", "COM-04", "COM-05", "ATK-01", "ATK-04", "AUTH-06"):
        result = run_check(case, rid)
        assert result.verdict is Verdict.INCONCLUSIVE and EvidenceKind.CAPTURE in result.missing_evidence, rid
    for rid in ("AUTH-05", "INPUT-01", "UPD-06", "TEL-01"):
        assert run_check(case, rid).verdict is Verdict.NEEDS_INSPECTOR, rid


@pytest.fixture(scope="module")
def catalogue_without_parameters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = EDITIONS_DIR / f"{newest_edition()}.yaml"
    data = yaml.safe_load(source.read_text())
    for requirement in data["requirements"]:
        if requirement["id"] in NETWORK_CHECKS:
            requirement["parameters"] = {}
    path = tmp_path_factory.mktemp("lab") / "lab-catalogue.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


@pytest.mark.parametrize("rid", ["COM-02", "COM-03", "COM-04", "ATK-02", "ATK-04", "UPD-02"])
def test_missing_parameters_fall_back_and_say_so(
    defective_case: Case, catalogue_without_parameters: Path, rid: str
) -> None:
    ctx = EvidenceContext.for_case(defective_case.path, rid, catalog=catalogue_without_parameters)
    assert ctx.parameters == {}
    result = get_check(rid).run(ctx)
    assert result.verdict is Verdict.FAIL
    assert any("the catalogue gives no parameter" in reason for reason in result.reasons)
    assert result.verdict is run_check(defective_case, rid).verdict
