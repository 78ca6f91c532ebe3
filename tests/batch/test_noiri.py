"""The batch imports nbformat without jsonschema's IRI grammars (rfc3987-syntax: 1.5-2 s a process), and
what the workbench validates with jsonschema is checked as before."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from workbench.batch.noiri import jsonschema_without_iri_grammars


def in_a_new_process(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987-syntax not installed")
def test_without_the_batch_jsonschema_imports_the_grammars() -> None:
    """What the batch avoids: a plain `import nbformat` loads rfc3987-syntax (jupyterlab pulls it in)."""
    got = in_a_new_process("import json, sys, nbformat; print(json.dumps('rfc3987_syntax' in sys.modules and "
                           "sys.modules['rfc3987_syntax'] is not None))")  # fmt: skip
    assert got is True


def test_the_batch_imports_nbformat_without_them_and_still_validates() -> None:
    code = """
import json, sys
from workbench.batch.execute import warm_imports
warm_imports()
import nbformat
from jsonschema import Draft7Validator
from workbench.export.sarif_schema import validate_sarif
from workbench.errors import BundleError
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(notebook)
broken = nbformat.v4.new_notebook(); broken["cells"] = [{"cell_type": "code", "source": 1}]
try:
    nbformat.validate(broken); refused = False
except nbformat.ValidationError:
    refused = True
sarif = {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}
validate_sarif(sarif)
try:
    validate_sarif({**sarif, "$schema": "not a uri at all"}); uri_checked = False
except BundleError:
    uri_checked = True
print(json.dumps({"slow": sys.modules.get("rfc3987_syntax") is not None, "refused": refused,
                  "uri_checked": uri_checked, "formats": sorted(Draft7Validator.FORMAT_CHECKER.checkers)}))
"""
    got = in_a_new_process(code)
    assert got["slow"] is False  # rfc3987-syntax never imported
    assert got["refused"] and got["uri_checked"]  # nbformat's schema and SARIF's "uri" format as before
    assert {"uri", "uri-reference", "date-time"} <= set(got["formats"]) and "iri" not in got["formats"]


def test_it_leaves_an_imported_jsonschema_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once jsonschema is in, blocking the module would only break a later import of it: nothing changes.
    Before it is in, the module is blocked."""
    import jsonschema  # noqa: F401

    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    jsonschema_without_iri_grammars()
    assert "rfc3987_syntax" not in sys.modules
    monkeypatch.delitem(sys.modules, "jsonschema")
    jsonschema_without_iri_grammars()
    assert sys.modules["rfc3987_syntax"] is None
