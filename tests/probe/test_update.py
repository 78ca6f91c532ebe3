"""The update test through a real SSH test shell (tests/probe/sshd_fixture.py) in a private network namespace,
against small updater scripts the test writes: one that installs only the genuine file (its SHA-256), one
that installs anything; the versions before and after, the uploaded files removed; a hung installer, no
version command, a refused login."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sshd_fixture import run_session_driver

UPDATE = r"""
import hashlib
from workbench.probe.update import update_test
port, key = ssh_server(WORK)
genuine = os.urandom(100_001)
(WORK / "cam fw 2.0.bin").write_bytes(genuine)
uploads = WORK / "uploads"; uploads.mkdir()
def updater(name, check):
    script = WORK / name
    script.write_text("#!/bin/sh\n" + check + f'cp "$1" {WORK}/installed.bin\n'
                      f'echo "build-$(sha256sum "$1" | cut -c1-8)" > {WORK}/version\necho installed\n')
    script.chmod(0o755)
    return str(script)
expected = hashlib.sha256(genuine).hexdigest()
strict = updater("strict-update", f'[ "$(sha256sum "$1" | cut -d" " -f1)" = {expected} ]'
                 ' || { echo "signature check failed" >&2; exit 1; }\n')
lax = updater("lax-update", "")
runs = {}
for name, command in {"strict": strict, "lax": lax}.items():
    (WORK / "version").write_text("build-original\n")
    update = {"image": "cam fw 2.0.bin", "upload_dir": str(uploads), "command": command + " {image}"}
    access_ = access(WORK, port, key_file=key.name, version_command=f"cat {WORK}/version", update=update)
    probe_plan, test = plan(access_, "update")
    run, tables = update_test("127.0.0.1", probe_plan, test)
    runs[name] = {"run": as_json(run), "tables": tables, "left": sorted(p.name for p in uploads.iterdir())}
# no version command; an installer that hangs; a refused login
update = {"image": "cam fw 2.0.bin", "upload_dir": str(uploads), "command": lax + " {image}"}
probe_plan, test = plan(access(WORK, port, key_file=key.name, update=update), "update")
runs["no_version"] = dict(zip(("run", "tables"), update_test("127.0.0.1", probe_plan, test)))
hang = {**update, "command": "sleep 60; true {image}"}
probe_plan, test = plan(access(WORK, port, key_file=key.name, update=hang), "update", exchange_timeout_s=2)
runs["hung"] = dict(zip(("run", "tables"), update_test("127.0.0.1", probe_plan, test)))
nowhere = {**update, "upload_dir": "/nonexistent/dir"}
probe_plan, test = plan(access(WORK, port, key_file=key.name, update=nowhere), "update")
runs["nowhere"] = dict(zip(("run", "tables"), update_test("127.0.0.1", probe_plan, test)))
probe_plan, test = plan(access(WORK, port, password="wrong", update=update), "update")
runs["refused"] = dict(zip(("run", "tables"), update_test("127.0.0.1", probe_plan, test)))
for name in ("no_version", "hung", "nowhere", "refused"):
    runs[name]["run"] = as_json(runs[name]["run"])
RESULT.update(runs=runs, genuine=genuine.hex(), port=port)
"""


def test_update_through_the_declared_path(tmp_path: Path) -> None:
    got = run_session_driver(tmp_path, UPDATE)
    runs, genuine = got["runs"], bytes.fromhex(got["genuine"])
    offset = len(genuine) // 2
    tampered = bytearray(genuine)
    tampered[offset] ^= 0xFF
    sums = {"tampered": hashlib.sha256(tampered).hexdigest(), "genuine": hashlib.sha256(genuine).hexdigest()}

    strict = runs["strict"]
    assert strict["run"]["status"] == "completed", strict["run"]["detail"]
    bad, good = strict["tables"]["updates"]
    assert (bad["image"], bad["changed_offset"], bad["sha256"], bad["size"]) == (
        "tampered",
        offset,
        sums["tampered"],
        len(genuine),
    )
    assert (bad["exit_status"], bad["accepted"], bad["version_before"], bad["version_after"]) == (
        1,
        False,
        "build-original",
        "build-original",
    )
    assert "signature check failed" in bad["output"] and bad["file"] == "cam fw 2.0.bin"
    assert (good["image"], good["changed_offset"], good["sha256"], good["accepted"], good["exit_status"]) == (
        "genuine",
        None,
        sums["genuine"],
        True,
        0,
    )
    assert good["version_before"] == "build-original"
    assert good["version_after"] == f"build-{sums['genuine'][:8]}"
    assert good["output"] == "installed" and "'" in good["command"]  # the path with spaces, quoted
    assert strict["left"] == []  # the uploaded files removed
    purposes = [r["purpose"] for r in strict["tables"]["session"]]
    assert purposes == ["connect", *(["version", "upload", "install", "version"] * 2), "cleanup"]
    assert {r["port"] for r in strict["tables"]["session"]} == {got["port"]}
    assert "tampered: refused (exit 1)" in strict["run"]["detail"]

    lax = runs["lax"]
    bad, good = lax["tables"]["updates"]
    assert (bad["accepted"], bad["version_after"]) == (True, f"build-{sums['tampered'][:8]}")
    assert (good["accepted"], good["version_before"]) == (True, f"build-{sums['tampered'][:8]}")
    assert lax["left"] == []

    quiet = runs["no_version"]
    assert quiet["run"]["status"] == "completed" and "no version_command" in quiet["run"]["detail"]
    assert all(r["version_before"] is None and r["accepted"] for r in quiet["tables"]["updates"])

    hung = runs["hung"]
    assert hung["run"]["status"] == "error"
    assert all(r["accepted"] is None and r["exit_status"] is None for r in hung["tables"]["updates"])
    installs = [r for r in hung["tables"]["session"] if r["purpose"] == "install"]
    assert len(installs) == 2 and all(r["error"].startswith("cut after") for r in installs)

    refused = runs["refused"]
    assert refused["run"]["status"] == "error" and "login refused" in refused["run"]["detail"]
    assert refused["tables"]["updates"] == [] and refused["tables"]["session"][0]["purpose"] == "connect"

    nowhere = runs["nowhere"]
    assert nowhere["run"]["status"] == "error" and "upload the tampered image" in nowhere["run"]["detail"]
    uploads = [r for r in nowhere["tables"]["session"] if r["purpose"] == "upload"]
    assert len(uploads) == 2 and all(r["exit_status"] != 0 and r["error"] for r in uploads)
    assert not any(r["purpose"] == "install" for r in nowhere["tables"]["session"])
