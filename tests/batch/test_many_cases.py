"""`workbench run CASE [CASE ...]`: one bundle per case, a summary table, a failing case never stops the
others, the exit codes of the contract; one case given, the output as before.

Five cases in one run: the two demo cameras, a copy of the defective one whose capture file was deleted,
a trainee's exercise case and a folder that does not exist; each of the two cameras also run alone."""

from __future__ import annotations

import io
import json
import stat
import sys
import time
from pathlib import Path

import pytest
from cli_invoke import Invocation, invoke_with
from tqdm import tqdm

from workbench.batch import cases as many
from workbench.cli import build_parser
from workbench.commands.batch import many_exit_code
from workbench.demo import build_case, load_demo_case

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXERCISE_KEY = REPO / "sample_captures" / "exercises" / "acme-c100-defects.key.yaml"
ONLY = "AUTH-01,VULN-01"  # FAIL on the defective camera and PASS on the clean one; PENDING (manual)
RUN_FLAGS = ("--only", ONLY, "--jobs", "2", "--no-progress")
VARYING = ("bundle", "started_at", "finished_at")  # what differs between two runs of the same case


def cli(*argv: str) -> Invocation:
    return invoke_with({}, *argv)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("many") / "cases"
    found = {name: build_case(load_demo_case(name), root).path for name in ("defective", "clean")}
    broken = build_case(load_demo_case("defective"), root / "spare").path.rename(root / "broken")
    artefacts = broken / "artefacts"
    artefacts.chmod(artefacts.stat().st_mode | stat.S_IWUSR)  # the case keeps its artefacts read-only
    (artefacts / "demo_defective.pcap").unlink()
    done = cli("exercise", "start", str(EXERCISE_KEY), str(root / "trainee"), "--trainee", "Tess Trainee")
    assert done.code == 0, done.err
    return {**found, "broken": broken, "trainee": root / "trainee", "missing": root / "missing"}


@pytest.fixture(scope="module")
def mixed(cases, tmp_path_factory) -> Invocation:
    """All five in one run, --fail-on fail applied per case."""
    out = tmp_path_factory.mktemp("mixed")
    order = ("defective", "clean", "broken", "trainee", "missing")
    return cli("run", *(str(cases[n]) for n in order), "--out", str(out), *RUN_FLAGS, "--fail-on", "fail")


@pytest.fixture(scope="module")
def alone(cases, tmp_path_factory) -> dict[str, Invocation]:
    """Each camera run on its own, as before."""
    runs = {}
    for name in ("defective", "clean"):
        runs[name] = cli("run", str(cases[name]), "--out", str(tmp_path_factory.mktemp(name)), *RUN_FLAGS)
    return runs


def bundles(invocation: Invocation) -> dict[str, Path]:
    """case name -> bundle folder, from the index paths on stdout."""
    found = {}
    for line in invocation.out.splitlines():
        bundle = Path(line).parent
        found[bundle.name.rsplit("-", 1)[0]] = bundle
    return found


def results(bundle: Path) -> dict:
    data = json.loads((bundle / "results.json").read_text())
    for key in VARYING:
        data.pop(key)
    for row in data["checks"]:
        row.pop("seconds")
    return data


def table(invocation: Invocation) -> dict[str, list[str]]:
    """The summary table at the end of stderr: case name -> its cells."""
    lines = invocation.err.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("case "))
    return {line.split()[0]: line.split()[1:] for line in lines[start:]}


def test_two_cases_give_two_bundles_that_verify_each_naming_its_case_alone(mixed, cases):
    assert mixed.code == 1, mixed.err  # three cases could not run
    made = bundles(mixed)
    assert sorted(made) == ["clean", "defective"] and len(mixed.out.splitlines()) == 2
    for name, bundle in made.items():
        zip_path = bundle.with_name(bundle.name + ".zip")
        check = cli("verify", str(zip_path))
        assert check.code == 0 and "INTEGRITY OK" in check.out, check.out
        command = json.loads((bundle / "manifest.json").read_text())["command"]
        assert command.startswith(f"workbench run {cases[name]} --out ")
        others = [n for n in cases if n != name]
        assert not any(str(cases[other]) in command for other in others), command
        assert "--fail-on fail" in command and f"--only {ONLY}" in command


