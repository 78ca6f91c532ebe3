"""Benchmark (not a test): `workbench capture analyse` against `tshark -T fields` + pandas, in one run.

    .venv/bin/python benchmarks/bench_capture.py                        # the comparison (several minutes)
    .venv/bin/python benchmarks/bench_capture.py --scale 0.1            # smoke test (about a minute)
    .venv/bin/python benchmarks/bench_capture.py --engine-only --shapes scan --scan-packets 5000000

1. Generates, deterministically, the captures: `mixed` (HTTP with bodies, TLS 1.2 handshakes with
   a certificate and application data, DNS, NTP, MQTT with a CONNECT; flows interleaved; 1,000,000
   packets), `scan` (a new flow every two packets, SYN then RST/ACK; 200,000 packets) and `pcapng`
   (`editcap -F pcapng` of the mixed one).
2. Times, per capture, each command as a whole process (interpreter start, imports, reading the
   file, writing the results, exit): `workbench capture analyse FILE --out DIR` (Parquet folder),
   `workbench capture analyse FILE --json > FILE.jsonl` (JSON Lines), and the alternative,
   benchmarks/tshark_flows.py (`tshark -n -r FILE -T fields ...` read by pandas, grouped into the
   bidirectional flow table, written to Parquet). Wall, CPU (the process and its children), peak
   RSS (the largest process of the tree), the load average before and after.
3. Compares the flows of both workbench outputs with tshark's by digest (`same_flow_table`).
4. On a case holding the mixed capture, times the batch's analysis step: `prepare(case)` (analyse
   and cache), again (cache hit), then papermill running notebooks/COM-01.ipynb reading the cache.

--engine-only times the workbench commands alone (memory at a size tshark + pandas cannot hold).
--json-out FILE keeps every figure; the summary table goes to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import random
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import capture_runs  # benchmarks/, on sys.path when this file is run or imported by the tests

ETH = struct.Struct("!6s6sH")
IP4 = struct.Struct("!BBHHHBBH4s4s")
TCPH = struct.Struct("!HHIIBBHHH")
UDPH = struct.Struct("!HHHH")
REC = struct.Struct("<IIII")
CLIENT_MAC, GW_MAC = bytes.fromhex("020000000a01"), bytes.fromhex("020000000001")


def _certificate() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.derive_private_key(0xBE7C4, ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.example")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)  # the same bytes on every run
    )
    return cert.public_bytes(Encoding.DER)


def _hs(mtype: int, body: bytes) -> bytes:
    return bytes([mtype]) + len(body).to_bytes(3, "big") + body


def _rec(ctype: int, body: bytes) -> bytes:
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def tls_payloads(cert: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    sni_name = b"api.bench.example"
    sni = struct.pack("!HHHBH", 0, len(sni_name) + 5, len(sni_name) + 3, 0, len(sni_name)) + sni_name
    exts = (
        sni + struct.pack("!HHH", 10, 4, 2) + struct.pack("!H", 29) + struct.pack("!HHB", 11, 2, 1) + b"\x00"
    )
    exts += struct.pack("!HHH", 13, 6, 4) + struct.pack("!HH", 0x0403, 0x0804)
    ciphers = struct.pack("!H", 6) + struct.pack("!HHH", 0xC02B, 0xC02F, 0x009C)
    body = (
        struct.pack("!H", 0x0303)
        + bytes(32)
        + b"\x00"
        + ciphers
        + b"\x01\x00"
        + struct.pack("!H", len(exts))
        + exts
    )
    client_hello = _rec(22, _hs(1, body))
    server_hello = _hs(2, struct.pack("!H", 0x0303) + bytes(32) + b"\x00" + struct.pack("!HB", 0xC02B, 0))
    chain = len(cert).to_bytes(3, "big") + cert
    flight = _rec(22, server_hello + _hs(11, len(chain).to_bytes(3, "big") + chain) + _hs(14, b""))
    client_fin = _rec(22, _hs(16, b"\x41" + bytes(65))) + _rec(20, b"\x01") + _rec(22, bytes(40))
    server_fin = _rec(20, b"\x01") + _rec(22, bytes(40))
    app = _rec(23, bytes(random.Random(1).randbytes(700)))
    return client_hello, flight, client_fin, server_fin, app


class Writer:
    def __init__(self, path: Path) -> None:
        self.handle = open(path, "wb")  # noqa: SIM115
        self.handle.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.count = 0
        self.parts: list[bytes] = []

    def frame(self, ts: float, frame: bytes) -> None:
        sec = int(ts)
        self.parts.append(REC.pack(sec, int((ts - sec) * 1e6), len(frame), len(frame)))
        self.parts.append(frame)
        self.count += 1
        if len(self.parts) >= 20000:
            self.handle.write(b"".join(self.parts))
            self.parts.clear()

    def close(self) -> None:
        self.handle.write(b"".join(self.parts))
        self.handle.close()


def tcp_frame(
    src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int, flags: int, payload: bytes, c2s: bool
) -> bytes:
    eth = ETH.pack(GW_MAC, CLIENT_MAC, 0x0800) if c2s else ETH.pack(CLIENT_MAC, GW_MAC, 0x0800)
    ip = IP4.pack(0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    return (
        eth
        + ip
        + TCPH.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0)
        + payload
    )


def udp_frame(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes, c2s: bool) -> bytes:
    eth = ETH.pack(GW_MAC, CLIENT_MAC, 0x0800) if c2s else ETH.pack(CLIENT_MAC, GW_MAC, 0x0800)
    ip = IP4.pack(0x45, 0, 28 + len(payload), 0, 0x4000, 64, 17, 0, src, dst)
    return eth + ip + UDPH.pack(sport, dport, 8 + len(payload), 0) + payload


def tcp_flow(
    cip: bytes, sip: bytes, cport: int, sport: int, exchanges: list[tuple[bool, bytes]]
) -> list[bytes]:
    """Handshake, the payload segments (each acknowledged), FIN both ways."""
    c, s = 1_000_000 + cport * 7, 9_000_000 + cport * 13
    out = [
        tcp_frame(cip, sip, cport, sport, c, 0, 0x02, b"", True),
        tcp_frame(sip, cip, sport, cport, s, c + 1, 0x12, b"", False),
    ]
    c, s = c + 1, s + 1
    out.append(tcp_frame(cip, sip, cport, sport, c, s, 0x10, b"", True))
    for from_client, data in exchanges:
        if from_client:
            out.append(tcp_frame(cip, sip, cport, sport, c, s, 0x18, data, True))
            c += len(data)
        else:
            out.append(tcp_frame(sip, cip, sport, cport, s, c, 0x18, data, False))
            s += len(data)
    out.append(tcp_frame(cip, sip, cport, sport, c, s, 0x11, b"", True))
    out.append(tcp_frame(sip, cip, sport, cport, s, c + 1, 0x11, b"", False))
    out.append(tcp_frame(cip, sip, cport, sport, c + 1, s + 1, 0x10, b"", True))
    return out


def generate(path: Path, packets: int) -> int:
    rng = random.Random(42)
    cert = _certificate()
    client_hello, flight, client_fin, server_fin, app = tls_payloads(cert)
    body = bytes(rng.randbytes(1200))
    http_req = b"GET /static/app.js HTTP/1.1\r\nHost: www.bench.example\r\nUser-Agent: bench/1.0\r\n\r\n"
    http_head = b"HTTP/1.1 200 OK\r\nContent-Type: application/javascript\r\nContent-Length: 6000\r\n\r\n"
    http_resp = [
        http_head + body[: 1200 - len(http_head)],
        *[body] * 4,
        body[: 6000 - (1200 - len(http_head)) - 4800],
    ]
    mqtt_body = b"\x00\x04MQTT\x04\xc2\x00\x3c\x00\x06sensor\x00\x04user\x00\x0cpassword-123"
    mqtt_connect = b"\x10" + bytes([len(mqtt_body)]) + mqtt_body
    writer = Writer(path)
    ts = 1_735_689_600.0
    flow_no = 0
    while writer.count < packets:
        batch: list[list[bytes]] = []
        for _ in range(40):
            flow_no += 1
            cip = bytes([10, 0, (flow_no >> 8) & 0x3F, flow_no & 0xFF])
            sip = bytes([203, 0, 113, 1 + flow_no % 200])
            cport = 1024 + flow_no % 60000
            kind = flow_no % 10
            if kind < 4:
                batch.append(
                    tcp_flow(cip, sip, cport, 80, [(True, http_req)] + [(False, p) for p in http_resp])
                )
            elif kind < 7:
                ex = [(True, client_hello), (False, flight), (True, client_fin), (False, server_fin)]
                ex += [(True, app)] + [(False, app)] * 8
                batch.append(tcp_flow(cip, sip, cport, 443, ex))
            elif kind == 7:
                batch.append(
                    tcp_flow(
                        cip,
                        sip,
                        cport,
                        1883,
                        [(True, mqtt_connect), (False, b"\x20\x02\x00\x00")]
                        + [(True, b"\x30\x10\x00\x06sensor" + bytes(8))] * 6,
                    )
                )
            elif kind == 8:
                name = f"host{flow_no % 500}.bench.example".encode()
                qname = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\x00"
                query = (
                    struct.pack("!HHHHHH", flow_no & 0xFFFF, 0x0100, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01"
                )
                answer = (
                    struct.pack("!HHHHHH", flow_no & 0xFFFF, 0x8180, 1, 1, 0, 0)
                    + qname
                    + b"\x00\x01\x00\x01"
                    + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04"
                    + sip
                )
                batch.append(
                    [
                        udp_frame(cip, bytes([10, 0, 0, 1]), cport, 53, query, True),
                        udp_frame(bytes([10, 0, 0, 1]), cip, 53, cport, answer, False),
                    ]
                )
            else:
                ntp = b"\x23" + bytes(47)
                batch.append(
                    [
                        udp_frame(cip, sip, 123, 123, ntp, True),
                        udp_frame(sip, cip, 123, 123, b"\x24" + bytes(47), False),
                    ]
                    * 3
                )
        # interleave the flows of the batch, as concurrent connections are on the wire
        longest = max(len(f) for f in batch)
        for i in range(longest):
            for flow in batch:
                if i < len(flow):
                    ts += 0.0002
                    writer.frame(ts, flow[i])
                    if writer.count >= packets:
                        break
            if writer.count >= packets:
                break
    writer.close()
    return writer.count


def generate_scan(path: Path, packets: int) -> int:
    """Worst case for the flow table: every two packets a new flow (SYN, then RST/ACK)."""
    writer = Writer(path)
    ts = 1_735_689_600.0
    device = bytes([192, 168, 1, 50])
    i = 0
    while writer.count < packets:
        i += 1
        client = bytes([10, 1 + (i >> 24) % 200, (i >> 16) & 0xFF, (i >> 8) & 0xFF])
        cport, port = 1024 + i % 60000, 1 + (i * 7) % 65000
        writer.frame(ts, tcp_frame(client, device, cport, port, i, 0, 0x02, b"", True))
        writer.frame(ts + 0.0001, tcp_frame(device, client, port, cport, 0, i + 1, 0x14, b"", False))
        ts += 0.0002
    writer.close()
    return writer.count


def generate_pcapng(pcap: Path, path: Path) -> None:
    """The same packets as pcapng (section header, interface description, enhanced packet blocks)."""
    subprocess.run(["editcap", "-F", "pcapng", str(pcap), str(path)], check=True, capture_output=True)


def build_captures(args: argparse.Namespace, work: Path) -> dict[str, tuple[Path, int]]:
    """The captures of the shapes asked for: name -> (path, packets)."""
    mixed_packets = round(args.mixed_packets * args.scale)
    scan_packets = round(args.scan_packets * args.scale)
    wanted = args.shapes
    built: dict[str, tuple[Path, int]] = {}
    if "mixed" in wanted or "pcapng" in wanted:
        path = work / f"mixed-{mixed_packets}.pcap"
        built["mixed"] = (path, _made(path, lambda: generate(path, mixed_packets)))
    if "scan" in wanted:
        path = work / f"scan-{scan_packets}.pcap"
        built["scan"] = (path, _made(path, lambda: generate_scan(path, scan_packets)))
    if "pcapng" in wanted:
        path = work / f"mixed-{mixed_packets}.pcapng"
        _made(path, lambda: generate_pcapng(built["mixed"][0], path))
        built["pcapng"] = (path, built["mixed"][1])
    return {name: built[name] for name in wanted}


def _made(path: Path, make: Callable[[], int | None]) -> int | None:
    started = time.perf_counter()
    count = make()
    took = time.perf_counter() - started
    print(f"generated {path.name}: {path.stat().st_size / 1e6:.0f} MB in {took:.1f} s", flush=True)
    return count


def measure(name: str, capture: Path, packets: int, args: argparse.Namespace, work: Path) -> dict:
    """Every side on one capture: the workbench's outputs, then the alternative; ratios, digests."""
    digest = not args.engine_only or args.digest
    result: dict = {"packets": packets, "file_mb": round(capture.stat().st_size / 1e6, 1), "runs": {}}
    if name == "scan":  # SYN then RST/ACK: one flow per two packets, all distinct
        result["expected_flows"] = packets // 2
    sides = {
        "out": capture_runs.workbench_out,
        "json": capture_runs.workbench_jsonl,
        "previous": functools.partial(capture_runs.workbench_previous, tree=args.previous_tree),
        "out-python": functools.partial(capture_runs.workbench_out, env=capture_runs.python_only()),
        "json-python": functools.partial(capture_runs.workbench_jsonl, env=capture_runs.python_only()),
        "out-before": functools.partial(capture_runs.workbench_out, tree=args.before_tree),
        "json-before": functools.partial(capture_runs.workbench_jsonl, tree=args.before_tree),
    }
    for mode in args.modes:
        run = sides[mode](capture, work, digest=digest)
        result["runs"][mode] = run.row()
        if "expected_flows" in result:
            kept = run.extra.get("rows", {}).get("flows")
            result["runs"][mode]["all_flows_kept"] = kept == result["expected_flows"]
        print(f"{name} workbench --{mode}: {_brief(run)}", flush=True)
    if args.engine_only:
        return result
    tshark = capture_runs.tshark_side(capture, work)
    result["runs"]["tshark"] = tshark.row()
    print(f"{name} tshark + pandas: {_brief(tshark)}", flush=True)
    for mode in args.modes:
        run = result["runs"][mode]
        run["ratio_wall"] = round(tshark.wall / run["wall"], 2)
        run["ratio_cpu"] = round(tshark.cpu / run["cpu"], 2)
        run["same_flow_table"] = run["extra"]["flows"] == tshark.extra["flows"]
    return result


