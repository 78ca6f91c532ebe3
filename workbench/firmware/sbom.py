"""CycloneDX SBOM (JSON) of an image: the components the scan found, the image as the BOM's subject,
and the OSV matches as a `vulnerabilities` (VEX) section. Built with cyclonedx-python-lib's models.

Deterministic: the same scan gives the same bytes. Every bom-ref is derived from what it names,
the serial number from the image's SHA-256 and the content, and the timestamp is the caller's
(omitted without one), never the clock.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from workbench import __version__
from workbench.firmware.result import FirmwareScan, records

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component
    from cyclonedx.model.vulnerability import VulnerabilityRating

SPEC_VERSION = "1.6"  # the contract's 1.5/1.6: the library also writes 1.7, which few readers take yet
SERIAL_NAMESPACE = uuid.UUID("6f1d2c3e-6a51-5b0e-9c1f-0f6a3f0e2b17")  # the workbench's SBOMs
LIBRARIES = {"openssl", "glibc", "uclibc", "musl", "curl", "mbedtls", "wolfssl", "sqlite"}
_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*")
_ALIASES = re.compile(r"\s*\[([^\[\]]+)\]\s*$")  # the engine appends a record's aliases to its summary
_RATED = re.compile(r"(NONE|LOW|MEDIUM|MODERATE|HIGH|CRITICAL)(?: \((\d{1,2}(?:\.\d{1,3})?)\))?", re.I)


def build_sbom(
    scan: FirmwareScan,
    *,
    timestamp: datetime | None = None,
    version: str | None = None,
    vendor: str | None = None,
) -> str:
    """The SBOM of the scanned image as CycloneDX JSON text. timestamp: when the evidence was taken
    (the case's record of the image; omitted when None); version, vendor: the image's, if known."""
    from cyclonedx.output.json import JsonV1Dot6

    bom = _bom(scan, timestamp, version, vendor)
    image_sha = str(scan.image.get("sha256") or "")
    draft = JsonV1Dot6(bom).output_as_string(indent=2)
    content = hashlib.sha256(draft.replace(str(bom.serial_number), "").encode()).hexdigest()
    bom.serial_number = uuid.uuid5(SERIAL_NAMESPACE, f"{image_sha}:{content}")
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def validation_error(text: str) -> str | None:
    """Why `text` is not a valid CycloneDX document of SPEC_VERSION (the library's strict JSON
    schema validator), or None when it is."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    try:
        error = JsonStrictValidator(SchemaVersion.from_version(SPEC_VERSION)).validate_str(text)
    except ValueError as exc:  # not JSON at all
        return f"not JSON: {exc}"
    except RecursionError:  # a crafted document nested past Python's limit
        return "not JSON the validator can read: nested too deeply"
    if error is None:
        return None
    data = error.data
    where = "/".join(str(p) for p in getattr(data, "absolute_path", ())) or "(document)"
    return f"at {where}: {getattr(data, 'message', data)}"[:500]


def _bom(scan: FirmwareScan, timestamp: datetime | None, version: str | None, vendor: str | None) -> Bom:
    from cyclonedx.model.bom import Bom

    bom = Bom(serial_number=uuid.UUID(int=0))
    bom.metadata.timestamp = timestamp  # type: ignore[assignment]  # None: omitted, not now()
    bom.metadata.tools.components.add(_tool())
    image = _image(scan, version, vendor)
    bom.metadata.component = image
    bom.metadata.properties.update(_image_properties(scan))
    components = _components(scan)
    bom.components.update(components.values())
    bom.register_dependency(image, components.values())
    bom.vulnerabilities.update(_vulnerabilities(scan, components, image))
    return bom


def _tool() -> Component:
    from cyclonedx.model.component import Component, ComponentType

    return Component(
        type=ComponentType.APPLICATION, name="inspector-workbench", version=__version__,
        bom_ref="tool-inspector-workbench",
    )


def _image(scan: FirmwareScan, version: str | None, vendor: str | None) -> Component:
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity

    sha = str(scan.image.get("sha256") or "")
    hashes = [HashType(alg=HashAlgorithm.SHA_256, content=sha)] if _is_sha256(sha) else []
    return Component(
        type=ComponentType.FIRMWARE,
        name=str(scan.image.get("name") or "firmware"),
        version=version or None,
        supplier=OrganizationalEntity(name=vendor) if vendor else None,
        bom_ref="firmware-image",
        hashes=hashes,
    )


def _image_properties(scan: FirmwareScan) -> list[Any]:
    from cyclonedx.model import Property

    image = scan.image
    found = [Property(name="workbench:extraction", value=str(image.get("extraction") or "unknown"))]
    if image.get("size") is not None:
        found.append(Property(name="workbench:image-size", value=str(image["size"])))
    for feed in image.get("vuln_feeds") or []:  # the name only: where the feed lay is this machine's
        found.append(Property(name="workbench:osv-feed", value=PurePath(str(feed)).name))
    return found


def _components(scan: FirmwareScan) -> dict[tuple[str, str, str], Component]:
    """One CycloneDX component per (name, version, path) of the components table, by that key."""
    rows = records(scan.table("components"))
    paths = {str(r.get("path") or "") for r in rows}
    hashes = _file_hashes(scan, paths)
    found: dict[tuple[str, str, str], Component] = {}
    for row in rows:
        key = (str(row.get("name") or ""), str(row.get("version") or ""), str(row.get("path") or ""))
        if key in found:
            _add_evidence(found[key], row)
        else:
            found[key] = _component(key, row, hashes.get(key[2]))
    return found


def _file_hashes(scan: FirmwareScan, paths: set[str]) -> dict[str, str]:
    if not paths:
        return {}
    files = scan.table("files", ["path", "sha256"])
    files = files[files["path"].isin(paths)]
    return {str(p): str(h) for p, h in zip(files["path"], files["sha256"], strict=True) if _is_sha256(h)}


def _component(key: tuple[str, str, str], row: dict[str, Any], sha256: str | None) -> Component:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence

    name, version, path = key
    kind = (
        ComponentType.LIBRARY if name in LIBRARIES
        else ComponentType.OPERATING_SYSTEM if name == "linux_kernel"
        else ComponentType.APPLICATION
    )
    purl = _purl(row.get("purl"), name, version)
    component = Component(
        type=kind,
        name=name or "unknown",
        version=version or None,
        bom_ref=f"component-{_digest(name, version, path)}",
        purl=purl,
        cpe=str(row["cpe"]) if row.get("cpe") else None,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha256)] if sha256 else [],
        evidence=ComponentEvidence(occurrences=[Occurrence(location=path)]) if path else None,
    )
    _add_evidence(component, row)
    if row.get("purl") and (purl is None or purl.to_string() != row["purl"]):  # as the engine wrote it
        component.properties.add(Property(name="workbench:purl", value=str(row["purl"])))
    return component