def test_each_bundle_holds_the_results_of_its_case_run_alone(mixed, alone):
    made = bundles(mixed)
    for name, run in alone.items():
        assert run.code == 0, run.err
        assert results(made[name]) == results(Path(run.out.strip()).parent)
    verdicts = {r["id"]: r["verdict"] for r in results(made["defective"])["checks"]}
    assert verdicts == {"AUTH-01": "FAIL", "VULN-01": "PENDING"}


def test_cases_that_cannot_run_are_rows_saying_why(mixed, cases):
    rows = table(mixed)
    assert list(rows) == ["case", "defective", "clean", "broken", "trainee", "missing"]
    why = {name: " ".join(rows[name][5:]) for name in ("broken", "trainee", "missing")}
    assert why["broken"].startswith("error: ") and "artefact file missing" in why["broken"]
    assert "demo_defective.pcap" in why["broken"]
    assert "a trainee's exercise case" in why["trainee"] and "workbench exercise grade" in why["trainee"]
    assert why["missing"] == f"error: {cases['missing']}: no such case folder"
    assert all(rows[name][:5] == ["-"] * 5 for name in why)
    assert not list(cases["missing"].parent.glob("missing*"))


def test_the_summary_table_gives_each_level_and_the_counts(mixed):
    rows = table(mixed)
    assert rows["case"] == ["★", "★★", "★★★", "FAIL", "ERROR", "bundle"]
    assert rows["defective"][:9] == ["FAIL", "0/2"] * 3 + ["1", "0", rows["defective"][8]]
    assert rows["defective"][8].endswith(".zip") and Path(rows["defective"][8]).is_file()
    assert rows["clean"][:8] == ["INCOMPLETE", "1/2"] * 3 + ["0", "0"]  # VULN-01 waits for an inspector


def test_fail_on_is_applied_per_case(mixed):
    assert "defective: --fail-on fail: AUTH-01" in mixed.err
    assert "clean: --fail-on" not in mixed.err


def test_every_case_failing_exits_2_with_a_row_each_and_no_bundle(cases, tmp_path):
    hostile = tmp_path / "nope\u202etxt.exe"
    trainee = str(cases["trainee"])
    done = cli("run", trainee, str(hostile), trainee, "--out", str(tmp_path / "out"), *RUN_FLAGS)
    assert done.code == 2, done.err
    assert done.out == "" and not (tmp_path / "out").exists()
    assert "\u202e" not in done.err and "nope\\u202etxt.exe" in done.err
    assert list(table(done)) == ["case", "trainee", "nope\\u202etxt.exe"]  # a case given twice: one row


def test_the_exit_code_follows_the_contract():
    outcomes = [many.CaseOutcome(Path("a"), object()), many.CaseOutcome(Path("b"), object())]
    failed = many.CaseOutcome(Path("c"), None, "c: no such case folder")
    assert many_exit_code(outcomes, 0) == 0
    assert many_exit_code(outcomes, 1) == 1  # a case hit --fail-on or --strict
    assert many_exit_code([*outcomes, failed], 0) == 1
    assert many_exit_code([failed], 0) == 2


def test_one_case_prints_as_before(alone):
    run = alone["defective"]
    index = Path(run.out.strip())
    assert run.out == f"{index}\n" and index.name == "index.html" and index.is_file()
    lines = run.err.splitlines()
    assert lines[0].split() == ["★", "FAIL", "0/2", "PASS", "or", "N/A;", "FAIL:", "AUTH-01"]
    assert lines[-1] == f"bundle: {index.parent}.zip"
    assert not any(line.startswith("case ") for line in lines)


def test_one_case_that_cannot_run_is_an_error_as_before(cases, tmp_path):
    done = cli("run", str(cases["trainee"]), "--out", str(tmp_path / "out"))
    assert done.code == 2 and done.err.startswith("workbench: error: ")
    assert "a trainee's exercise case" in done.err and not (tmp_path / "out").exists()


