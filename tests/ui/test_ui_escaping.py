"""Every string from a capture, an image, a declaration or a catalogue reaches HTML as text."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from ui_helpers import HOSTILE, LAB_CATALOG

from workbench import ui
from workbench.checks import CheckResult, EvidenceRef, Finding, Severity, Verdict
from workbench.notebook import MIME_TYPE, open_check
from workbench.ui.html import text_of
from workbench.ui.plots import label
from workbench.ui.requirement import render_requirement
from workbench.ui.tables import frame_html, select
from workbench.ui.verdict import comparison_frame, render_comparison, render_proposal

HOSTILE_PATH = "/www/cgi-bin/<script>alert(1)</script>.cgi"


def assert_inert(html: str) -> None:
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.fixture
def displayed():
    """Run a callable in an IPython shell and return the data of every display output."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()

    def run(func, *args, **kwargs):
        with capture_output() as captured:
            func(*args, **kwargs)
        return [output.data for output in captured.outputs]

    return run


def hostile_session(case, small_pcap, requirement_id="COM-01"):
    case.add_artefact(small_pcap, "capture")
    session = open_check(case.path, requirement_id, str(LAB_CATALOG), interactive=False)
    dns = pd.DataFrame({"packet": [1, 2], "qname": [HOSTILE, "ok.example"], "answers": [[HOSTILE], []]})
    session.ctx._tables[("capture", "dns")] = dns  # the engine's table, as the cache would hold it
    return session


def test_frame_html_escapes_every_cell() -> None:
    frame = pd.DataFrame(
        {"server_name": [HOSTILE], "path": [HOSTILE_PATH], "certs": [[{"subject": HOSTILE}]]}
    )
    html = frame_html(frame)
    assert_inert(html)
    assert html.count("&lt;script&gt;") == 3


def test_frame_html_bounds_rows() -> None:
    html = frame_html(pd.DataFrame({"n": range(250)}), max_rows=200)
    assert html.count("<td>") == 200
    assert "50 more rows not shown" in html


def test_text_of_joins_lists_and_cuts_long_values() -> None:
    assert text_of([1, 2, 3]) == "1, 2, 3"
    assert text_of(float("nan")) == ""
    assert len(text_of("x" * 1000)) == 300


def test_select_filters_by_value_list_and_pattern() -> None:
    frame = pd.DataFrame(
        {"kind": ["url", "tool", "url"], "path": ["/a/hostapd.conf", "/b", "/c"], "x": [1, 2, 3]}
    )
    assert select(frame, ["path"], {"kind": "url"})["path"].tolist() == ["/a/hostapd.conf", "/c"]
    assert select(frame, None, {"kind": ["tool"]})["x"].tolist() == [2]
    assert select(frame, None, {"path~": "HOSTAPD"})["x"].tolist() == [1]
    assert select(frame, None, {"missing": 1}).empty
    assert select(pd.DataFrame(columns=["artefact"]), ["kind"], {"kind": "url"}).empty


def test_evidence_table_escapes_capture_strings(case, small_pcap, displayed) -> None:
    session = hostile_session(case, small_pcap)
    outputs = displayed(ui.evidence_table, session, "capture", "dns", columns=["packet", "qname", "answers"])
    assert len(outputs) == 1
    assert_inert(outputs[0]["text/html"])
    assert "2 row(s)" in outputs[0]["text/html"]


def test_evidence_table_without_that_evidence_says_so(case, displayed) -> None:
    session = open_check(case.path, "AUTH-01", str(LAB_CATALOG), interactive=False)
    outputs = []
    frame = None

    def call():
        nonlocal frame
        frame = ui.evidence_table(session, "firmware", "accounts", columns=["user", "shell"])

    outputs = displayed(call)
    assert frame is not None and frame.empty and list(frame.columns) == ["user", "shell"]
    assert "no evidence of this kind" in outputs[0]["text/html"]
    assert "--kind firmware" in outputs[0]["text/html"]


def test_evidence_table_with_empty_table_shows_message(case, small_pcap, displayed) -> None:
    session = hostile_session(case, small_pcap)
    empty = pd.DataFrame(columns=["artefact", "artefact_sha256", "packets"])
    session.ctx._tables[("capture", "credentials")] = empty
    outputs = displayed(
        ui.evidence_table, session, "capture", "credentials", columns=["packets"], empty="none seen"
    )
    assert "none seen" in outputs[0]["text/html"]


