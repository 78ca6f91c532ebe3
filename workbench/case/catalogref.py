"""Which catalogue a case is inspected against, recorded so that it survives a lab's own catalogue.

case.yaml keeps three fields, written by `workbench case new`:

    catalog_edition   the edition name the catalogue's header gives
    catalog_source    the bundled edition's name, or the absolute path of the lab's file or folder
    catalog_sha256    SHA-256 of the catalogue's content, defined below

The content hash (scheme "canonical-json/1") is the SHA-256 of the UTF-8 canonical JSON of the
catalogue as loaded and validated: the edition header and every requirement in catalogue order,
fields left at their model default omitted, keys sorted, separators "," and ":", non-ASCII kept.
It does not depend on comments, quoting, key order or how a folder splits its files, nor on the
translations a catalogue carries (`languages`, `translations`: a better Japanese wording is not a
different catalogue), and it changes with any wording, level, evidence, mapping or parameter.
(`Catalog.sha256` is a different digest, of the files' bytes.) Cases written before these fields
existed open as before, without the check.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workbench.errors import CaseError
from workbench.i18n import tr

HASH_SCHEME = "canonical-json/1"


def catalog_sha256(catalog: Any) -> str:
    """The content hash of a loaded catalogue (scheme canonical-json/1, see the module's doc)."""
    data = catalog.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data.pop("translations", None)
    data.pop("languages", None)
    for requirement in data.get("requirements", []):
        requirement.pop("translations", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bundled_name(catalog: Any) -> str | None:
    """The edition name when the catalogue is a bundled edition file, else None."""
    from workbench.catalog.loader import EDITIONS_DIR

    source = str(getattr(catalog, "source", "") or "")
    if not source:
        return None
    path = Path(source).resolve()
    edition = str(catalog.edition)
    return edition if path == (EDITIONS_DIR / f"{edition}.yaml").resolve() else None


@dataclass(frozen=True)
class CatalogRef:
    edition: str
    source: str
    sha256: str

    @classmethod
    def of(cls, catalog: Any) -> CatalogRef:
        """Edition, source (bundled edition name or absolute path) and content hash of a loaded catalogue."""
        bundled = _bundled_name(catalog)
        source = bundled or os.path.abspath(str(getattr(catalog, "source", "") or catalog.edition))
        return cls(str(catalog.edition), source, catalog_sha256(catalog))

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def recorded_ref(info: Any) -> CatalogRef | None:
    """What case.yaml records; None for a case written before the catalogue's hash was recorded."""
    if not getattr(info, "catalog_sha256", None):
        return None
    return CatalogRef(
        str(info.catalog_edition), str(info.catalog_source or info.catalog_edition), str(info.catalog_sha256)
    )


def source_to_load(info: Any, given: str | os.PathLike[str] | None = None) -> str:
    """The catalogue to load for a case: the one given (--catalog), else the one it was created with.

    A lab's catalogue recorded by path is loaded from that path; when the path is gone the error
    says so rather than falling back to a bundled edition of the same name.
    """
    if given:
        return os.fspath(given)
    source = getattr(info, "catalog_source", None)
    if source and source != info.catalog_edition:
        if not Path(source).exists():
            raise CaseError(
                f"the case was created with the catalogue at {source}, which is no longer there; "
                "give the lab's catalogue with --catalog"
            )
        return str(source)
    return str(info.catalog_edition)


def provenance(info: Any, catalog: Any) -> dict[str, Any]:
    """The recorded and the loaded catalogue side by side, whether they match, and a warning if not.

    `matches` is None (and there is no warning) for a case that records no hash.
    """
    loaded = CatalogRef.of(catalog)
    recorded = recorded_ref(info)
    warning = None
    if recorded is not None and recorded.sha256 != loaded.sha256:
        warning = tr(
            "the catalogue differs from the one the case was created with: loaded {edition} from "
            "{source} (sha256 {sha256}…), the case records {recorded_edition} from "
            "{recorded_source} (sha256 {recorded_sha256}…); requirements, criteria or parameters "
            "may have changed since the case was opened",
            edition=loaded.edition, source=loaded.source, sha256=loaded.sha256[:12],
            recorded_edition=recorded.edition, recorded_source=recorded.source,
            recorded_sha256=recorded.sha256[:12],
        )
    return {
        "hash_scheme": HASH_SCHEME,
        "loaded": loaded.to_dict(),
        "recorded": recorded.to_dict() if recorded else None,
        "matches": None if recorded is None else recorded.sha256 == loaded.sha256,
        "warning": warning,
    }
