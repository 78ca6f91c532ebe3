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

RECORDED = ["192.0.2.10", "127.0.0.1"]


def test_the_only_recorded_address_is_the_default_target() -> None:
    assert str(checked_target(None, ["192.0.2.10"])) == "192.0.2.10"


def test_a_recorded_address_may_be_named() -> None:
    assert str(checked_target("127.0.0.1", RECORDED)) == "127.0.0.1"
    assert str(checked_target(" 192.0.2.10 ", RECORDED)) == "192.0.2.10"


@pytest.mark.parametrize(
    ("target", "recorded", "says"),
    [
        (None, [], "records no device address"),
        (None, RECORDED, "records 2 device addresses"),
        ("192.0.2.11", RECORDED, "not an address the case records"),
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


def test_a_directed_broadcast_of_a_local_network_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.probe import guard

    monkeypatch.setattr(guard, "local_broadcasts", lambda: {ipaddress.ip_address("10.9.0.255")})
    assert "broadcast address of a network" in (address_problem(ipaddress.ip_address("10.9.0.255")) or "")
    assert address_problem(ipaddress.ip_address("10.9.0.2")) is None


DRIVER = r"""
set -eu
ip link add v0 type veth peer name v1 && ip addr add 10.9.0.1/24 dev v0
ip link set v0 up && ip link set v1 up
set +e
tcpdump -i any -U -w "$OUT/refused.pcap" -n not ip6 >"$OUT/tcpdump.log" 2>&1 &
dump=$!
for i in $(seq 50); do grep -q listening "$OUT/tcpdump.log" && break; sleep 0.1; done
for target in 10.9.0.3 10.9.0.255 224.0.0.1 0.0.0.0 255.255.255.255 camera.local; do
  "$PY" -m workbench probe "$CASE" --target "$target" --yes >>"$OUT/stdout" 2>>"$OUT/stderr"
  echo "$target $?" >>"$OUT/codes"
done
"$PY" -m workbench probe "$CASE" --target 10.9.0.2 --dry-run >"$OUT/plan" 2>&1
echo "dry-run $?" >>"$OUT/codes"
sleep 1.5; kill -INT $dump; wait $dump
tcpdump -r "$OUT/refused.pcap" -n 2>/dev/null | wc -l >"$OUT/refused.count"
# control: the same capture set-up sees a packet the test sends itself
tcpdump -i any -U -w "$OUT/control.pcap" -n not ip6 >"$OUT/tcpdump2.log" 2>&1 &
dump=$!
for i in $(seq 50); do grep -q listening "$OUT/tcpdump2.log" && break; sleep 0.1; done
"$PY" -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('10.9.0.2', 9))"
sleep 1.5; kill -INT $dump; wait $dump
tcpdump -r "$OUT/control.pcap" -n 2>/dev/null | wc -l >"$OUT/control.count"
"""


def _netns_problem() -> str | None:
    if os.geteuid() != 0:
        return "needs root for a private network namespace (CI runs as root)"
    for tool in ("unshare", "ip", "tcpdump"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make setup installs it)"
    return None


def test_refused_targets_send_nothing_on_the_wire(tmp_path: Path) -> None:
    problem = _netns_problem()
    if problem:
        pytest.skip(problem)
    from workbench.case import Case, CaseInfo

    case = Case.create(
        tmp_path / "case",
        CaseInfo.model_validate(
            {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
             "device_ips": ["10.9.0.2", "10.9.0.255", "224.0.0.1", "0.0.0.0", "255.255.255.255"]}
        ),
    )  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OUT": str(out), "CASE": str(case.path), "PY": sys.executable}
    done = subprocess.run(
        ["unshare", "-n", "--", "sh", "-c", "ip link set lo up && exec sh -c \"$0\"", DRIVER],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    codes = dict(line.split() for line in (out / "codes").read_text().splitlines())
    assert codes == {"10.9.0.3": "2", "10.9.0.255": "2", "224.0.0.1": "2", "0.0.0.0": "2",
                     "255.255.255.255": "2", "camera.local": "2", "dry-run": "0"}  # fmt: skip
    errors = (out / "stderr").read_text().splitlines()
    assert len(errors) == 6 and all(line.startswith("workbench: error: refusing target") for line in errors)
    assert "not an address the case records" in errors[0] and "broadcast address of a network" in errors[1]
    plan = (out / "plan").read_text()
    assert "target 10.9.0.2" in plan and "port_scan" in plan and "brute_force" in plan
    assert int((out / "control.count").read_text()) >= 1, "the capture must see traffic when there is some"
    assert int((out / "refused.count").read_text()) == 0, "a refused target or a dry run sent packets"
    assert case.artefacts() == [], "nothing entered the case"
