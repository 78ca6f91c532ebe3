"""test-access.yaml: the manufacturer's test access, read strictly, planned, masked; skipped without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.case import Case, CaseInfo
from workbench.probe.plan import ACCESS_TESTS, ProbePlan
from workbench.probe.plan import TestPlan as Planned
from workbench.probe.results import TestStatus
from workbench.probe.runner import _access_test
from workbench.probe.vendor_access import AccessError, load_access
from workbench.probing import plan_for

INFO = {"device": "cam", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 3,
        "device_ips": ["127.0.0.1"]}  # fmt: skip
SHELL_PASSWORD = "s3cret-shell-pass"
WEB_PASSWORD = "s3cret-web-pass"


def write_access(folder: Path, **changes: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keys").mkdir(exist_ok=True)
    (folder / "keys" / "update-2.1.1.bin").write_bytes(b"version=2.1.1\n" + bytes(range(256)) * 8)
    content: dict[str, object] = {
        "shell": {"port": 22, "user": "root", "password": SHELL_PASSWORD},
        "logs": ["/var/log/messages"],
        "version_command": "cat /etc/version",
        "update": {"image": "keys/update-2.1.1.bin", "command": "/sbin/fw_upgrade {image}"},
        "password_change": {"documented_in": "manual 4.2", "port": 443, "user": "admin",
                            "password": WEB_PASSWORD, "applies_to": ["https", "rtsp"]},
    }  # fmt: skip
    content.update(changes)
    path = folder / "test-access.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def test_a_complete_access_file_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    access = load_access(write_access(tmp_path / "vendor"))
    assert access.shell is not None and access.shell.user == "root" and access.shell.port == 22
    assert access.update is not None
    assert access.path(access.update.image) == tmp_path / "vendor" / "keys" / "update-2.1.1.bin"
    assert access.update.upload_dir == "/tmp"
    assert access.password_change is not None
    assert access.password_change.fields == {"current": "current", "new": "new"}
    grants = " ".join(access.grants())
    assert "ssh root@tcp/22" in grants and "update-2.1.1.bin" in grants and "manual 4.2" in grants


def test_the_results_keep_a_masked_copy_only(tmp_path: Path) -> None:
    public = json.dumps(load_access(write_access(tmp_path)).public())
    assert SHELL_PASSWORD not in public and WEB_PASSWORD not in public
    assert str(tmp_path) not in public  # paths as names only
    assert public.count('"password": "(set)"') == 2  # not even the length


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"shell": {"user": "root", "password": "x", "key_file": "keys/update-2.1.1.bin"}}, "exactly one"),
        ({"shell": {"user": "root"}}, "exactly one"),
        ({"shell": {"user": "root", "key_file": "keys/id_missing"}}, "no such file"),
        ({"update": {"image": "keys/update-2.1.1.bin", "command": "/sbin/fw_upgrade"}}, "{image}"),
        ({"update": {"image": "nope.bin", "command": "up {image}"}}, "no such file"),
        ({"shell": {"user": "root", "password": "x", "port": 70000}}, "shell.port"),
        ({"telnet": {"user": "root"}}, "telnet"),
        ({"password_change": {"documented_in": "m", "port": 443, "user": "a", "password": "p",
                              "interface": "cli"}}, "password_change.interface"),  # fmt: skip
    ],
)
def test_a_malformed_access_file_is_one_line_naming_the_field(
    tmp_path: Path, changes: dict[str, object], says: str
) -> None:
    with pytest.raises(AccessError) as raised:
        load_access(write_access(tmp_path, **changes))
    message = str(raised.value)
    assert says in message and "\n" not in message and "test-access.yaml" in message


def test_a_yaml_error_names_where_and_never_quotes_the_line(tmp_path: Path) -> None:
    path = tmp_path / "test-access.yaml"
    path.write_text("shell:\n  user: root\n  password: s3cretPW: x\n")
    with pytest.raises(AccessError) as raised:
        load_access(path)
    assert "s3cretPW" not in str(raised.value) and "line 3" in str(raised.value)


@pytest.mark.parametrize("content", [b"- a list\n", b"\xff\xfe not text", b"shell: [unclosed", b"x" * 70_000])
def test_a_file_that_is_not_an_access_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "test-access.yaml"
    path.write_bytes(content)
    with pytest.raises(AccessError):
        load_access(path)


def test_the_plan_takes_the_access_beside_the_case_or_the_one_named(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(INFO))
    assert plan_for(case).access is None
    write_access(case.path)
    beside = plan_for(case)
    assert beside.access is not None and beside.access.shell is not None
    named = plan_for(case, access=write_access(tmp_path / "other", logs=["/var/log/auth.log"]))
    assert named.access is not None and named.access.logs == ["/var/log/auth.log"]
    session = named.test("device_session")
    assert session is not None and "/etc/shadow" in session.settings["sensitive_paths"]  # SEC-03's
    assert session.settings["log_events"]["failed_login"]


def test_the_dry_run_shows_the_access_and_never_its_secrets(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(INFO))
    write_access(case.path)
    base = [sys.executable, "-m", "workbench", "probe", str(case.path), "--dry-run"]
    text = subprocess.run(base, capture_output=True, text=True, timeout=60)
    as_json = subprocess.run([*base, "--json"], capture_output=True, text=True, timeout=60)
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    assert "Test access: shell: ssh root@tcp/22" in text.stdout
    for out in (text.stdout, as_json.stdout):
        assert SHELL_PASSWORD not in out and WEB_PASSWORD not in out
    assert json.loads(as_json.stdout)["access"]["shell"]["user"] == "root"
    broken = write_access(tmp_path / "broken", shell={"user": "root"})
    refused = subprocess.run([*base, "--access", str(broken)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and refused.stderr.startswith("workbench: error:")
    assert "exactly one" in refused.stderr


def test_without_access_the_tests_on_the_unit_are_skipped_saying_what_is_missing(tmp_path: Path) -> None:
    access = load_access(write_access(tmp_path, shell=None))
    for granted in (None, access):
        tests = [Planned(n, 1, 10) for n in ACCESS_TESTS]
        plan = ProbePlan("127.0.0.1", "quick", "lo", tests, access=granted)
        for test in plan.tests:
            if granted is not None and test.name == "password_change":
                continue  # granted: it would run
            run, tables = _access_test(test, plan, [], 0.0)
            assert run.status is TestStatus.SKIPPED and tables == {}
            assert "test-access.yaml grants no" in run.detail
            assert ("`shell`" in run.detail) == (granted is not None or test.name == "device_session")


def test_the_access_beside_the_case_never_enters_a_bundle(tmp_path: Path) -> None:
    from workbench.batch.seal import case_records

    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(INFO))
    write_access(case.path)
    sealed = {rel for _, rel, _ in case_records(case)}
    assert "case.yaml" in sealed and not any("access" in rel or "keys" in rel for rel in sealed)


def test_a_lab_catalogue_without_the_requirements_the_probe_reads_falls_back_to_the_bundled_values(
    tmp_path: Path,
) -> None:
    """A lab's own catalogue may leave out AUTH-05 and SEC-03: the brute force and the session then take the
    newest bundled edition's hands_on_attempts and sensitive_paths instead of failing to plan."""
    from workbench.catalog import load_catalog

    bundled = yaml.safe_load((Path(load_catalog().source)).read_text())
    bundled["requirements"] = [r for r in bundled["requirements"] if r["id"] not in ("AUTH-05", "SEC-03")]
    lab = tmp_path / "lab-catalogue.yaml"
    lab.write_text(yaml.safe_dump(bundled, allow_unicode=True))
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(INFO))
    plan = plan_for(case, catalog=str(lab))
    session, brute = plan.test("device_session"), plan.test("brute_force")
    assert session is not None and brute is not None
    assert session.settings["sensitive_paths"] == load_catalog().get("SEC-03").parameters["sensitive_paths"]
    assert brute.settings["attempts"] == load_catalog().get("AUTH-05").parameters["hands_on_attempts"]
