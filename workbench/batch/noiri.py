"""jsonschema without its IRI grammars: nbformat (papermill, nbconvert) imports jsonschema, whose format
checkers import the optional rfc3987-syntax when it is installed (jupyterlab's jupyter-events asks for
it), and that builds 38 Lark parsers at import: 1.5-2 s in every process that reads a notebook (the
batch's parent, each of its workers). They check only the "iri" and "iri-reference" formats, which no
schema the workbench validates uses (nbformat checks no formats; SARIF 2.1.0 is draft-04: "uri",
"uri-reference", "date-time", checked by rfc3986-validator as before).

Called by the batch before it imports nbformat, never where jsonschema is already imported."""

from __future__ import annotations

import sys

SLOW = "rfc3987_syntax"


def jsonschema_without_iri_grammars() -> None:
    """jsonschema, when it is imported next, without rfc3987-syntax (nothing changes once it is in)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault(SLOW, None)  # its import raises ImportError, which jsonschema expects