def test_findings_with_hostile_paths_are_escaped(case, small_pcap) -> None:
    session = hostile_session(case, small_pcap)
    finding = Finding(
        summary=f"login by {HOSTILE}",
        severity=Severity.HIGH,
        evidence=(EvidenceRef(artefact="fw.img", path=HOSTILE_PATH, offset=16),),
        data={"user": HOSTILE},
    )
    session.__dict__["result"] = CheckResult("COM-01", Verdict.FAIL, (f"reason {HOSTILE}",), (finding,))
    html = render_proposal(session)
    assert_inert(html)
    assert "offset 0x10" in html
    assert session.evidence_refs() == [f"fw.img · {HOSTILE_PATH} · offset 0x10"]


def test_declared_vs_observed_escapes_and_pairs(case, small_pcap) -> None:
    session = hostile_session(case, small_pcap)
    indicators = {
        "declared": {"cloud_endpoints": ["api.acme.example"]},
        "observed": {"cloud_endpoints": [HOSTILE]},
        "declared_ports": ["tcp/443"],
        "observed_ports": ["tcp/443", "tcp/23"],
        "device": "192.168.1.20",
    }
    session.__dict__["result"] = CheckResult("COM-01", Verdict.FAIL, ("x",), indicators=indicators)
    frame = comparison_frame(session, ["cloud_endpoints"])
    rows = {r["aspect"]: (r["declared"], r["observed"]) for r in frame.to_dict("records")}
    assert rows["cloud endpoints"] == ("api.acme.example", HOSTILE)
    assert rows["ports"] == ("tcp/443", "tcp/443, tcp/23")
    assert rows["device"] == ("—", "192.168.1.20")
    assert_inert(render_comparison(session, ["cloud_endpoints"]))


def test_declared_vs_observed_reads_declaration_fields(case, small_pcap, tmp_path) -> None:
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text(f"services: ['{HOSTILE}']\n")
    case.declare(declaration)
    session = hostile_session(case, small_pcap)
    session.__dict__["result"] = CheckResult("COM-01", Verdict.PASS, ("x",))
    frame = comparison_frame(session, ["services", "tls"])
    rows = {r["aspect"]: r["declared"] for r in frame.to_dict("records")}
    assert rows == {"services": HOSTILE, "tls": "(not declared)"}
    assert_inert(render_comparison(session, ["services"]))


def test_requirement_text_from_the_catalogue_is_escaped(case) -> None:
    session = open_check(case.path, "COM-01", str(LAB_CATALOG))
    html = render_requirement(session.requirement)
    assert_inert(html)
    for text in ("★☆☆", "5.5-5", "IXIT 1", "S1.1-02", "1-1-1", "Data Protection", "automatic"):
        assert text in html


def test_device_and_artefacts_escape_case_fields(tmp_path, small_pcap, displayed) -> None:
    from ui_helpers import new_case

    case = new_case(tmp_path / "c", model=HOSTILE)
    case.add_artefact(small_pcap, "capture")
    device = displayed(ui.show_device, case)[0]
    assert_inert(device["text/html"])
    assert HOSTILE in device["text/plain"]  # plain text stays plain
    artefacts = displayed(ui.show_artefacts, case)[0]["text/html"]
    assert case.artefacts()[0].sha256 in artefacts


def test_publish_emits_one_mime_output(case, small_pcap, displayed) -> None:
    session = hostile_session(case, small_pcap)
    session.__dict__["result"] = CheckResult("COM-01", Verdict.FAIL, (HOSTILE,), evidence_used=("a" * 64,))
    outputs = displayed(session.publish)
    assert len(outputs) == 1
    payload = outputs[0][MIME_TYPE]
    assert json.loads(json.dumps(payload)) == payload
    assert payload["requirement_id"] == "COM-01"
    assert payload["result"]["verdict"] == "FAIL"
    assert payload["final"] == {"verdict": "FAIL", "source": "automatic", "stale": True}  # input gone
    assert_inert(outputs[0]["text/html"])


def test_plot_labels_are_never_mathtext(displayed) -> None:
    assert label("$\\frac{1}{$") == "$\\frac{1}{$"  # kept literal: mathtext is off, not escaped
    hosts = ["$\\notacommand{$", HOSTILE, "a$b", "$x^2$"]
    frame = pd.DataFrame({"server_name": hosts, "bytes_c2s": [1, 2, 3, 4]})
    outputs = displayed(ui.plots.value_counts, frame, "server_name", "hosts $\\bad{")
    assert "image/png" in outputs[0]
    assert all(host in outputs[0]["text/plain"] for host in hosts)