def _brief(run: capture_runs.Run) -> str:
    flows = run.extra.get("flows") or ""
    return (
        f"{run.wall:.2f} s wall, {run.cpu:.2f} s CPU, {run.rss_mb:.0f} MB peak, flows {flows}, "
        f"load {run.load[0]:.2f}-{run.load[1]:.2f}"
    )


def table(results: dict) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| capture | command | wall s | CPU s | peak RSS MB | flows | flows check "
        "| ratio wall | ratio CPU | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "out": "`--out DIR`",
        "json": "`--json > FILE.jsonl`",
        "out-python": "`--out DIR`, engine as Python (`WORKBENCH_PURE_PYTHON=1`)",
        "json-python": "`--json`, engine as Python",
        "out-before": "`--out DIR` of the tree before (`--before-tree`)",
        "json-before": "`--json` of the tree before",
        "previous": "previous engine `--json` (nested)",
        "tshark": "tshark -T fields + pandas",
    }
    for name, shape in results["shapes"].items():
        what = f"{name} ({shape['packets']:,} packets, {shape['file_mb']:.0f} MB)"
        for mode, run in shape["runs"].items():
            flows = run["extra"].get("flows")
            rows = run["extra"].get("rows", {}).get("flows")
            count = flows[0] if flows else rows
            lines.append(
                f"| {what} | {labels[mode]} | {run['wall']:.2f} | {run['cpu']:.2f} | {run['rss_mb']} | "
                f"{count if count is not None else '-'} | {_check(run)} | "
                f"{_ratio(run, 'ratio_wall')} | {_ratio(run, 'ratio_cpu')} | "
                f"{run['load'][0]:.2f}-{run['load'][1]:.2f} |"
            )
    steps = [(k, results[k]) for k in ("analysis_step", "analysis_step_previous") if k in results]
    if steps:
        lines += ["", "| analysis step (mixed capture in a case) | wall s | CPU s | peak RSS MB | load avg |"]
        lines.append("|---|---|---|---|---|")
    for key, step in steps:
        engine = "previous engine, JSON cache: " if key.endswith("previous") else ""
        for part, label in (
            ("prepare", "`prepare(case)`: analyse + cache"),
            ("prepare_cached", "`prepare(case)` again: cache hit"),
            ("notebook", f"papermill {capture_runs.NOTEBOOK}.ipynb reading the cache"),
        ):
            run = step[part]
            lines.append(
                f"| {engine}{label} | {run['wall']:.2f} | {run['cpu']:.2f} | {run['rss_mb']} | "
                f"{run['load'][0]:.2f}-{run['load'][1]:.2f} |"
            )
    return "\n".join(lines)


