"""Sizes past 64 bits on the wire (an HTTP Content-Length, an FTP "(N bytes)"): not a size, so the
download is listed with its size unknown and a warning names the number; the analysis, the CLI and
the checks of a case holding such a capture carry on as usual."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from capture_frames import DEVICE, bench_capture, write_frames

from workbench.capture import TABLES, CaptureAnalysis, analyse_capture
from workbench.capture.result import build, report_misfits
from workbench.capture.warnings import WarningLog
from workbench.case import Case, CaseInfo
from workbench.checks import Verdict, get_check
from workbench.checks.context import EvidenceContext
from workbench.cli import main
from workbench.columnar import ResultWriter, to_frame
from workbench.tables import INT64_MAX, Misfit

SERVER = bytes([93, 184, 216, 34])
UIMAGE = b"\x27\x05\x19\x56" + b"A" * 200
PAST_INT64 = [str(10**23), str(2**63), "9" * 5000]  # the last one int() refuses to read at all


def http_download(path: Path, length: str) -> Path:
    """A GET of a firmware image answered with `Content-Length: <length>` (packet 5)."""
    request = b"GET /firmware/update-1.2.bin HTTP/1.1\r\nHost: upd.example.com\r\n\r\n"
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
        + length.encode()
        + b"\r\n\r\n"
        + UIMAGE
    )
    frames = bench_capture.tcp_flow(DEVICE, SERVER, 40000, 80, [(True, request), (False, response)])
    return write_frames(path, frames)


def ftp_download(path: Path, size: str) -> Path:
    """An FTP session whose RETR reply states `(<size> bytes)` (packet 10)."""
    dialogue = [
        (False, b"220 ready\r\n"),
        (True, b"USER anonymous\r\n"),
        (False, b"331 password\r\n"),
        (True, b"PASS guest\r\n"),
        (False, b"230 logged in\r\n"),
        (True, b"RETR firmware.bin\r\n"),
        (
            False,
            b"150 Opening BINARY mode data connection for firmware.bin (" + size.encode() + b" bytes)\r\n",
        ),
        (False, b"226 Transfer complete\r\n"),
    ]
    return write_frames(path, bench_capture.tcp_flow(DEVICE, SERVER, 40001, 21, dialogue))


def tls_session(path: Path) -> Path:
    """The device's ordinary TLS 1.2 session to a cloud server."""
    hello, flight, client_fin, server_fin, app = bench_capture.tls_payloads(bench_capture._certificate())
    exchanges = [(True, hello), (False, flight), (True, client_fin), (False, server_fin), (True, app)]
    return write_frames(path, bench_capture.tcp_flow(DEVICE, SERVER, 40002, 443, exchanges))


def oversized(analysis: CaptureAnalysis) -> list[dict]:
    return [w for w in analysis.warnings.to_dict("records") if w["kind"] == "oversized-number"]


@pytest.mark.parametrize("length", PAST_INT64)
def test_a_content_length_past_64_bits_is_an_unknown_size_and_a_warning(tmp_path: Path, length: str):
    analysis = analyse_capture(http_download(tmp_path / "huge.pcap", length))
    (row,) = analysis.downloads.to_dict("records")
    assert row["path"] == "/firmware/update-1.2.bin" and row["size"] is None
    assert row["magic"] == "uImage" and row["looks_like_firmware"]
    (warning,) = oversized(analysis)
    assert "HTTP Content-Length" in warning["message"] and length[:19] in warning["message"]
    assert warning["first_packet"] == 5
    assert TABLES["downloads"].to_arrow(analysis.downloads).column("size").to_pylist() == [None]
    again = CaptureAnalysis.from_json(json.loads(json.dumps(analysis.to_json())))
    assert again.downloads["size"].tolist() == [None]


@pytest.mark.parametrize(("length", "size"), [(str(INT64_MAX), INT64_MAX), ("0001234", 1234)])
def test_a_content_length_that_fits_is_kept(tmp_path: Path, length: str, size: int):
    analysis = analyse_capture(http_download(tmp_path / "fits.pcap", length))
    assert analysis.downloads["size"].tolist() == [size]
    assert analysis.downloads["size"].dtype == "int64"
    assert not oversized(analysis)


@pytest.mark.parametrize("size", [str(10**23), str(2**63)])
def test_an_ftp_size_past_64_bits_is_an_unknown_size_and_a_warning(tmp_path: Path, size: str):
    analysis = analyse_capture(ftp_download(tmp_path / "ftp.pcap", size))
    (row,) = analysis.downloads.to_dict("records")
    assert row["protocol"] == "ftp" and row["path"] == "firmware.bin" and row["size"] is None
    (warning,) = oversized(analysis)
    assert "FTP transfer size" in warning["message"] and size in warning["message"]
    assert warning["first_packet"] == 10
    assert set(analysis.credentials["protocol"]) == {"ftp"}  # the rest of the dialogue still read


