"""Every evidence reference of a finding is shown (folded after a few, no script) and recorded: a finding
pointing at 30 packets of a real capture shows all 30 in the notebook's findings, in the bundle's page
and in the recorded verdict, and the widget's default evidence cites all 30."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from cli_invoke import checks_beside, invoke_with
from ui_helpers import LAB_CATALOG, new_case

from workbench.case import Case
from workbench.checks.base import Check, CheckResult, EvidenceRef, Finding, Severity, Verdict
from workbench.notebook import open_check
from workbench.ui import VerdictWidget
from workbench.ui.html import EVIDENCE_SHOWN
from workbench.ui.verdict import render_findings, render_recorded

PACKETS = 30
CAPTURE = "telnet-30.pcap"


def thirty_packet_capture(folder: Path) -> Path:
    """A real pcap: 30 telnet segments from the device."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    path = folder / CAPTURE
    flow = Ether() / IP(src="192.168.1.50", dst="192.168.1.10")
    packets = [flow / TCP(sport=23, dport=40000, seq=n) / f"line {n}\r\n" for n in range(1, PACKETS + 1)]
    wrpcap(str(path), packets)
    return path


class EveryPacketCheck(Check):
    """A finding citing every packet of the capture, as a check that keeps all its references does."""

    requirement_id = "COM-01"

    def evaluate(self, ctx) -> CheckResult:
        (capture,) = ctx.case.artefacts("capture")
        refs = tuple(
            EvidenceRef(capture.name, capture.sha256, packet=n, note="telnet") for n in range(1, PACKETS + 1)
        )
        finding = Finding("telnet in clear, every segment", Severity.HIGH, evidence=refs)
        return self.result(ctx, Verdict.FAIL, ("telnet carries the session in clear",), (finding,))


CHECKS = {"COM-01": EveryPacketCheck()}
LABELS = [f"{CAPTURE} · packet {n}" for n in range(1, PACKETS + 1)]


def labels_in(html: str) -> list[str]:
    text = BeautifulSoup(html, "html.parser").get_text("\n")
    return re.findall(rf"{re.escape(CAPTURE)} · packet (\d+)\b", text)


@pytest.fixture
def capture_case(tmp_path: Path) -> Case:
    case = new_case(tmp_path / "cam")
    case.add_artefact(thirty_packet_capture(tmp_path), "capture")
    return case


def test_all_thirty_shown_folded_after_a_few_and_recorded(capture_case) -> None:
    with checks_beside(CHECKS):
        session = open_check(capture_case.path, "COM-01", str(LAB_CATALOG))
        assert session.evidence_refs() == LABELS
        html = render_findings(session.result)
        widget = VerdictWidget(session)
        assert [line for line in widget.evidence.value.splitlines() if "packet" in line] == LABELS
        widget.verdict.value = "FAIL"
        widget.rationale.value = "telnet login in clear, all 30 segments"
        widget.button.click()
        (record,) = capture_case.verdicts.history("COM-01")
        assert list(record.evidence_refs) == LABELS  # the verdict cites every packet the finding has
        recorded_html = render_recorded(open_check(capture_case.path, "COM-01", str(LAB_CATALOG)))

    for page in (html, recorded_html):
        assert labels_in(page) == [str(n) for n in range(1, PACKETS + 1)]
        soup = BeautifulSoup(page, "html.parser")
        (folded,) = soup.find_all("details", class_="evidence-more")
        assert folded.summary.get_text() == f"{PACKETS - EVIDENCE_SHOWN} more (all {PACKETS} references)"
        assert len(folded.find_all("li")) == PACKETS - EVIDENCE_SHOWN
        assert "<script" not in page


def test_the_bundle_page_shows_all_thirty(capture_case, tmp_path) -> None:
    run = invoke_with(
        CHECKS, "run", str(capture_case.path), "--catalog", str(LAB_CATALOG), "--only", "COM-01",
        "--out", str(tmp_path / "evidence"), "--jobs", "1", "--no-progress",
    )
    assert run.code == 0, run.err
    bundle = Path(run.out.strip().splitlines()[-1]).parent
    page = (bundle / "notebooks" / "COM-01.html").read_text()
    findings = BeautifulSoup(page, "html.parser").find("table", class_="findings")
    assert findings is not None
    assert labels_in(str(findings)) == [str(n) for n in range(1, PACKETS + 1)]
    assert findings.find("details", class_="evidence-more") is not None
    assert "<script" not in page.lower()
