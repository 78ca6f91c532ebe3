"""The flows spill (capture.sink.FlowSpill): flows held as they are become the flows table's columns a
run at a time; a value that does not fit its column is left empty and said, as in every other table."""

from __future__ import annotations

from workbench.capture.flow import Flow
from workbench.capture.schema import TABLES
from workbench.capture.sink import FLOW_RUN, FlowSpill


def _flow(number: int, app: object = "tls") -> Flow:
    key = bytes([10, 0, 0, number, 192, 168, 1, 50]) + (1024 + number).to_bytes(2, "big") + b"\x01\xbb"
    flow = Flow(6, key, 1700000000.5 + number, number, 1024 + number, 443)
    flow.id, flow.pc, flow.bs, flow.app = number, number * 2, number * 100, app
    return flow


def test_flows_come_back_as_columns_in_flow_order_and_a_misfit_is_left_empty(tmp_path) -> None:
    said: list[tuple[object, dict]] = []
    spill = FlowSpill(
        tmp_path,
        "flows",
        FLOW_RUN,
        "flow_id",
        rows_per_run=3,
        declared=TABLES["flows"],
        on_misfit=lambda misfit, row: said.append((misfit, row)),
    )
    for number in (5, 2, 7, 1, 4):  # written out in another order than their numbers
        spill.add(_flow(number, app=12345 if number == 7 else "tls"))
    rows = [row for table in spill.chunks() for row in table.to_pylist()]
    assert [r["flow_id"] for r in rows] == [1, 2, 4, 5, 7]
    first = rows[0]
    assert (first["client_ip"], first["client_port"], first["server_ip"], first["server_port"]) == (
        "10.0.0.1",
        1025,
        "192.168.1.50",
        443,
    )
    assert first["packets_c2s"] == 2 and first["bytes_s2c"] == 100 and first["first_ts"] == 1700000001.5
    assert first["client_local"] is True and first["encrypted"] is True and first["port_proto"] == "https"
    assert rows[-1]["app_proto"] is None  # an int where text belongs: left empty ...
    ((misfit, row),) = said  # ... and said, with its row's values (numbers from Arrow arrays too)
    assert row["flow_id"] == 7 and row["app_proto"] == 12345
