"""A crafted bundle's records: a clear BundleError naming the file and field, never a crash."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.errors import BundleError
from workbench.export.junit import build_junit
from workbench.export.oscal import build_oscal
from workbench.export.registry import registry_record
from workbench.export.sarif import build_sarif
from workbench.sealed import BundleView, open_bundle

BUILDERS = [build_oscal, build_junit, build_sarif, registry_record]


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture
def copy(failing_bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / failing_bundle.name
    shutil.copytree(failing_bundle, target)
    return target


def rows(change: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        change(data["checks"][0])
    return edit


@pytest.mark.parametrize("rel, change, message", [
    ("results.json", rows(lambda r: r.update(verdict="MOSTLY")),
     "results.json (EXP-01): unknown verdict 'MOSTLY'"),
    ("results.json", rows(lambda r: r.update(id="../../etc")), "'../../etc' is not a requirement identifier"),
    ("results.json", rows(lambda r: r.update(level="one")),
     "results.json (EXP-01): level should be an integer"),
    ("results.json", rows(lambda r: r.update(reasons=[1, 2])), "reasons should be a list of text"),
    ("results.json", lambda d: d.update(started_at="yesterday"), "started_at is not an ISO 8601 time"),
    ("results.json", lambda d: d.update(finished_at="2026-01-01T00:00:00"), "finished_at has no UTC offset"),
    ("results.json", lambda d: d["checks"].append(d["checks"][0]), "a requirement appears twice"),
    ("results.json", lambda d: d.update(overall={"best": {}}), "overall has a level 'best'"),
    ("outcomes/EXP-01.json", lambda d: d.update(requirement_id="EXP-02"), "the outcome is not EXP-01's"),
    ("outcomes/EXP-01.json", lambda d: d["result"]["findings"][0]["evidence"][0].update(offset=-5),
     "a negative offset"),
    ("outcomes/EXP-01.json", lambda d: d["result"]["findings"][0].update(summary=None),
     "summary should be text, not NoneType"),
    ("outcomes/EXP-01.json", lambda d: d["result"].update(findings={"a": 1}), "findings should be a list"),
])
def test_malformed_records_are_bundle_errors(copy, rel, change, message):
    edit_json(copy / rel, change)
    for build in BUILDERS:
        with open_bundle(copy) as source, pytest.raises(BundleError) as caught:
            build(BundleView(source))
        assert message in str(caught.value), build.__name__


def test_unreadable_files(copy):
    (copy / "case" / "artefacts.yaml").write_text("artefacts: [unclosed\n")
    with open_bundle(copy) as source, pytest.raises(BundleError, match="artefacts.yaml: not readable YAML"):
        build_sarif(BundleView(source))
    (copy / "results.json").write_bytes(b"\xff\xfe not json")
    with open_bundle(copy) as source, pytest.raises(BundleError, match="results.json: not readable JSON"):
        build_oscal(BundleView(source))


def test_odd_but_well_typed_records_still_give_valid_formats(copy):
    def odd_row(data: dict) -> None:
        row = data["checks"][0]
        row["title"] = "two\nlines\x00 <b>title</b>"
        row["mappings"] = {"etsi_en_303_645": ["5.1-1", "5.1-1"], "weird key!": [" spaced\tvalue "]}
        data["bundle"] = "name with\nnewline"

    def odd_evidence(data: dict) -> None:
        finding = data["result"]["findings"][0]
        finding["evidence"] = [
            {"artefact": "fw 100%.img", "path": "etc/passwd", "offset": 0, "note": "\x1b[0m"},
            {"artefact": "fw 100%.img", "path": "/etc/passwd", "offset": 2 ** 40},
            {"artefact": "", "packet": 1},
        ]
        finding["data"] = {"tags": "not a list", "nested": [[{"deep": None}]]}

    edit_json(copy / "results.json", odd_row)
    edit_json(copy / "outcomes" / "EXP-01.json", odd_evidence)
    with open_bundle(copy) as source:
        view = BundleView(source)
        oscal, junit, sarif = build_oscal(view), build_junit(view), build_sarif(view)  # each validates itself
    artifacts = json.loads(sarif)["runs"][0]["artifacts"]
    nested = [a for a in artifacts if a["location"]["uri"] == "/etc/passwd"]
    assert len(nested) == 1  # "etc/passwd" and "/etc/passwd" are the same file of the image
    assert any(a["location"]["uri"] == "artefacts/fw%20100%25.img" for a in artifacts)
    assert "two lines" in junit and '"5.1-1"' in oscal
