"""Firmware engine: safe, cached extraction of a vendor image and every finding a firmware
check needs (layers, files, accounts, keys, secrets, binaries, components, vulnerabilities,
services, update, warnings), as pandas tables. See docs/CONTRACTS.md.

Names are imported on first use: the extraction worker (`python -m
workbench.firmware.worker`) starts without loading pandas or the analysis modules."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.firmware.defaults import from_identifiers as candidates_from_identifiers
    from workbench.firmware.limits import ExtractionLimits
    from workbench.firmware.result import FirmwareScan
    from workbench.firmware.scan import scan_firmware
    from workbench.firmware.schema import TABLES

_EXPORTS = {
    "ExtractionLimits": ("workbench.firmware.limits", "ExtractionLimits"),
    "FirmwareScan": ("workbench.firmware.result", "FirmwareScan"),
    "candidates_from_identifiers": ("workbench.firmware.defaults", "from_identifiers"),
    "scan_firmware": ("workbench.firmware.scan", "scan_firmware"),
    "TABLES": ("workbench.firmware.schema", "TABLES"),
}
__all__ = [
    "TABLES",
    "ExtractionLimits",
    "FirmwareScan",
    "candidates_from_identifiers",
    "scan_firmware",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