def test_plots_of_empty_tables_say_so(displayed) -> None:
    empty = pd.DataFrame(columns=["artefact", "artefact_sha256"])
    for plot in (ui.plots.tls_versions, ui.plots.hardening):
        outputs = displayed(plot, empty)
        assert "Nothing to plot" in outputs[0]["text/plain"]
    assert "Nothing to plot" in displayed(ui.plots.value_counts, empty, "protocol", "x")[0]["text/plain"]


def test_hardening_and_tls_plots_draw(displayed) -> None:
    binaries = pd.DataFrame(
        {"nx": ["yes", "no"], "pie": ["no", "undeterminable"], "relro": ["full", "partial"]}
    )
    outputs = displayed(ui.plots.hardening, binaries)
    assert "image/png" in outputs[0]
    assert "nx {'yes': 1, 'no': 1}" in outputs[0]["text/plain"]
    tls = pd.DataFrame({"offered_versions": [[0x0304, 0x0303]], "chosen_version": [0x0303]})
    outputs = displayed(ui.plots.tls_versions, tls)  # the engine's wire codes, shown by name
    assert "image/png" in outputs[0]
    assert "offered {'TLS 1.2': 1, 'TLS 1.3': 1}, chosen {'TLS 1.2': 1}" in outputs[0]["text/plain"]


def test_tls_version_codes_are_shown_by_name() -> None:
    tls = pd.DataFrame(
        {
            "chosen_version": [0x0303, None, 0x7F1C],
            "offered_versions": [[0x0304, 0x0303], [], [0xFEFD]],
            "server_port": [771, 443, 8443],  # a number that is not a version stays a number
        }
    )
    shown = ui.tables.as_text(tls)
    assert shown["chosen_version"].tolist() == ["TLS 1.2", "", "TLS 1.3 (draft 28)"]
    assert shown["offered_versions"].tolist()[::2] == ["TLS 1.3, TLS 1.2", "DTLS 1.2"]
    assert shown["server_port"].tolist() == ["771", "443", "8443"]


def test_traffic_plots_from_the_capture_engine(case, small_pcap, displayed) -> None:
    session = open_check(case.path, "COM-01", str(LAB_CATALOG), interactive=False)
    assert "no capture in this case" in displayed(ui.plots.traffic, session)[0]["text/plain"]
    case.add_artefact(small_pcap, "capture")
    session = open_check(case.path, "COM-01", str(LAB_CATALOG), interactive=False)
    outputs = displayed(ui.plots.traffic, session)  # the real engine analyses the real pcap
    assert [("image/png" in o) for o in outputs] == [True, True], outputs
    assert "Traffic over time, dns.pcap" in outputs[0]["text/plain"]
    firmware = displayed(ui.plots.entropy_profile, session)
    assert "no firmware in this case" in firmware[0]["text/plain"]


def test_certificates_flatten_one_row_per_certificate() -> None:
    tls = pd.DataFrame(
        {
            "packet": [7],
            "server_ip": ["203.0.113.5"],
            "server_port": [443],
            "sni": ["a.example"],
            "certificates": [[{"subject": HOSTILE, "key_bits": 1024}, {"subject": "CA", "key_bits": 2048}]],
        }
    )
    certs = ui.certificates(tls)
    assert certs["key_bits"].tolist() == [1024, 2048]
    assert certs["packet"].tolist() == [7, 7]
    assert ui.certificates(pd.DataFrame()).empty


def test_sensitive_files_flags_world_readable() -> None:
    files = pd.DataFrame(
        {"path": ["/etc/shadow", "/etc/ssl/key.pem", "/bin/sh"], "mode": ["0644", 0o600, "0755"]}
    )
    keys = pd.DataFrame({"path": ["/etc/ssl/key.pem"]})
    found = ui.sensitive_files(files, keys)
    assert dict(zip(found["path"], found["world_readable"], strict=True)) == {
        "/etc/shadow": True,
        "/etc/ssl/key.pem": False,
    }


def test_missing_evidence_names_the_command(case) -> None:
    from workbench.ui.evidence import render_evidence

    session = open_check(case.path, "COM-01", str(LAB_CATALOG), interactive=False)
    html = render_evidence(session)
    assert "--kind capture" in html
    assert session.result.verdict == Verdict.INCONCLUSIVE


def test_lab_notebook_dir_override(monkeypatch, tmp_path: Path) -> None:
    from workbench.notebook import notebook_path

    monkeypatch.setenv("WORKBENCH_NOTEBOOKS", str(tmp_path))
    assert notebook_path("COM-01") == tmp_path / "COM-01.ipynb"
    with pytest.raises(Exception, match="not a requirement id"):
        notebook_path("../etc/passwd")
