"""The verdict widget writes to the case's store, survives re-runs, and shows staleness."""

from __future__ import annotations

from ui_helpers import HOSTILE, LAB_CATALOG

from workbench.checks import CheckResult, EvidenceRef, Finding, Verdict
from workbench.notebook import open_check
from workbench.ui import VerdictWidget, verdict_panel
from workbench.ui.verdict import recorded_text, render_recorded


def session_for(case, requirement_id="VULN-01", interactive=True):
    return open_check(case.path, requirement_id, str(LAB_CATALOG), interactive=interactive)


def fill_and_click(
    widget: VerdictWidget, verdict="FAIL", rationale="No policy on the vendor's site."
) -> None:
    widget.verdict.value = verdict
    widget.rationale.value = rationale
    widget.button.click()


def test_record_writes_through_the_store(case, note_file) -> None:
    case.add_artefact(note_file, "attachment", requirement="VULN-01")
    widget = VerdictWidget(session_for(case))
    assert widget.inspector.value == "Alice Example"  # pre-filled from case.yaml
    assert widget.verdict.value is None
    assert "attachment: disclosure-policy.txt" in widget.evidence.value
    fill_and_click(widget)
    history = case.verdicts.history("VULN-01")
    assert len(history) == 1
    record = history[0]
    assert (record.verdict, record.inspector) == ("FAIL", "Alice Example")
    assert record.rationale == "No policy on the vendor's site."
    assert record.artefact_hashes == {"disclosure-policy.txt": case.artefacts()[0].sha256}
    assert record.automatic_verdict == "INCONCLUSIVE"  # no declaration: what the check said then
    assert "Recorded in the case" in widget.message.value
    assert "Alice Example" in widget.status.value and "FAIL" in widget.status.value


def test_nothing_recorded_without_a_verdict_or_a_name(case) -> None:
    widget = VerdictWidget(session_for(case))
    widget.rationale.value = "looked"
    widget.button.click()
    assert "Not recorded: choose a verdict" in widget.message.value
    widget.verdict.value = "PASS"
    widget.inspector.value = "  "
    widget.button.click()
    assert "Not recorded" in widget.message.value
    assert case.verdicts.history("VULN-01") == []


def test_rerun_shows_the_recorded_verdict_and_never_overwrites(case) -> None:
    fill_and_click(VerdictWidget(session_for(case)), "PASS", "Policy read at https://acme.example/security")
    before = [r.path.read_bytes() for r in case.verdicts.history("VULN-01")]
    rerun = VerdictWidget(session_for(case))  # a fresh kernel reads the store again
    assert rerun.verdict.value == "PASS"
    assert rerun.rationale.value.startswith("Policy read")
    assert "PASS" in rerun.status.value and "Alice Example" in rerun.status.value
    after = [r.path.read_bytes() for r in case.verdicts.history("VULN-01")]
    assert after == before
    session = session_for(case, interactive=False)
    assert session.final.verdict == "PASS" and session.final.source == "inspector"
    assert recorded_text(session).startswith("Recorded verdict: PASS by Alice Example")


def test_a_second_verdict_is_appended_not_replaced(case) -> None:
    fill_and_click(VerdictWidget(session_for(case)), "FAIL", "first look")
    widget = VerdictWidget(session_for(case))
    fill_and_click(widget, "PASS", "second look, policy found")
    history = case.verdicts.history("VULN-01")
    assert [r.verdict for r in history] == ["FAIL", "PASS"]
    assert history[1].supersedes == history[0].id


def test_stale_after_evidence_is_added(case, small_pcap, tmp_path) -> None:
    session = session_for(case, "COM-01")
    fill_and_click(VerdictWidget(session), "PASS", "No login in the first capture.")
    assert not session.is_stale()
    case.add_artefact(small_pcap, "capture")
    rerun = session_for(case, "COM-01", interactive=False)
    assert rerun.stale_reasons() == ["dns.pcap added since"]
    assert rerun.final.stale and rerun.final.source == "inspector"
    assert "STALE" in render_recorded(rerun) and "dns.pcap added since" in render_recorded(rerun)
    assert rerun.outcome()["final"] == {"verdict": "PASS", "source": "inspector", "stale": True}


def test_stale_after_the_declaration_changes(case, tmp_path) -> None:
    first = tmp_path / "d1.yaml"
    first.write_text("services: [web]\n")
    case.declare(first)
    fill_and_click(VerdictWidget(session_for(case, "UPD-03")), "FAIL", "No support period stated.")
    second = tmp_path / "d2.yaml"
    second.write_text("services: [web, ssh]\n")
    case.declare(second)
    session = session_for(case, "UPD-03")
    assert session.stale_reasons() == ["declaration changed or is gone"]


def test_evidence_refs_prefilled_from_findings(case) -> None:
    session = session_for(case, "COM-01")
    ref = EvidenceRef(artefact="cap.pcap", packet=42)
    session.__dict__["result"] = CheckResult(
        "COM-01", Verdict.FAIL, ("x",), (Finding("telnet login", evidence=(ref,)),)
    )
    widget = VerdictWidget(session)
    assert widget.evidence.value.splitlines() == ["cap.pcap · packet 42"]
    fill_and_click(widget, "FAIL", f"confirmed in Wireshark {HOSTILE}")
    assert case.verdicts.latest("COM-01").evidence_refs == ("cap.pcap · packet 42",)
    assert "<script>" not in widget.status.value


def test_batch_mode_renders_static_html(case) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    fill_and_click(VerdictWidget(session_for(case)), "FAIL", "nothing published")
    with capture_output() as captured:
        assert verdict_panel(session_for(case, interactive=False)) is None
    (output,) = captured.outputs
    assert "application/vnd.jupyter.widget-view+json" not in output.data
    assert "FAIL" in output.data["text/html"] and "Alice Example" in output.data["text/html"]
    with capture_output() as captured:
        widget = verdict_panel(session_for(case, interactive=True))
    assert isinstance(widget, VerdictWidget)
    (output,) = captured.outputs
    assert "application/vnd.jupyter.widget-view+json" in output.data
    assert "FAIL" in output.data["text/plain"]  # readable where widgets are not rendered