def _check(run: dict) -> str:
    if "same_flow_table" in run:
        return f"same_flow_table: {run['same_flow_table']}"
    if "all_flows_kept" in run:
        return f"every flow kept: {run['all_flows_kept']}"
    return "-"


def _ratio(run: dict, key: str) -> str:
    return f"**{run[key]:.2f}x**" if key in run else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=_names(SHAPES), default=list(SHAPES), help="mixed,scan,pcapng")
    parser.add_argument(
        "--modes",
        type=_names(MODES),
        default=["out", "json"],
        help=",".join(MODES),
    )
    parser.add_argument(
        "--before-tree", type=Path, help="modes out-before/json-before: a tree with an earlier workbench/"
    )
    parser.add_argument(
        "--previous-tree", type=Path, help="mode `previous`: a tree with an earlier workbench/ (git archive)"
    )
    parser.add_argument("--mixed-packets", type=int, default=1_000_000)
    parser.add_argument("--scan-packets", type=int, default=200_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every packet count")
    parser.add_argument("--engine-only", action="store_true", help="only the workbench commands")
    parser.add_argument("--digest", action="store_true", help="with --engine-only: digest the flows too")
    parser.add_argument("--no-analysis-step", action="store_true", help="skip the case + notebook step")
    parser.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--keep", action="store_true", help="keep the generated captures")
    parser.add_argument("--json-out", type=Path, help="write every figure here as JSON")
    args = parser.parse_args()
    if args.previous_tree:
        args.previous_tree = args.previous_tree.resolve()
    if args.before_tree:
        args.before_tree = args.before_tree.resolve()
    before = {"out-before", "json-before"} & set(args.modes)
    if before and not (args.before_tree and (args.before_tree / "workbench").is_dir()):
        parser.error("modes out-before/json-before need --before-tree DIR holding a workbench/ package")
    if "previous" in args.modes and not (args.previous_tree and (args.previous_tree / "workbench").is_dir()):
        parser.error("mode previous needs --previous-tree DIR holding a workbench/ package")
    if not args.engine_only and not shutil.which("tshark"):
        raise SystemExit("tshark is needed for the comparison (or pass --engine-only)")
    work = args.work.resolve() / f"capture-{os.getpid()}"
    work.mkdir(parents=True)
    results: dict = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "engine_compiled": capture_runs.engine_build(),
        "shapes": {},
    }
    try:
        captures = build_captures(args, work)
        for name, (path, packets) in captures.items():
            results["shapes"][name] = measure(name, path, packets, args, work)
            _save(results, args.json_out)
        if not (args.engine_only or args.no_analysis_step) and "mixed" in captures:
            results["analysis_step"] = capture_runs.analysis_step(captures["mixed"][0], work)
            if "previous" in args.modes:
                results["analysis_step_previous"] = capture_runs.analysis_step(
                    captures["mixed"][0], work, tree=args.previous_tree
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_end"] = os.getloadavg()
    _save(results, args.json_out)
    print(table(results))
    return 0


def _save(results: dict, path: Path | None) -> None:
    """Every figure so far (a later failure keeps the earlier figures)."""
    if path is not None:
        path.write_text(json.dumps(results, indent=1, default=str) + "\n")


SHAPES = ("mixed", "scan", "pcapng")
MODES = ("out", "json", "out-python", "json-python", "out-before", "json-before", "previous")


def _names(allowed: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        if not names or set(names) - set(allowed):
            raise argparse.ArgumentTypeError(f"choose among {', '.join(allowed)}")
        return names

    return parse


if __name__ == "__main__":
    sys.exit(main())
