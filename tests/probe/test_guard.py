"""The target guard: only an address the case records is probed; refused targets send nothing."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.probe.guard import TargetRefused, address_problem, checked_target
from workbench.simdevice.netns import in_netns, netns_problem

RECORDED = ["127.0.0.2", "127.0.0.1"]  # the guard's rules, on loopback addresses only


def test_the_only_recorded_address_is_the_default_target() -> None:
    assert str(checked_target(None, ["127.0.0.1"])) == "127.0.0.1"


def test_a_recorded_address_may_be_named() -> None:
    assert str(checked_target("127.0.0.1", RECORDED)) == "127.0.0.1"
    assert str(checked_target(" 127.0.0.2 ", RECORDED)) == "127.0.0.2"


@pytest.mark.parametrize(
    ("target", "recorded", "says"),
    [
        (None, [], "records no device address"),
        (None, RECORDED, "records 2 device addresses"),
        ("127.0.0.3", RECORDED, "not an address the case records"),
        ("camera.local", RECORDED, "not a name"),
        ("0.0.0.0", ["0.0.0.0"], "unspecified"),
        ("::", ["::"], "unspecified"),
        ("224.0.0.1", ["224.0.0.1"], "multicast"),
        ("ff02::1", ["ff02::1"], "multicast"),
        ("255.255.255.255", ["255.255.255.255"], "broadcast"),
        ("240.0.0.1", ["240.0.0.1"], "reserved"),
        ("::ffff:224.0.0.1", ["::ffff:224.0.0.1"], "IPv4-mapped"),
        ("::ffff:127.0.0.1", ["::ffff:127.0.0.1"], "give the IPv4 address 127.0.0.1 itself"),
        ("127.0.0.01", ["127.0.0.1"], "not a malformed one"),
    ],
)
def test_refused_targets_say_why_in_one_line(target: str | None, recorded: list[str], says: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        checked_target(target, recorded)
    message = str(refused.value)
    assert says in message and "\n" not in message


def test_a_directed_broadcast_of_a_local_network_is_refused() -> None:
    from workbench.probe.guard import local_broadcasts

    loopback = ipaddress.ip_address("127.255.255.255")  # lo's own network, 127.0.0.0/8, on every machine
    assert loopback in local_broadcasts()
    assert "broadcast address of a network" in (address_problem(loopback) or "")
    assert address_problem(ipaddress.ip_address("127.0.0.1")) is None


DRIVER = r"""
set -u
tcpdump -i lo -U -w "$OUT/refused.pcap" -n >"$OUT/tcpdump.log" 2>&1 &
dump=$!
for i in $(seq 50); do grep -q listening "$OUT/tcpdump.log" && break; sleep 0.1; done
for target in 127.0.0.2 127.255.255.255 224.0.0.1 0.0.0.0 255.255.255.255 camera.local; do
  "$PY" -m workbench probe "$CASE" --target "$target" --yes >>"$OUT/stdout" 2>>"$OUT/stderr"
  echo "$target $?" >>"$OUT/codes"
done
"$PY" -m workbench probe "$CASE" --target 127.0.0.1 --dry-run >"$OUT/plan" 2>&1
echo "dry-run $?" >>"$OUT/codes"
sleep 1.5; kill -INT $dump; wait $dump
tcpdump -r "$OUT/refused.pcap" -n 2>/dev/null | wc -l >"$OUT/refused.count"
# control: the same capture set-up sees a packet the test sends itself, to the namespace's own 127.0.0.1
tcpdump -i lo -U -w "$OUT/control.pcap" -n >"$OUT/tcpdump2.log" 2>&1 &
dump=$!
for i in $(seq 50); do grep -q listening "$OUT/tcpdump2.log" && break; sleep 0.1; done
"$PY" -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))"
sleep 1.5; kill -INT $dump; wait $dump
tcpdump -r "$OUT/control.pcap" -n 2>/dev/null | wc -l >"$OUT/control.count"
"""


def _netns_problem() -> str | None:
    if shutil.which("tcpdump") is None:
        return "tcpdump is not installed (make setup installs it)"
    return netns_problem()


def test_refused_targets_send_nothing_on_the_wire(tmp_path: Path) -> None:
    problem = _netns_problem()
    if problem:
        pytest.skip(problem)
    from workbench.case import Case, CaseInfo

    case = Case.create(
        tmp_path / "case",
        CaseInfo.model_validate(
            {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
             "device_ips": ["127.0.0.1", "127.255.255.255", "224.0.0.1", "0.0.0.0", "255.255.255.255"]}
        ),
    )  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OUT": str(out), "CASE": str(case.path), "PY": sys.executable}
    done = subprocess.run(
        in_netns(["sh", "-c", DRIVER]),
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    codes = dict(line.split() for line in (out / "codes").read_text().splitlines())
    assert codes == {"127.0.0.2": "2", "127.255.255.255": "2", "224.0.0.1": "2", "0.0.0.0": "2",
                     "255.255.255.255": "2", "camera.local": "2", "dry-run": "0"}  # fmt: skip
    errors = (out / "stderr").read_text().splitlines()
    assert len(errors) == 6 and all(line.startswith("workbench: error: refusing target") for line in errors)
    assert "not an address the case records" in errors[0] and "broadcast address of a network" in errors[1]
    plan = (out / "plan").read_text()
    assert "target 127.0.0.1" in plan and "port_scan" in plan and "brute_force" in plan
    assert int((out / "control.count").read_text()) >= 1, "the capture must see traffic when there is some"
    assert int((out / "refused.count").read_text()) == 0, "a refused target or a dry run sent packets"
    assert case.artefacts() == [], "nothing entered the case"
