"""The alternative the capture benchmark times: `tshark -T fields` piped into a pandas flow table.

    python benchmarks/tshark_flows.py CAPTURE FLOWS.parquet [--usage USAGE.json]

What a user without the workbench would write: tshark exports each packet's header fields as CSV,
pandas reads them and groups the packets into bidirectional flows (both directions of one
conversation under one key), and the flow table is written to Parquet. --usage writes tshark's
own CPU seconds and peak RSS (from wait4), so that the benchmark can tell the two processes apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

FIELDS = [
    "frame.number",
    "frame.time_epoch",
    "frame.len",
    "ip.src",
    "ip.dst",
    "ip.proto",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
]


def tshark_command(capture: Path) -> list[str]:
    command = ["tshark", "-n", "-r", str(capture), "-T", "fields", "-E", "separator=,", "-E", "occurrence=f"]
    for field in FIELDS:
        command += ["-e", field]
    return command


def flow_table(packets):  # pandas.DataFrame -> pandas.DataFrame (pandas imported by the caller)
    """One row per (protocol, endpoint A, endpoint B), A the smaller of the two as `ip:port`."""
    df = packets
    df["sport"] = df["tcp.srcport"].fillna(df["udp.srcport"]).fillna(0).astype(int)
    df["dport"] = df["tcp.dstport"].fillna(df["udp.dstport"]).fillna(0).astype(int)
    forward = (df["ip.src"] + ":" + df["sport"].astype(str)) <= (df["ip.dst"] + ":" + df["dport"].astype(str))
    df["a"] = df["ip.src"].where(forward, df["ip.dst"])
    df["b"] = df["ip.dst"].where(forward, df["ip.src"])
    df["pa"] = df["sport"].where(forward, df["dport"])
    df["pb"] = df["dport"].where(forward, df["sport"])
    df["fwd_bytes"] = df["frame.len"].where(forward, 0)
    df["rev_bytes"] = df["frame.len"].where(~forward, 0)
    return (
        df.groupby(["ip.proto", "a", "pa", "b", "pb"], sort=False)
        .agg(
            first_ts=("frame.time_epoch", "min"),
            last_ts=("frame.time_epoch", "max"),
            first_packet=("frame.number", "min"),
            packets=("frame.number", "size"),
            fwd_bytes=("fwd_bytes", "sum"),
            rev_bytes=("rev_bytes", "sum"),
        )
        .reset_index()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=Path)
    parser.add_argument("out", type=Path, help="the flow table (Parquet)")
    parser.add_argument("--usage", type=Path, help="write tshark's own CPU seconds and peak RSS here")
    args = parser.parse_args()

    # tshark first, pandas imported while it starts: also keeps tshark's own peak RSS its own
    # (a child records the resident size of the process it was forked from)
    proc = subprocess.Popen(tshark_command(args.capture), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    import pandas as pd

    packets = pd.read_csv(proc.stdout, names=FIELDS, header=None)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"tshark exited with {proc.returncode}")
    flows = flow_table(packets)
    flows.to_parquet(args.out, index=False)
    if args.usage:
        cpu = usage.ru_utime + usage.ru_stime
        args.usage.write_text(json.dumps({"cpu": cpu, "rss_kb": usage.ru_maxrss, "flows": len(flows)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
