"""The requirement catalogue: versioned, schema-checked YAML editions, and a lab's own catalogue."""

from workbench.catalog.diff import CatalogDiff, FieldChange, RequirementChange, diff_catalogs
from workbench.catalog.fingerprint import REQUIREMENT_HASH_SCHEME, requirement_sha256
from workbench.catalog.loader import bundled_editions, load_catalog, newest_edition
from workbench.catalog.model import Catalog, EditionHeader, Mappings, Requirement
from workbench.catalog.schema import catalog_json_schema

__all__ = [
    "REQUIREMENT_HASH_SCHEME",
    "Catalog",
    "CatalogDiff",
    "EditionHeader",
    "FieldChange",
    "Mappings",
    "Requirement",
    "RequirementChange",
    "bundled_editions",
    "catalog_json_schema",
    "diff_catalogs",
    "load_catalog",
    "newest_edition",
    "requirement_sha256",
]
