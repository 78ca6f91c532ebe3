"""The CycloneDX SBOM of a real image (workbench.firmware.sbom): every component of the scan with its
purl, CPE, path, evidence and file hash; the image as the BOM's subject; the OSV matches as a
vulnerabilities (VEX) section pointing at the matched components; valid by cyclonedx-python-lib's
validator, the same bytes for the same image, hostile package names kept as data."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packageurl import PackageURL
from rootfs_builder import mksquashfs, with_kernel, write

from workbench.errors import BundleError
from workbench.firmware import scan_firmware
from workbench.firmware.sbom import SPEC_VERSION, build_sbom, validation_error

HOSTILE_NAME = 'evil"pkg</script><b>\u00fcn\u00efc\u00f8d\u00e9\u202e'
HOSTILE_VERSION = "1.0\"';\\x"
ODD_NAME, ODD_VERSION = 'odd"name<\u00fc>@?#', "2.0 beta+1"  # every character legal in a purl once encoded
HOSTILE_ID = 'EVIL-1 "q" </script> #%zz#'
HOSTILE_SUMMARY = "bad \x1b[31m summary \x00 [not, an alias!]"
FILES = {
    "/bin/busybox": b"\x7fELF\0\0BusyBox v1.30.1 (2019-06-01 10:00:00 UTC) multi-call binary.\0tail",
    "/usr/lib/libcrypto.so.1.0.0": b"\x7fELF\0\0OpenSSL 1.0.2k  26 Jan 2017\0crypto",
    "/usr/lib/libssl.so.1.0.0": b"\x7fELF\0\0OpenSSL 1.0.2k  26 Jan 2017\0ssl",
    "/usr/sbin/dropbear": b"\x7fELF\0\0Dropbear sshd v2016.73\0",
    "/var/lib/dpkg/status": (
        f"Package: {HOSTILE_NAME}\nStatus: install ok installed\nVersion: {HOSTILE_VERSION}\n\n"
        f"Package: {ODD_NAME}\nStatus: install ok installed\nVersion: {ODD_VERSION}\n\n"
    ).encode(),
}
FEED = [
    {
        "id": "CVE-2017-3735",
        "aliases": ["GHSA-aaaa-bbbb-cccc"],
        "summary": "OpenSSL X.509 IPAddressFamily one-byte overread",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
        "affected": [{
            "package": {"name": "openssl", "ecosystem": "Generic"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.2"}, {"fixed": "1.0.2m"}]}],
        }],
    },
    {
        "id": "CVE-2016-7406",
        "summary": "Dropbear format string vulnerability in dbclient",
        "affected": [{
            "package": {"name": "dropbear", "ecosystem": "Generic"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2016.74"}]}],
        }],
        "database_specific": {"severity": "CRITICAL"},
    },
    {
        "id": "OSV-2021-42373",
        "aliases": ["CVE-2021-42373"],
        "summary": "BusyBox man NULL pointer dereference",
        "affected": [{"package": {"name": "busybox", "ecosystem": "Generic"}, "versions": ["1.30.1"]}],
    },
    {
        "id": HOSTILE_ID,
        "summary": HOSTILE_SUMMARY,
        "affected": [
            {"package": {"name": HOSTILE_NAME, "ecosystem": "Generic"}, "versions": [HOSTILE_VERSION]},
        ],
        "database_specific": {"severity": "MODERATE"},
    },
]


def build_image(base: Path) -> Path:
    root = base / "root"
    for path, data in FILES.items():
        write(root, path, data, 0o755)
    squashfs = mksquashfs(root, base / "rootfs.squashfs")
    return with_kernel(squashfs, base / "camera.img", b"Linux version 4.4.60 (builder@host) #1 SMP\0" * 8)


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("sbom-image")
    built = build_image(base)
    (base / "feed.json").write_text(json.dumps(FEED))
    return built


@pytest.fixture(scope="module")
def scan(image):
    return scan_firmware(image, workdir=image.parent / "work", vuln_feed=image.parent / "feed.json")


@pytest.fixture(scope="module")
def sbom(scan) -> str:
    return build_sbom(scan)


@pytest.fixture(scope="module")
def doc(sbom) -> dict:
    return json.loads(sbom)


def _components(doc: dict) -> dict[tuple[str, str], dict]:
    return {(c["name"], c["evidence"]["occurrences"][0]["location"]): c for c in doc["components"]}


def _props(item: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in item.get("properties", []):
        found.setdefault(prop["name"], []).append(prop["value"])
    return found


def _vulns(doc: dict) -> dict[str, dict]:
    return {v["id"]: v for v in doc["vulnerabilities"]}


def test_the_sbom_is_valid_cyclonedx_of_the_newest_version_the_contract_names(sbom, doc):
    assert validation_error(sbom) is None
    assert (doc["bomFormat"], doc["specVersion"]) == ("CycloneDX", SPEC_VERSION)


def test_every_component_of_the_scan_is_in_the_sbom_with_its_identity_and_evidence(scan, doc):
    components = _components(doc)
    rows = scan.table("components").to_dict("records")
    assert {(r["name"], r["path"]) for r in rows} == set(components)
    for row in rows:
        component = components[(row["name"], row["path"])]
        assert component.get("version") == row["version"]
        assert component.get("cpe") == row["cpe"]
        assert _props(component)["workbench:path"] == [row["path"]]
        assert _props(component)["workbench:evidence"] == [row["evidence"]]
    busybox = components[("busybox", "/bin/busybox")]
    assert (busybox["version"], busybox["purl"], busybox["type"]) == ("1.30.1", "pkg:generic/busybox@1.30.1",
                                                                       "application")
    assert busybox["cpe"] == "cpe:2.3:a:busybox:busybox:1.30.1:*:*:*:*:*:*:*"
    assert components[("openssl", "/usr/lib/libssl.so.1.0.0")]["type"] == "library"
    kernel = next(c for c in doc["components"] if c["name"] == "linux_kernel")
    assert (kernel["type"], kernel["version"]) == ("operating-system", "4.4.60")


def test_each_component_carries_the_sha256_of_its_file_as_written_into_the_image(doc):
    components = _components(doc)
    for path, data in FILES.items():
        found = [c for (_name, where), c in components.items() if where == path]
        assert found, path
        for component in found:
            assert component["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(data).hexdigest()}]


def test_the_image_is_the_subject_with_its_sha256_and_depends_on_every_component(image, doc):
    subject = doc["metadata"]["component"]
    assert (subject["type"], subject["name"]) == ("firmware", "camera.img")
    assert subject["bom-ref"] == "firmware-image"
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    assert subject["hashes"] == [{"alg": "SHA-256", "content": digest}]
    [root] = [d for d in doc["dependencies"] if d["ref"] == "firmware-image"]
    assert sorted(root["dependsOn"]) == sorted(c["bom-ref"] for c in doc["components"])
    assert _props(doc["metadata"])["workbench:osv-feed"] == ["feed.json"]  # the name, not this machine's path


def test_each_osv_match_is_a_vulnerability_affecting_the_matched_components(doc):
    components, vulns = _components(doc), _vulns(doc)
    assert set(vulns) == {"CVE-2017-3735", "CVE-2016-7406", "OSV-2021-42373", HOSTILE_ID}
    openssl = vulns["CVE-2017-3735"]
    expected = sorted(components[("openssl", p)]["bom-ref"]
                      for p in ("/usr/lib/libcrypto.so.1.0.0", "/usr/lib/libssl.so.1.0.0"))
    assert [a["ref"] for a in openssl["affects"]] == expected
    assert openssl["affects"][0]["versions"] == [
        {"status": "affected", "version": "1.0.2k"}, {"status": "unaffected", "version": "1.0.2m"},
    ]
    assert openssl["source"] == {"name": "OSV", "url": "https://osv.dev/vulnerability/CVE-2017-3735"}
    assert {(r["id"], r["source"]["name"]) for r in openssl["references"]} == {
        ("CVE-2017-3735", "NVD"), ("GHSA-aaaa-bbbb-cccc", "GitHub Advisories"),
    }
    assert openssl["description"] == "OpenSSL X.509 IPAddressFamily one-byte overread"
    [rating] = openssl["ratings"]
    assert (rating["severity"], rating["score"], rating["method"]) == ("medium", 5.3, "CVSSv3")
    assert openssl["recommendation"] == (
        "Upgrade openssl to 1.0.2m or later (/usr/lib/libcrypto.so.1.0.0, /usr/lib/libssl.so.1.0.0)"
    )
    dropbear = vulns["CVE-2016-7406"]
    dropbear_ref = components[("dropbear", "/usr/sbin/dropbear")]["bom-ref"]
    assert [a["ref"] for a in dropbear["affects"]] == [dropbear_ref]
    assert [r["severity"] for r in dropbear["ratings"]] == ["critical"]


def test_aliases_become_references_and_a_match_without_severity_or_fix_says_nothing_of_them(doc):
    busybox = _vulns(doc)["OSV-2021-42373"]
    assert [(r["id"], r["source"]["name"]) for r in busybox["references"]] == [("CVE-2021-42373", "NVD")]
    assert busybox["description"] == "BusyBox man NULL pointer dereference"
    assert "ratings" not in busybox and "recommendation" not in busybox
    assert busybox["affects"][0]["versions"] == [{"status": "affected", "version": "1.30.1"}]


def test_a_match_is_in_triage_for_the_inspector_not_declared_exploitable(doc):
    for vuln in doc["vulnerabilities"]:
        assert vuln["analysis"]["state"] == "in_triage"


def test_hostile_names_versions_and_ids_stay_data_in_valid_json(sbom, doc):
    assert validation_error(sbom) is None
    [hostile] = [c for c in doc["components"] if c["name"] == HOSTILE_NAME]
    assert hostile["version"] == HOSTILE_VERSION
    # a `/` in the name cannot be written as a purl that names this package: the engine's text is kept
    assert "purl" not in hostile
    assert _props(hostile)["workbench:purl"] == [f"pkg:deb/{HOSTILE_NAME}@{HOSTILE_VERSION}"]
    vuln = _vulns(doc)[HOSTILE_ID]
    assert [a["ref"] for a in vuln["affects"]] == [hostile["bom-ref"]]
    assert vuln["description"] == HOSTILE_SUMMARY  # the bracket is not a list of identifiers: kept
    assert "references" not in vuln
    assert vuln["ratings"][0]["severity"] == "medium"  # MODERATE, as GitHub labels it
    [odd] = [c for c in doc["components"] if c["name"] == ODD_NAME]
    purl = PackageURL.from_string(odd["purl"])  # encoded: it parses back to the same package
    assert (purl.type, purl.namespace, purl.name, purl.version) == ("deb", None, ODD_NAME, ODD_VERSION)
    url = vuln["source"]["url"]
    assert url.startswith("https://osv.dev/vulnerability/") and not set(' "<>#') & set(url.split("//", 1)[1])
    assert all(ref.isascii() and ref.replace("-", "").isalnum() for ref in _refs(doc))


def _refs(doc: dict) -> list[str]:
    return [c["bom-ref"] for c in doc["components"]] + [v["bom-ref"] for v in doc["vulnerabilities"]]


def test_the_same_image_gives_the_same_bytes_even_scanned_again(image, scan, sbom):
    assert build_sbom(scan) == sbom
    again = scan_firmware(image, workdir=image.parent / "work-again", vuln_feed=image.parent / "feed.json")
    assert build_sbom(again) == sbom
    assert "timestamp" not in json.loads(sbom)["metadata"]  # no clock in it


def test_a_different_feed_gives_another_serial_number_and_the_timestamp_is_the_callers(image, scan, sbom):
    without_feed = scan_firmware(image, workdir=image.parent / "work")
    bare = json.loads(build_sbom(without_feed))
    assert "vulnerabilities" not in bare
    assert bare["serialNumber"] != json.loads(sbom)["serialNumber"]
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    stamped = json.loads(build_sbom(scan, timestamp=when, version="2.1", vendor="Acme"))
    assert stamped["metadata"]["timestamp"] == "2026-01-02T03:04:05+00:00"
    assert stamped["metadata"]["component"]["version"] == "2.1"
    assert stamped["metadata"]["component"]["supplier"] == {"name": "Acme"}


BREAKAGES = ["type", "hash", "unknown-field", "affects", "spec", "not-json", "nested"]


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_validator_rejects_a_broken_document(doc, breakage):
    from workbench.export.cyclonedx import validated

    broken = copy.deepcopy(doc)
    if breakage == "type":
        broken["components"][0]["type"] = "gadget"
    elif breakage == "hash":
        broken["metadata"]["component"]["hashes"][0]["content"] = "not-a-hash"
    elif breakage == "unknown-field":
        broken["components"][0]["colour"] = "red"
    elif breakage == "affects":
        del broken["vulnerabilities"][0]["affects"][0]["ref"]
    elif breakage == "spec":
        broken["bomFormat"] = "SPDX"
    raw = {"not-json": "{not json", "nested": "[" * 5000 + "]" * 5000}
    text = raw.get(breakage) or json.dumps(broken)
    assert validation_error(text) is not None
    with pytest.raises(BundleError, match="not a valid CycloneDX"):
        validated(text, "formats/sbom/x.cdx.json")