def test_an_ftp_size_that_fits_is_kept(tmp_path: Path):
    analysis = analyse_capture(ftp_download(tmp_path / "ftp.pcap", "4096"))
    assert analysis.downloads["size"].tolist() == [4096] and not oversized(analysis)


@pytest.mark.parametrize("length", [str(10**23), str(2**63)])
def test_the_cli_lists_the_download(tmp_path: Path, capsys, length: str):
    pcap = str(http_download(tmp_path / "huge.pcap", length))
    assert main(["capture", "analyse", pcap]) == 0
    text = capsys.readouterr().out
    assert "/firmware/update-1.2.bin" in text and "oversized-number" in text
    assert main(["capture", "analyse", pcap, "--json", "--table", "downloads"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (row,) = [line for line in lines if line["table"] == "downloads"]
    assert row["size"] is None


def test_a_case_with_that_capture_still_judges_tls(tmp_path: Path):
    tls = tls_session(tmp_path / "tls.pcap")
    normal = _com02(_case(tmp_path / "normal", [tls]))
    assert normal.verdict is Verdict.PASS
    hostile = _com02(_case(tmp_path / "hostile", [http_download(tmp_path / "huge.pcap", str(10**23)), tls]))
    assert hostile.verdict is normal.verdict
    assert (
        hostile.indicators["negotiated_versions"]
        == normal.indicators["negotiated_versions"]
        == {"TLS 1.2": 1}
    )


def _case(root: Path, captures: list[Path]) -> Case:
    info = CaseInfo(
        device="IP camera",
        vendor="Acme",
        model="C100",
        firmware_version="2.1",
        level=3,
        device_ips=["192.168.1.50"],
    )
    case = Case.create(root, info)
    for capture in captures:
        case.add_artefact(capture, "capture")
    return case


def _com02(case: Case):
    return get_check("COM-02").run(EvidenceContext.for_case(case.path, "COM-02"))


# --- the checked conversion at the table boundary (a value the sources did not bound) ------------
def test_building_a_table_leaves_a_number_past_64_bits_empty_and_reports_it():
    rows = [_download(10**23, 7), _download(None, 9), _download(2**63, 11), _download(512, 13)]
    misfits: list[Misfit] = []
    table = build("downloads", rows, misfits)
    assert table["size"].tolist() == [None, None, None, 512]
    assert [(m.column, m.row) for m in misfits] == [("size", 0), ("size", 2)]
    log = WarningLog()
    report_misfits(log, {"downloads": table}, misfits)
    (warning,) = log.records()
    assert warning["kind"] == "schema" and warning["count"] == 2 and warning["first_packet"] == 7
    assert "table downloads, column size" in warning["message"] and str(10**23) in warning["message"]
    TABLES["downloads"].to_arrow(table)  # the contract holds


def _written_flows(tmp_path, columns) -> tuple[pd.DataFrame, list[Misfit]]:
    """The flows columns through the result folder's table writer, as the engine writes them."""
    misfits: list[Misfit] = []
    with ResultWriter(
        tmp_path / "r", TABLES, engine="t", version="1", on_misfit=lambda m, r: misfits.append(m)
    ) as result:
        result.table("flows").add_columns(columns)
        folder = result.commit({})
    return to_frame(folder.read("flows")), misfits


def test_a_column_of_unsigned_numbers_past_int64_never_wraps(tmp_path):
    import numpy as np

    columns = {c: [None, None] for c in TABLES["flows"].names}
    columns["bytes_c2s"] = np.array([2**63, 5], dtype="uint64")
    columns["bytes_s2c"] = np.array([1e23, 6.0])
    flows, misfits = _written_flows(tmp_path, columns)
    assert flows["bytes_c2s"].tolist() == [None, 5] and flows["bytes_s2c"].tolist() == [None, 6]
    assert {(m.column, m.row) for m in misfits} == {("bytes_c2s", 0), ("bytes_s2c", 0)}


def test_columns_that_fit_stay_vectorised_and_unreported(tmp_path):
    import numpy as np

    columns = {c: [None, None] for c in TABLES["flows"].names}
    columns["bytes_c2s"] = np.array([INT64_MAX, 5], dtype="uint64")
    columns["bytes_s2c"] = np.array([3, 4], dtype="int64")
    flows, misfits = _written_flows(tmp_path, columns)
    assert flows["bytes_c2s"].dtype == "int64" and flows["bytes_c2s"].tolist() == [INT64_MAX, 5]
    assert flows["bytes_s2c"].dtype == "int64" and not misfits


def test_a_cache_holding_such_a_value_reads_back_with_a_warning():
    data = {"downloads": [_download(10**23, 7)], "warnings": []}
    analysis = CaptureAnalysis.from_json(data)
    assert analysis.downloads["size"].tolist() == [None]
    assert analysis.warnings["kind"].tolist() == ["schema"]
    assert isinstance(analysis.flows, pd.DataFrame) and analysis.flows.empty


def _download(size: int | None, packet: int) -> dict:
    return {"packets": [packet], "protocol": "http", "path": "/fw.bin", "size": size, "encrypted": False}
