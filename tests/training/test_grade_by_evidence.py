"""Grading by evidence: a planted defect is found by citing its packet (or its flow), its file (any
offset) or its declaration field on the right verdict, never by the words of the rationale."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import pytest
from cli_invoke import invoke_with
from corpus_captures import CORPUS

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.checks.context import EvidenceContext
from workbench.judgement.state import run_check
from workbench.training import grade_case, load_key
from workbench.training.flows import FlowKey, flow_of_packets
from workbench.training.grade import VERDICT_POINTS
from workbench.training.start import start_exercise

REPO = Path(__file__).resolve().parents[2]
KEY_FILE = Path(__file__).resolve().parent / "keys" / "camera-evidence.key.yaml"
DEMO_PCAP = REPO / "sample_captures" / "demo_defective.pcap"
TRAINEE = "Tess Trainee"


@pytest.fixture(scope="module")
def key():
    return load_key(KEY_FILE)


@pytest.fixture
def trainee_case(key, tmp_path) -> Case:
    return start_exercise(key, tmp_path / "tess", TRAINEE)


@pytest.fixture(scope="module")
def visible_words(key, tmp_path_factory) -> dict[str, str]:
    """Per keyed requirement, every word the check shows: its reasons, its findings' summaries and
    their evidence labels (run once on a case of the same device)."""
    case = start_exercise(key, tmp_path_factory.mktemp("words") / "case", "reader")
    catalog = load_catalog(key.catalog)
    words = {}
    for rid in key.answers:
        result = run_check(EvidenceContext(case=case, requirement=catalog.get(rid)))
        lines = [*result.reasons, *(f.summary for f in result.findings)]
        lines += [ref.label() for f in result.findings for ref in f.evidence]
        words[rid] = "\n".join(lines)
    return words


def record(case: Case, rid: str, verdict: str, *refs: str, rationale: str = "see the evidence") -> None:
    case.verdicts.record(rid, verdict, rationale, TRAINEE, evidence_refs=list(refs))


def row(case: Case, key, rid: str):
    return next(r for r in grade_case(case, key).requirements if r.requirement_id == rid)


def test_copying_the_checks_words_without_evidence_earns_the_verdict_points_only(
    trainee_case, key, visible_words
):
    assert (
        "expired" in visible_words["COM-03"] and "demo_defective.pcap · packet 15" in visible_words["COM-01"]
    )
    for rid, answer in key.answers.items():
        record(trainee_case, rid, answer.verdict, "walk-through notebook", rationale=visible_words[rid])
    grade = grade_case(trainee_case, key)
    assert all(
        r.outcome == "correct" and r.points == VERDICT_POINTS and r.found == {} for r in grade.requirements
    )
    assert grade.points == VERDICT_POINTS * len(key.answers) < grade.max_points
    assert not grade.passed


def test_the_right_packet_finds_the_defect_and_says_which_ref(trainee_case, key):
    record(trainee_case, "COM-01", "FAIL", "my notes", "demo_defective.pcap · packet 15")
    com01 = row(trainee_case, key, "COM-01")
    assert com01.found == {"mqtt-login": "demo_defective.pcap · packet 15"}
    assert com01.cited == ("mqtt-login",) and com01.not_cited == ("ftp-login",)
    assert com01.points == VERDICT_POINTS + 1


def test_another_packet_of_the_same_flow_finds_it(trainee_case, key):
    # packet 12 opens the MQTT connection (the check's own "mqtt flow start"); 15 is its CONNECT
    record(trainee_case, "COM-01", "FAIL", "packet 12")
    assert row(trainee_case, key, "COM-01").found == {"mqtt-login": "packet 12"}
    flows = flow_of_packets(DEMO_PCAP, [12, 15, 16])
    assert flows[12] == flows[15] == flows[16] is not None


@pytest.mark.parametrize("ref", ["#15", "frame 15", "capture · packet 15", "Packet 15"])
def test_the_bare_forms_a_trainee_types(trainee_case, key, ref):
    record(trainee_case, "COM-01", "FAIL", ref)
    assert row(trainee_case, key, "COM-01").cited == ("mqtt-login",)


@pytest.mark.parametrize("ref", ["packet 41", "packet 2", "demo_defective.pcap · packet 27", "packet 999999"])
def test_a_packet_of_another_flow_does_not(trainee_case, key, ref):
    # 41: the TLS handshake to the API; 2: the DNS query for the broker's name; 27: the HTTP download
    record(trainee_case, "COM-01", "FAIL", ref)
    com01 = row(trainee_case, key, "COM-01")
    assert com01.found == {} and com01.points == VERDICT_POINTS


@pytest.mark.parametrize(
    "ref",
    [
        "demo_defective.img · /etc/config/cloud.conf · offset 0x69",
        "/etc/config/cloud.conf",
        "firmware · /etc//config/./cloud.conf/",
        "demo_defective.img · /etc/config/cloud.conf",
    ],
)
def test_the_right_file_at_any_offset_finds_it(trainee_case, key, ref):
    record(trainee_case, "SEC-01", "FAIL", ref)
    assert row(trainee_case, key, "SEC-01").found == {"aws-keys": ref}


@pytest.mark.parametrize(
    "ref",
    [
        "/etc/config",
        "/etc/config/cloud.conf.bak",
        "demo_defective.pcap · packet 15",
        "other.img · /etc/config/cloud.conf",
        "cloud.conf",
    ],
)
def test_another_file_or_artefact_does_not(trainee_case, key, ref):
    record(trainee_case, "SEC-01", "FAIL", ref)
    assert row(trainee_case, key, "SEC-01").found == {}


def test_the_declaration_field(trainee_case, key):
    record(trainee_case, "ATK-01", "FAIL", "declaration: cloud_endpoints")
    assert row(trainee_case, key, "ATK-01").found == {}
    record(trainee_case, "ATK-01", "FAIL", "declaration · open_ports")
    assert row(trainee_case, key, "ATK-01").found == {"undeclared-gdbserver": "declaration · open_ports"}


def test_a_mapping_ref_as_recorded(trainee_case, key):
    record(
        trainee_case, "SEC-03", "FAIL", {"artefact": "demo_defective.img", "path": "/etc/shadow", "offset": 0}
    )
    assert row(trainee_case, key, "SEC-03").cited == ("world-readable-shadow",)


def test_odd_refs_find_nothing_and_a_found_ref_is_shown_printable(trainee_case, key):
    odd = [
        {"artefact": ["demo_defective.pcap"], "packet": 15},
        {"artefact": "demo_defective.pcap", "packet": "15"},
        {"packet": True},
        {"path": 7},
        "attachment: notes.txt",
        "packet -15",
        "#",
        "demo_defective.img",
        "·",
    ]
    record(trainee_case, "COM-01", "FAIL", *odd)
    assert row(trainee_case, key, "COM-01").found == {}
    record(trainee_case, "COM-01", "FAIL", "demo_defective.pcap · packet 15 · \x1b[2J")
    assert row(trainee_case, key, "COM-01").found == {"mqtt-login": "demo_defective.pcap · packet 15 · ?[2J"}


def test_the_right_evidence_on_a_wrong_verdict_is_a_missed_defect(trainee_case, key):
    record(trainee_case, "SEC-03", "PASS", "/etc/shadow")
    grade = grade_case(trainee_case, key)
    sec03 = next(r for r in grade.requirements if r.requirement_id == "SEC-03")
    assert (sec03.outcome, sec03.points, sec03.found) == ("missed", 0, {})
    fails = sum(1 for a in key.answers.values() if a.verdict == "FAIL")
    assert grade.missed_defects == fails  # SEC-03 judged PASS, the other FAIL answers unanswered


def test_a_bare_packet_is_not_counted_when_the_case_has_two_captures(trainee_case, key):
    trainee_case.add_artefact(REPO / "sample_captures" / "demo_clean.pcap", "capture")
    record(trainee_case, "COM-03", "FAIL", "packet 41")
    assert row(trainee_case, key, "COM-03").found == {}
    record(trainee_case, "COM-03", "FAIL", "packet 41", "demo_defective.pcap · packet 41")
    assert row(trainee_case, key, "COM-03").found == {"expired-cert": "demo_defective.pcap · packet 41"}


def test_grade_prints_each_defect_found_with_its_ref_and_the_others(trainee_case):
    record(trainee_case, "COM-01", "FAIL", "packet 16")
    record(
        trainee_case,
        "SEC-01",
        "FAIL",
        "/etc/config/cloud.conf · offset 0xb5",
        rationale="aws keys in cloud.conf",
    )
    result = invoke_with({}, "exercise", "grade", str(trainee_case.path), str(KEY_FILE))
    assert result.code == 1, result.err  # far from the pass mark
    lines = [line.strip() for line in result.out.splitlines()]
    assert "found mqtt-login: packet 16" in lines and "not found: ftp-login" in lines
    assert "found aws-keys: /etc/config/cloud.conf · offset 0xb5" in lines
    assert "not found: expired-cert" in lines
    data = json.loads(
        invoke_with({}, "exercise", "grade", str(trainee_case.path), str(KEY_FILE), "--json").out
    )
    com01 = next(r for r in data["requirements"] if r["requirement_id"] == "COM-01")
    assert com01["found"] == {"mqtt-login": "packet 16"} and com01["not_cited"] == ["ftp-login"]


def test_everything_cited_scores_full_marks(trainee_case, key):
    refs = {
        "COM-01": ["packet 15", "packet 72"],
        "COM-03": ["demo_defective.pcap · packet 41"],
        "SEC-01": ["/etc/config/cloud.conf"],
        "SEC-03": ["/etc/shadow"],
        "ATK-01": ["/etc/init.d/S90debug"],
        "VULN-01": [],
    }
    for rid, answer in key.answers.items():
        record(trainee_case, rid, answer.verdict, *refs[rid])
    grade = grade_case(trainee_case, key)
    assert grade.points == grade.max_points and grade.passed and grade.missed_defects == 0


# --- flows ------------------------------------------------------------------------------------
def _frame(src: str, dst: str, sport: int, dport: int, proto: int = 6) -> bytes:
    ip = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        40,
        0,
        0,
        64,
        proto,
        0,
        bytes(map(int, src.split("."))),
        bytes(map(int, dst.split("."))),
    )
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + struct.pack("!HH", sport, dport) + bytes(16)


def _pcap(path: Path, frames: list[bytes]) -> Path:
    body = b"".join(struct.pack("<IIII", 0, i, len(f), len(f)) + f for i, f in enumerate(frames))
    path.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + body)
    return path


def test_a_flow_is_both_directions_of_one_five_tuple(tmp_path):
    arp = b"\xff" * 6 + b"\x04" * 6 + b"\x08\x06" + bytes(28)
    frames = [
        _frame("192.168.1.50", "203.0.113.10", 43000, 1883),
        _frame("203.0.113.10", "192.168.1.50", 1883, 43000),
        _frame("192.168.1.50", "203.0.113.10", 43001, 1883),
        _frame("192.168.1.50", "203.0.113.10", 43000, 1883, 17),
        arp,
        b"\x00" * 5,
    ]
    flows = flow_of_packets(_pcap(tmp_path / "tiny.pcap", frames), [1, 2, 3, 4, 5, 6, 7])
    assert flows[1] == flows[2] == FlowKey("ip", 6, (("192.168.1.50", 43000), ("203.0.113.10", 1883)))
    assert len({flows[1], flows[3], flows[4]}) == 3  # another port, another protocol
    assert flows[5] is not None and flows[5].layer == "link" and flows[5].protocol == 0x0806
    assert flows[6] is None and flows[7] is None  # a frame too short to read; no packet 7


def test_flows_of_a_gzipd_capture_and_of_one_cut_short(tmp_path):
    numbers = [15, 41, 2285, 2286]
    plain = flow_of_packets(DEMO_PCAP, numbers)
    zipped = tmp_path / "demo.pcap.gz"
    zipped.write_bytes(gzip.compress(DEMO_PCAP.read_bytes()))
    assert flow_of_packets(zipped, numbers) == plain and plain[2285] is not None and plain[2286] is None
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(DEMO_PCAP.read_bytes()[:6000])
    flows = flow_of_packets(cut, numbers)
    assert flows[15] == plain[15] and flows[41] is None and flows[2285] is None


def test_hostile_captures_never_crash_the_flow_reader(tmp_path):
    captures = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
    garbage = tmp_path / "garbage.pcap"
    garbage.write_bytes(b"\xd4\xc3\xb2\xa1" + bytes(range(256)) * 3)
    bad_gzip = tmp_path / "bad.pcap.gz"
    bad_gzip.write_bytes(gzip.compress(DEMO_PCAP.read_bytes())[:3000])
    for path in [*captures, garbage, bad_gzip, tmp_path / "absent.pcap", tmp_path]:
        flows = flow_of_packets(path, [1, 2, 50, 10**9])
        assert set(flows) == {1, 2, 50, 10**9} and flows[10**9] is None
    assert len(captures) >= 10, f"the shared corpus of captures is missing ({CORPUS})"
