"""Benchmark (not a test): the capture engine against `tshark -T fields` + pandas, in one run.

    .venv/bin/python benchmarks/bench_capture.py [--packets 1000000] [--out benchmarks/out] [--engine-only]

1. Generates a pcap of mixed traffic (HTTP with bodies, TLS 1.2 handshakes with a certificate and
   application data, DNS, NTP, MQTT with a CONNECT, SSDP), flows interleaved, built from struct
   templates (fast, deterministic).
2. Runs, each in its own process: (a) the full `analyse_capture` (every table); (b) tshark exporting
   the header fields to CSV, read by pandas and grouped into the same bidirectional flow table.
   Both start from the file on disk, in a fresh interpreter (imports included).
3. Reports wall and CPU time up to the moment each side's table is complete, their ratios, peak
   RSS (for (b) the larger of tshark and the pandas process), and whether the two flow tables are
   the same (a digest of every flow's endpoints, packets, bytes and first packet, compared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

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
        .sign(key, hashes.SHA256())
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


# Each child reports, at the moment its table is complete: seconds since the parent started it
# (process start, imports and reading the file included), CPU seconds (its own and its reaped
# children's: tshark's), peak RSS, and then a digest of its flow table so the two can be compared.
DIGEST = """
def digest(rows):
    import hashlib
    rows = sorted(rows)
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
"""


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


ENGINE = (
    """
import json, resource, sys, time
from workbench.capture import analyse_capture
a = analyse_capture(sys.argv[1])
done = time.time()
me = resource.getrusage(resource.RUSAGE_SELF)
"""
    + DIGEST
    + """
f = a.flows
rows = [
    (t, *sorted([(c, cp), (s, sp)]), pc + ps, bc + bs, first)
    for t, c, cp, s, sp, pc, ps, bc, bs, first in zip(
        f.transport, f.client_ip, f.client_port, f.server_ip, f.server_port, f.packets_c2s,
        f.packets_s2c, f.bytes_c2s, f.bytes_s2c, f.first_packet)
]
print(json.dumps({
    "wall": done - float(sys.argv[2]), "cpu": me.ru_utime + me.ru_stime, "rss_kb": me.ru_maxrss,
    "flows": digest([tuple(int(x) if hasattr(x, "item") else x for x in r) for r in rows]),
    "tls": len(a.tls), "credentials": len(a.credentials), "dns": len(a.dns),
    "warnings": dict(zip(a.warnings.kind, a.warnings["count"].astype(int).tolist())),
}))
"""
)

TSHARK_PANDAS = (
    """
import json, os, resource, subprocess, sys, time
import pandas as pd
fields = ["frame.number", "frame.time_epoch", "frame.len", "ip.src", "ip.dst", "ip.proto",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]
cmd = ["tshark", "-n", "-r", sys.argv[1], "-T", "fields", "-E", "separator=,", "-E", "occurrence=f"]
for f in fields:
    cmd += ["-e", f]
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
df = pd.read_csv(proc.stdout, names=fields, header=None)
_, status, tshark_usage = os.wait4(proc.pid, 0)
df["sport"] = df["tcp.srcport"].fillna(df["udp.srcport"]).fillna(0).astype(int)
df["dport"] = df["tcp.dstport"].fillna(df["udp.dstport"]).fillna(0).astype(int)
forward = (df["ip.src"] + ":" + df["sport"].astype(str)) <= (df["ip.dst"] + ":" + df["dport"].astype(str))
df["a"] = df["ip.src"].where(forward, df["ip.dst"])
df["b"] = df["ip.dst"].where(forward, df["ip.src"])
df["pa"] = df["sport"].where(forward, df["dport"])
df["pb"] = df["dport"].where(forward, df["sport"])
df["fwd_bytes"] = df["frame.len"].where(forward, 0)
df["rev_bytes"] = df["frame.len"].where(~forward, 0)
flows = df.groupby(["ip.proto", "a", "pa", "b", "pb"], sort=False).agg(
    first_ts=("frame.time_epoch", "min"), last_ts=("frame.time_epoch", "max"),
    first_packet=("frame.number", "min"), packets=("frame.number", "size"),
    fwd_bytes=("fwd_bytes", "sum"), rev_bytes=("rev_bytes", "sum")).reset_index()
done = time.time()
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
"""
    + DIGEST
    + """
names = {6: "tcp", 17: "udp"}
rows = [
    (names.get(int(p), str(p)), *sorted([(a, int(pa)), (b, int(pb))]), int(n), int(fb + rb), int(first))
    for p, a, pa, b, pb, n, fb, rb, first in zip(
        flows["ip.proto"], flows.a, flows.pa, flows.b, flows.pb, flows.packets, flows.fwd_bytes,
        flows.rev_bytes, flows.first_packet)
]
print(json.dumps({
    "wall": done - float(sys.argv[2]),
    "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    "rss_kb": max(me.ru_maxrss, kids.ru_maxrss), "tshark_rss_kb": tshark_usage.ru_maxrss,
    "tshark_cpu": tshark_usage.ru_utime + tshark_usage.ru_stime, "flows": digest(rows),
}))
"""
)


def run_child(code: str, capture: Path) -> dict:
    """Run one side in its own process; its JSON report (see ENGINE and TSHARK_PANDAS)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(capture), repr(start)], capture_output=True, text=True, env=env
    )
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def side(report: dict, count: int) -> dict:
    return {
        "seconds": round(report["wall"], 2),
        "packets_per_s": round(count / report["wall"]),
        "cpu_seconds": round(report["cpu"], 2),
        "packets_per_cpu_s": round(count / report["cpu"]),
        "peak_rss_mb": round(report["rss_kb"] / 1024),
        "flows": report["flows"][0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--keep", action="store_true", help="keep the generated capture")
    parser.add_argument("--engine-only", action="store_true", help="no tshark (e.g. to measure memory)")
    parser.add_argument(
        "--kind", choices=("mixed", "scan"), default="mixed", help="mixed traffic, or a flow per 2 packets"
    )
    args = parser.parse_args()
    if not args.engine_only and not shutil.which("tshark"):
        raise SystemExit("tshark is needed for the comparison (or pass --engine-only)")
    args.out.mkdir(parents=True, exist_ok=True)
    capture = args.out / f"bench-{args.kind}-{args.packets}.pcap"
    t = time.perf_counter()
    count = (generate if args.kind == "mixed" else generate_scan)(capture, args.packets)
    size = capture.stat().st_size
    print(f"generated {count} packets, {size / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s", flush=True)
    try:
        engine = run_child(ENGINE, capture)
        result: dict = {"packets": count, "file_mb": round(size / 1e6, 1), "engine": side(engine, count)}
        result["engine"].update(
            {"tls_rows": engine["tls"], "credentials": engine["credentials"], "dns_rows": engine["dns"]}
        )
        result["engine"]["warnings"] = engine["warnings"]
        if not args.engine_only:
            tshark = run_child(TSHARK_PANDAS, capture)
            result["tshark_pandas"] = side(tshark, count)
            result["tshark_pandas"]["tshark_alone"] = {
                "cpu_seconds": round(tshark["tshark_cpu"], 2),
                "peak_rss_mb": round(tshark["tshark_rss_kb"] / 1024),
            }
            result["same_flow_table"] = engine["flows"] == tshark["flows"]
            result["speed_ratio_wall"] = round(tshark["wall"] / engine["wall"], 2)
            result["speed_ratio_cpu"] = round(tshark["cpu"] / engine["cpu"], 2)
    finally:
        if not args.keep:
            capture.unlink()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