def _add_evidence(component: Component, row: dict[str, Any]) -> None:
    from cyclonedx.model import Property

    component.properties.add(Property(name="workbench:path", value=str(row.get("path") or "")))
    if row.get("evidence"):
        component.properties.add(Property(name="workbench:evidence", value=str(row["evidence"])))


def _purl(text: Any, name: str, version: str) -> Any:
    """The engine's package URL (`pkg:<type>/[<namespace>/]<name>[@<version>]`, written without
    encoding) as a PackageURL, encoded from the row's own name and version: a package name from the
    image may hold any character. None when the text is not of that form or cannot be encoded."""
    from packageurl import PackageURL

    tail = f"{name}@{version}" if version else name
    text = str(text or "")
    if not name or not text.startswith("pkg:") or not text.endswith("/" + tail):
        return None
    kind, _, namespace = text[4:-len(tail) - 1].partition("/")
    try:
        purl = PackageURL(type=kind, namespace=namespace or None, name=name, version=version or None)
        back = PackageURL.from_string(purl.to_string())
    except ValueError:
        return None
    # packageurl-python leaves a `/` in a name unencoded: such a purl would name another package
    return purl if back.to_dict() == purl.to_dict() else None


def _vulnerabilities(
    scan: FirmwareScan, components: dict[tuple[str, str, str], Component], image: Component
) -> list[Any]:
    """One vulnerability per id, affecting each component the OSV feed matched."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in records(scan.table("vulnerabilities")):
        by_id.setdefault(str(row.get("vuln_id") or "unknown"), []).append(row)
    return [_vulnerability(vid, rows, components, image) for vid, rows in sorted(by_id.items())]


def _vulnerability(
    vuln_id: str, rows: list[dict[str, Any]], components: dict[tuple[str, str, str], Component],
    image: Component,
) -> Any:
    from cyclonedx.model import Property
    from cyclonedx.model.impact_analysis import ImpactAnalysisState
    from cyclonedx.model.vulnerability import (
        BomTarget,
        Vulnerability,
        VulnerabilityAnalysis,
        VulnerabilityReference,
    )

    description, aliases = _split_aliases(str(rows[0].get("summary") or ""))
    if _is_cve(vuln_id):
        aliases = [vuln_id, *aliases]
    targets: dict[str, BomTarget] = {}
    for row in rows:
        ref = _target_ref(row, components, image)
        target = targets.setdefault(ref, BomTarget(ref=ref))
        target.versions.update(_versions(row))
    severities = sorted({str(r["severity"]) for r in rows if r.get("severity")})
    return Vulnerability(
        bom_ref=f"vulnerability-{_digest(vuln_id)}",
        id=vuln_id,
        source=_osv(vuln_id),
        references=[VulnerabilityReference(id=a, source=_source(a)) for a in dict.fromkeys(aliases)],
        ratings=[r for s in severities if (r := _rating(s)) is not None],
        description=description or None,
        recommendation=_recommendation(rows),
        # CycloneDX VEX: `in_triage` is "being investigated". A match by name and version against a
        # feed is not an analysis of this device: whether the flaw is reachable (exploitable) or
        # not (not_affected, with a justification) is the inspector's finding for ATK-06, recorded
        # as a verdict; the SBOM states only what the engine saw.
        analysis=VulnerabilityAnalysis(
            state=ImpactAnalysisState.IN_TRIAGE,
            detail="matched by component name and version against the OSV feed given to the scan; "
            "not yet assessed for this device",
        ),
        affects=[targets[ref] for ref in sorted(targets)],
        properties=[Property(name="workbench:osv-severity", value=s) for s in severities],
    )


def _target_ref(
    row: dict[str, Any], components: dict[tuple[str, str, str], Component], image: Component
) -> str:
    """The bom-ref of the matched component: by name, version and path; else by name and path; else
    the image itself (a match whose component row is missing still affects the image)."""
    name, version, path = (str(row.get(k) or "") for k in ("component", "version", "path"))
    found = components.get((name, version, path))
    if found is None:
        found = next((c for (n, _v, p), c in sorted(components.items()) if (n, p) == (name, path)), image)
    return str(found.bom_ref.value)


def _versions(row: dict[str, Any]) -> list[Any]:
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus as Status
    from cyclonedx.model.vulnerability import BomTargetVersionRange

    versions = []
    if row.get("version"):
        versions.append(BomTargetVersionRange(version=str(row["version"]), status=Status.AFFECTED))
    if row.get("fixed_in"):
        versions.append(BomTargetVersionRange(version=str(row["fixed_in"]), status=Status.UNAFFECTED))
    return versions


def _recommendation(rows: list[dict[str, Any]]) -> str | None:
    """What the feed says fixes it: `Upgrade openssl to 1.0.2m or later (/usr/lib/libssl.so)`."""
    paths: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row.get("fixed_in"):
            key = (str(row.get("component") or ""), str(row["fixed_in"]))
            paths.setdefault(key, []).append(str(row.get("path") or ""))
    advice = [
        f"Upgrade {name} to {fixed} or later ({', '.join(sorted(set(where)))})"
        for (name, fixed), where in sorted(paths.items())
    ]
    return "; ".join(advice) or None


def _rating(severity: str) -> VulnerabilityRating | None:
    """A CycloneDX rating of the engine's severity: a label, `RATING (score)` from a CVSS 3 vector,
    or a vector it could not score. None for anything else (kept as a property)."""
    from cyclonedx.model.vulnerability import (
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySource,
    )
    from cyclonedx.model.vulnerability import VulnerabilitySeverity as Severity

    source = VulnerabilitySource(name="OSV")  # the feed given to the scan
    rated = _RATED.fullmatch(severity.strip())
    if rated:
        label = rated.group(1).lower()
        level = Severity.MEDIUM if label == "moderate" else Severity(label)
        score = _decimal(rated.group(2))
        if score is None:
            return VulnerabilityRating(source=source, severity=level)
        # the engine computes the CVSS v3 base score (the same formula in 3.0 and 3.1)
        return VulnerabilityRating(
            source=source, severity=level, score=score, method=VulnerabilityScoreSource.CVSS_V3
        )
    for prefix, method in (
        ("CVSS:3.1/", VulnerabilityScoreSource.CVSS_V3_1), ("CVSS:3.0/", VulnerabilityScoreSource.CVSS_V3),
        ("CVSS:4.0/", VulnerabilityScoreSource.CVSS_V4),
    ):
        if severity.startswith(prefix):
            return VulnerabilityRating(
                source=source, severity=Severity.UNKNOWN, method=method, vector=severity
            )
    return None


_PUBLISHERS = {
    "CVE": ("NVD", "https://nvd.nist.gov/vuln/detail/"),
    "GHSA": ("GitHub Advisories", "https://github.com/advisories/"),
}
_OSV = ("OSV", "https://osv.dev/vulnerability/")


def _source(alias: str) -> Any:
    """Where an alias is published: NVD for a CVE, GitHub for a GHSA, else OSV (which has them all)."""
    return _published(alias, *_PUBLISHERS.get(alias.split("-", 1)[0], _OSV))


def _osv(vuln_id: str) -> Any:
    """OSV, where the match came from, with its record of `vuln_id`."""
    return _published(vuln_id, *_OSV)


def _published(vuln_id: str, name: str, base: str) -> Any:
    from cyclonedx.model import XsUri
    from cyclonedx.model.vulnerability import VulnerabilitySource

    return VulnerabilitySource(name=name, url=XsUri(base + quote(vuln_id, safe="")))  # nothing breaks out


def _split_aliases(summary: str) -> tuple[str, list[str]]:
    """The feed's summary and the aliases the engine appended to it (`text [CVE-…, GHSA-…]`)."""
    found = _ALIASES.search(summary)
    if not found:
        return summary, []
    aliases = [a.strip() for a in found.group(1).split(",")]
    if not all(_ID.fullmatch(a) for a in aliases):
        return summary, []
    return summary[: found.start()], aliases


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _is_cve(text: str) -> bool:
    return re.fullmatch(r"CVE-\d{4}-\d{4,}", text) is not None


def _is_sha256(text: Any) -> bool:
    return isinstance(text, str) and re.fullmatch(r"[0-9a-f]{64}", text) is not None


def _digest(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
