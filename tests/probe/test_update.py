"""The update test through a real SSH test shell (tests/probe/sshd_fixture.py) in a private network namespace,
against small updater scripts the test writes: one that installs only the genuine file (its SHA-256), one
that installs anything, one that checks only the file's name; the versions before and after, both images
under the genuine file's name in a folder of the probe's own, removed after, a file already in upload_dir
untouched; an installer that outlasts install_timeout_s, a unit that restarts during the install (its upload
folder gone), a unit without mktemp, no version command, no upload_dir, a refused login."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sshd_fixture import run_session_driver

NAME = "acme-cam fw 2.0.bin"
UPDATE = r"""
import hashlib, threading
from workbench.probe.update import update_test
port, key = ssh_server(WORK)
bare_port, bare_key = ssh_server(WORK, tools="no-mktemp")
NAME = "acme-cam fw 2.0.bin"
genuine = os.urandom(100_001)
(WORK / NAME).write_bytes(genuine)
def updater(name, check, after=""):
    script = WORK / name
    installs = (f'cp "$1" {WORK}/installed.bin\n'
                f'echo "build-$(sha256sum "$1" | cut -c1-8)" > {WORK}/version\necho installed\n')
    script.write_text("#!/bin/sh\n" + check + installs + after)
    script.chmod(0o755)
    return str(script)
expected = hashlib.sha256(genuine).hexdigest()
updaters = {
    "strict": updater("strict-update", f'[ "$(sha256sum "$1" | cut -d" " -f1)" = {expected} ]'
                      ' || { echo "signature check failed" >&2; exit 1; }\n'),
    "lax": updater("lax-update", ""),
    "name_only": updater("name-update", 'case "$(basename "$1")" in acme-*.bin) ;;'
                         ' *) echo "not an acme update: $1" >&2; exit 1;; esac\n'),
    "reboot": updater("reboot-update", "", f"touch {WORK}/reboot-now\nsleep 30\n"),
    "hung": "sleep 60; true",
}
def restarts():  # the unit "restarts" when an installer asks: connections dropped, /tmp's folder gone
    while True:
        if (WORK / "reboot-now").exists():
            (WORK / "reboot-now").unlink()
            for folder in (WORK / "uploads" / "reboot").glob("wbupdate.*"):
                shutil.rmtree(folder)
            drop_connections()
        time.sleep(0.05)
threading.Thread(target=restarts, daemon=True).start()
def update_run(name, command, upload_dir=None, shell_port=port, shell_key=key, version=True, **settings):
    (WORK / "version").write_text("build-original\n")
    uploads = WORK / "uploads" / name
    uploads.mkdir(parents=True)
    (uploads / NAME).write_bytes(b"not the probe's")  # a file already there, under the same name
    update = {"image": NAME, "upload_dir": upload_dir or str(uploads), "command": command + " {image}"}
    more = {"version_command": f"cat {WORK}/version"} if version else {}
    access_ = access(WORK, shell_port, key_file=shell_key.name, update=update, **more)
    probe_plan, test = plan(access_, "update", **settings)
    run, tables = update_test("127.0.0.1", probe_plan, test)
    left = {str(p.relative_to(uploads)): p.stat().st_size for p in sorted(uploads.rglob("*")) if p.is_file()}
    return {"run": as_json(run), "tables": tables, "left": left,
            "folders": sorted(str(p.relative_to(uploads)) for p in uploads.iterdir() if p.is_dir()),
            "kept": (uploads / NAME).read_bytes() == b"not the probe's"}
