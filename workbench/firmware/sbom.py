"""CycloneDX SBOM (JSON) of the components found in an image, with cyclonedx-python-lib."""

from __future__ import annotations

from typing import Any

from workbench.firmware.result import FirmwareScan, records


def build_sbom(scan: FirmwareScan) -> str:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot5
    from packageurl import PackageURL

    image: dict[str, Any] = scan.image
    bom = Bom()
    firmware = Component(
        name=image.get("name") or "firmware",
        type=ComponentType.FIRMWARE,
        bom_ref="firmware-image",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=image["sha256"])] if image.get("sha256") else [],
    )
    bom.metadata.component = firmware
    seen: set[str] = set()
    for index, row in enumerate(records(scan.tables["components"])):
        ref = f"{row['purl']}#{row['path']}"
        if ref in seen:
            continue
        seen.add(ref)
        component = Component(
            name=row["name"],
            version=row["version"] or None,
            type=ComponentType.LIBRARY
            if row["name"] in ("openssl", "glibc", "uclibc", "musl", "curl", "mbedtls", "wolfssl", "sqlite")
            else ComponentType.OPERATING_SYSTEM
            if row["name"] == "linux_kernel"
            else ComponentType.APPLICATION,
            bom_ref=f"component-{index}",
            purl=PackageURL.from_string(row["purl"]) if row["purl"] else None,
            cpe=row["cpe"] or None,
            properties=[
                Property(name="workbench:path", value=row["path"]),
                Property(name="workbench:evidence", value=row["evidence"]),
            ],
        )
        bom.components.add(component)
        bom.register_dependency(firmware, [component])
    return JsonV1Dot5(bom).output_as_string(indent=2)