def test_the_progress_bar_counts_the_pages_of_each_bundle(tmp_path):
    out = tmp_path / "out"
    stream = io.StringIO()
    with tqdm(total=5, file=stream, disable=False) as bar:
        with many._watching(bar, out, "cam", 3):
            pages = out / "cam-20261207T000000Z" / "notebooks"
            pages.mkdir(parents=True)
            for key in ("AUTH-01", "VULN-01"):
                (pages / f"{key}.html").write_text("<p>page</p>")
            for _ in range(1000):  # the watcher looks every POLL_SECONDS
                if bar.n >= 2:
                    break
                time.sleep(0.01)
            assert bar.n == 2 and "case cam: 2/3" in bar.postfix
        assert bar.n == 3  # the page a case never wrote is counted when it ends
        with many._watching(bar, out, "cam", 2):
            assert bar.n == 3  # the first bundle's pages count once
    assert bar.n == 5 and "case cam: 2/2" in stream.getvalue()


@pytest.mark.parametrize("flags, expected", [
    (["--cluster", "local:2"], ("local:2", None)),
    (["--cluster", "local:03"], ("local:3", None)),
    (["--scheduler", "tcp://lab-scheduler.example:8786"], (None, "tcp://lab-scheduler.example:8786")),
    (["--scheduler", "tcp://192.0.2.10:8786"], (None, "tcp://192.0.2.10:8786")),
    ([], (None, None)),
])
def test_cluster_flags_parse(flags, expected):
    args = build_parser("run").parse_args(["run", "A", "B", "--out", "O", *flags])
    assert (args.cluster, args.scheduler) == expected and args.cases == ["A", "B"]


@pytest.mark.parametrize("flags", [
    ["--cluster", "local:0"], ["--cluster", "local:"], ["--cluster", "remote:2"], ["--cluster", "local:-1"],
    ["--scheduler", "http://lab.example:8786"], ["--scheduler", "tcp://lab.example"],
    ["--scheduler", "tcp://lab.example:99999"], ["--scheduler", "tcp://:8786"],
    ["--scheduler", "tcp://u:p@lab.example:8786"], ["--scheduler", "tcp://lab.example:8786/x"],
    ["--cluster", "local:2", "--scheduler", "tcp://lab.example:8786"],
])
def test_bad_cluster_flags_are_usage_errors(flags, tmp_path):
    done = cli("run", "A", "--out", str(tmp_path / "out"), *flags)
    assert done.code == 2 and "usage:" in done.err and not (tmp_path / "out").exists()


def test_without_the_dask_part_a_cluster_run_says_it_is_not_available(cases, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.batch.distributed", None)  # as if not installed
    done = cli("run", str(cases["clean"]), "--out", str(tmp_path / "out"), "--cluster", "local:1")
    assert done.code == 2 and "not available" in done.err and not (tmp_path / "out").exists()


def test_one_case_on_a_local_cluster_gets_the_summary_of_many(cases, tmp_path):
    pytest.importorskip("distributed")
    done = cli("run", str(cases["clean"]), str(cases["missing"]), "--out", str(tmp_path / "out"),
               "--only", "VULN-01", "--cluster", "local:1", "--no-progress")
    assert done.code == 1, done.err  # the missing case
    index = Path(done.out.strip())
    assert done.out == f"{index}\n" and index.is_file()
    assert table(done)["clean"][:3] == ["INCOMPLETE", "0/1", "INCOMPLETE"]
    assert "no such case folder" in " ".join(table(done)["missing"])
    command = json.loads((index.parent / "manifest.json").read_text())["command"]
    assert command.startswith(f"workbench run {cases['clean']} --out ") and "--cluster local:1" in command


def test_each_bundle_records_the_command_line_with_its_case_alone():
    assert many.command_for("workbench run --out 'my out' --level 1", Path("cases/a b")) == \
        "workbench run 'cases/a b' --out 'my out' --level 1"
    assert many.command_for("", Path("a")) == ""