runs = {name: update_run(name, updaters[name]) for name in ("strict", "lax", "name_only", "reboot")}
runs["hung"] = update_run("hung", updaters["hung"], install_timeout_s=2)
runs["no_mktemp"] = update_run("no_mktemp", updaters["lax"], shell_port=bare_port, shell_key=bare_key)
runs["no_version"] = update_run("no_version", updaters["lax"], version=False)
runs["nowhere"] = update_run("nowhere", updaters["lax"], upload_dir="/nonexistent/dir")
update = {"image": NAME, "upload_dir": str(WORK), "command": "true {image}"}
probe_plan, test = plan(access(WORK, port, password="wrong", update=update), "update")
run, tables = update_test("127.0.0.1", probe_plan, test)
runs["refused"] = {"run": as_json(run), "tables": tables}
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
    assert (bad["image"], bad["changed_offset"], bad["sha256"], bad["size"], bad["file"]) == (
        "tampered", offset, sums["tampered"], len(genuine), NAME,
    )  # fmt: skip
    assert (bad["exit_status"], bad["accepted"], bad["version_before"], bad["version_after"]) == (
        1, False, "build-original", "build-original",
    )  # fmt: skip
    assert "signature check failed" in bad["output"]
    assert (good["image"], good["changed_offset"], good["sha256"], good["accepted"], good["exit_status"]) == (
        "genuine", None, sums["genuine"], True, 0,
    )  # fmt: skip
    assert good["version_before"] == "build-original"
    assert good["version_after"] == f"build-{sums['genuine'][:8]}"
    assert good["output"] == "installed"
    # both under the genuine file's own name, in the same folder of the probe's own in upload_dir, quoted
    (folder,) = {r["command"].split("/")[-2] for r in (bad, good)}
    assert folder.startswith("wbupdate.") and all(r["command"].endswith(f"/{NAME}'") for r in (bad, good))
    assert strict["left"] == {NAME: len(b"not the probe's")} and strict["kept"]  # theirs untouched
    assert strict["folders"] == []  # the probe's folder removed
    session = strict["tables"]["session"]
    one = ["version", "upload", "install", "version", "cleanup"]
    assert [r["purpose"] for r in session] == ["connect", "upload", *one, *one, "cleanup"]
    assert "rmdir " in session[-1]["command"] and folder in session[-1]["command"]
    assert {r["port"] for r in session} == {got["port"]}
    assert "tampered: refused (exit 1)" in strict["run"]["detail"]

    lax = runs["lax"]
    bad, good = lax["tables"]["updates"]
    assert (bad["accepted"], bad["version_after"]) == (True, f"build-{sums['tampered'][:8]}")
    assert (good["accepted"], good["version_before"]) == (True, f"build-{sums['tampered'][:8]}")
    assert lax["folders"] == [] and lax["kept"]

    # a unit that checks only the name: the tampered image has the genuine one's name, so it is installed
    named = runs["name_only"]
    assert named["run"]["status"] == "completed", named["run"]["detail"]
    bad, good = named["tables"]["updates"]
    assert (bad["accepted"], bad["exit_status"], good["accepted"]) == (True, 0, True)
    assert bad["version_after"] == f"build-{sums['tampered'][:8]}" and named["folders"] == []

    # an installer still running at install_timeout_s ends the test: no second image, nothing removed
    hung = runs["hung"]
    assert hung["run"]["status"] == "timed_out", hung["run"]["detail"]
    detail = hung["run"]["detail"]
    assert "may still be running on the unit" in detail and "nothing was removed" in detail
    (row,) = hung["tables"]["updates"]
    assert (row["image"], row["accepted"], row["exit_status"]) == ("tampered", None, None)
    purposes = [r["purpose"] for r in hung["tables"]["session"]]
    assert purposes == ["connect", "upload", "version", "upload", "install"]  # no cleanup, no second install
    assert hung["tables"]["session"][-1]["error"].startswith("cut after 2 s")
    (hung_folder,) = hung["folders"]
    assert hung["left"] == {NAME: len(b"not the probe's"), f"{hung_folder}/{NAME}": len(genuine)}

    # the unit restarts during each install (its /tmp folder gone): logged in again, the version read
    reboot = runs["reboot"]
    assert reboot["run"]["status"] == "partial", reboot["run"]["detail"]
    assert "logged in again" in reboot["run"]["detail"]
    assert "gone after the restart" in reboot["run"]["detail"]
    bad, good = reboot["tables"]["updates"]
    assert (bad["accepted"], bad["version_after"]) == (None, f"build-{sums['tampered'][:8]}")
    assert (good["accepted"], good["version_after"]) == (None, f"build-{sums['genuine'][:8]}")
    assert [r["purpose"] for r in reboot["tables"]["session"]].count("connect") == 3
    assert reboot["folders"] == [] and reboot["kept"] and "remains" not in reboot["run"]["detail"]

    bare = runs["no_mktemp"]  # no mktemp on the unit: a folder of a random name made with mkdir
    assert bare["run"]["status"] == "completed", bare["run"]["detail"]
    assert [r["accepted"] for r in bare["tables"]["updates"]] == [True, True]
    assert bare["folders"] == [] and bare["kept"]
    (made,) = [r for r in bare["tables"]["session"] if r["purpose"] == "upload" and "mkdir" in r["command"]]
    assert made["exit_status"] == 0 and len(made["output"].rsplit("/wbupdate.", 1)[1]) == 12  # not mktemp's

    quiet = runs["no_version"]
    assert quiet["run"]["status"] == "completed" and "no version_command" in quiet["run"]["detail"]
    assert all(r["version_before"] is None and r["accepted"] for r in quiet["tables"]["updates"])

    refused = runs["refused"]
    assert refused["run"]["status"] == "error" and "login refused" in refused["run"]["detail"]
    assert refused["tables"]["updates"] == [] and refused["tables"]["session"][0]["purpose"] == "connect"

    nowhere = runs["nowhere"]
    assert nowhere["run"]["status"] == "error"
    assert "make a folder in upload_dir /nonexistent/dir" in nowhere["run"]["detail"]
    assert [r["purpose"] for r in nowhere["tables"]["session"]] == ["connect", "upload"]
    assert nowhere["tables"]["session"][1]["exit_status"] == 1 and nowhere["tables"]["updates"] == []
