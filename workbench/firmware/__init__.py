"""Firmware engine: safe, cached extraction of a vendor image and every finding a firmware
check needs (layers, files, accounts, keys, secrets, binaries, components, vulnerabilities,
services, update, warnings), as pandas tables. See docs/CONTRACTS.md."""

from workbench.firmware.defaults import from_identifiers as candidates_from_identifiers
from workbench.firmware.limits import ExtractionLimits
from workbench.firmware.result import COLUMNS, FirmwareScan
from workbench.firmware.scan import scan_firmware

__all__ = ["COLUMNS", "ExtractionLimits", "FirmwareScan", "candidates_from_identifiers", "scan_firmware"]
