"""SARIF 2.1.0 validation against the official OASIS JSON schema shipped with the workbench
(schemas/sarif-schema-2.1.0.json, errata01; see schemas/SARIF-SCHEMA-NOTICE.txt).

Nothing is fetched: every `$ref` of the schema is local, and the registry given to the validator
refuses to retrieve any other URI.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.exceptions import NoSuchResource

from workbench.errors import BundleError

SCHEMA = "sarif-schema-2.1.0.json"


def _refuse(uri: str) -> Any:
    raise NoSuchResource(ref=uri)  # a reference outside the shipped schema: never downloaded


@cache
def sarif_validator() -> Draft4Validator:
    schema = json.loads(resources.files("workbench.export").joinpath("schemas", SCHEMA).read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, registry=Registry(retrieve=_refuse),
                           format_checker=Draft4Validator.FORMAT_CHECKER)


def validate_sarif(log: Any) -> None:
    """BundleError naming the first place where `log` breaks the SARIF 2.1.0 schema."""
    errors = list(sarif_validator().iter_errors(log))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise BundleError(f"not valid SARIF 2.1.0 at {where}: {first.message[:300]}"
                          + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
