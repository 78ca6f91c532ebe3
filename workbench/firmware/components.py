"""Software components and their versions, each with the evidence that shows the version:
a version string in a binary or library, a file name, or a package database entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import yaml

from workbench.firmware.anchors import AnchorSet
from workbench.firmware.inventory import FileRecord

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it: 10x faster

READ_LIMIT = 64 << 20


@dataclass(frozen=True)
class Signature:
    name: str
    anchor: bytes  # text every match contains: the one-pass prefilter
    pattern: re.Pattern[bytes]  # group 1: the version
    vendor: str  # CPE vendor
    product: str  # CPE product
    lead: int | None = None  # the most bytes a match holds before the anchor (None: not known)

    def search(self, data: bytes, first: int | None = None) -> re.Match[bytes] | None:
        """pattern.search(data), started where the first match can start at the earliest: `lead`
        bytes before the anchor's first occurrence (a pattern without a literal prefix, such as
        curl's, otherwise tries every byte of a library before it). first: where the anchor first
        occurs, when known (`data.find(anchor)`)."""
        if self.lead is None:
            return self.pattern.search(data)
        if first is None:
            first = data.find(self.anchor)
        return None if first < 0 else self.pattern.search(data, max(0, first - self.lead))


LITERAL_ANCHOR = re.compile(r"[A-Za-z0-9 _/=-]+")  # anchors written as they are in a pattern


def lead_of(pattern: str, anchor: str) -> int | None:
    """The most characters a match of `pattern` holds before `anchor`, when the pattern is
    `<prefix><anchor>...` with the anchor written literally and a prefix of bounded width that is
    a pattern of its own (no alternation, no flags that change case); else None."""
    at = pattern.find(anchor)
    after = pattern[at + len(anchor) : at + len(anchor) + 1]
    if at < 0 or not LITERAL_ANCHOR.fullmatch(anchor) or after in ("?", "*", "+", "{"):
        return None
    prefix = pattern[:at]
    if "|" in prefix or "(?" in prefix.replace("(?:", "").replace("(?<!", "").replace("(?<=", ""):
        return None
    try:
        if re.compile(pattern).flags & re.IGNORECASE:
            return None
        low, high = re._parser.parse(prefix).getwidth()
    except (re.error, AttributeError):
        return None
    return high if high < 1 << 16 else None


def _load_signatures() -> tuple[tuple[Signature, ...], tuple[tuple[str, re.Pattern[str], str, str], ...]]:
    """The version strings and file-name versions of data/component_signatures.yaml."""
    text = resources.files("workbench.firmware").joinpath("data/component_signatures.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=SAFE_LOADER)
    strings = tuple(
        Signature(
            s["name"],
            s["anchor"].encode("ascii"),
            re.compile(s["pattern"].encode("ascii")),
            *s["cpe"],
            lead_of(s["pattern"], s["anchor"]),
        )
        for s in data["version_strings"]
    )
    names = tuple((s["name"], re.compile(s["pattern"]), *s["cpe"]) for s in data["file_names"])
    return strings, names


SIGNATURES, FILE_NAME_VERSIONS = _load_signatures()
MODULES_DIR = re.compile(r"^/lib/modules/(\d+\.\d+\.\d+)[^/]*$")


@dataclass
class Component:
    name: str
    version: str | None
    path: str
    evidence: str
    vendor: str
    product: str
    package_type: str = "generic"

    @property
    def purl(self) -> str:
        version = f"@{self.version}" if self.version else ""
        if self.package_type == "deb":
            return f"pkg:deb/{self.name}{version}"
        if self.package_type == "opkg":
            return f"pkg:generic/openwrt/{self.name}{version}"
        return f"pkg:generic/{self.name}{version}"

    @property
    def cpe(self) -> str | None:
        if not self.version:
            return None
        version = re.sub(r"[^A-Za-z0-9._-]", "_", self.version)
        return f"cpe:2.3:a:{self.vendor}:{self.product}:{version}:*:*:*:*:*:*:*"

    def row(self) -> dict:
        from workbench.firmware.schema import TABLES  # not at import: the file workers go without pandas

        return {column: getattr(self, column) for column in TABLES["components"].names}


def _strings_evidence(data: bytes, match: re.Match[bytes]) -> str:
    start = max(0, match.start() - 0)
    end = min(len(data), match.end() + 40)
    text = data[start:end].split(b"\0", 1)[0].split(b"\n", 1)[0]
    return text.decode("ascii", "replace").strip()


VERSION_ANCHORS = AnchorSet(sig.anchor for sig in SIGNATURES)
VERSION_TYPES = ("elf", "data", "text", "config")


def versions_in(record: FileRecord, data: bytes) -> list[Component]:
    """Version strings in one file, `data` its first bytes (READ_LIMIT at most are searched)."""
    if record.kind != "file" or record.type not in VERSION_TYPES:
        return []
    data = data[:READ_LIMIT]
    found: list[Component] = []
    firsts = VERSION_ANCHORS.first(data)  # where each anchor first occurs, from one pass
    for sig in SIGNATURES:
        if sig.anchor not in firsts:
            continue
        match = sig.search(data, firsts[sig.anchor])
        if match:
            version = match.group(1).decode("ascii")
            found.append(
                Component(
                    sig.name,
                    version,
                    record.path,
                    f"string '{_strings_evidence(data, match)}' at offset {match.start()}",
                    sig.vendor,
                    sig.product,
                )
            )
    return found


def from_binaries(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        if record.kind == "file" and record.type in VERSION_TYPES:
            found.extend(versions_in(record, record.read(READ_LIMIT)))
    return found


def from_file_names(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        path = record.path
        name = path.rpartition("/")[2]  # posixpath.basename's answer, without its calls
        for comp, pattern, vendor, product in FILE_NAME_VERSIONS:
            match = pattern.match(name)
            if match and match.groups():
                found.append(Component(comp, match.group(1), path, f"file name {name}", vendor, product))
        # MODULES_DIR's literal start tested first: a regular expression only for those folders
        if record.kind == "directory" and path.startswith("/lib/modules/"):
            modules = MODULES_DIR.match(path)
            if modules:
                found.append(
                    Component(
                        "linux_kernel",
                        modules.group(1),
                        path,
                        f"kernel modules directory {path}",
                        "linux",
                        "linux_kernel",
                    )
                )
        if name.startswith("ld-musl-") and name.endswith(".so.1"):
            found.append(Component("musl", None, path, f"file name {name}", "musl-libc", "musl"))
        if name == "uhttpd" and record.type == "elf":
            found.append(Component("uhttpd", None, path, "binary uhttpd", "openwrt", "uhttpd"))
    return found


def _stanzas(text: str):
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if ":" in line and not line.startswith((" ", "\t")):
                key, value = line.split(":", 1)
                fields[key.strip()] = value.strip()
        if "Package" in fields:
            yield fields


PACKAGE_DATABASE_ENDINGS = ("/status", ".control")  # of every path from_package_databases reads


def from_package_databases(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        # one test of how the path ends before the others: most entries are no package database
        if record.kind != "file" or not record.path.endswith(PACKAGE_DATABASE_ENDINGS):
            continue
        if record.path.endswith(("/usr/lib/opkg/status", "/var/lib/opkg/status")) or (
            "/opkg/info/" in record.path and record.path.endswith(".control")
        ):
            kind, label = "opkg", "opkg status"
        elif record.path.endswith("/var/lib/dpkg/status"):
            kind, label = "deb", "dpkg status"
        else:
            continue
        for fields in _stanzas(record.text(READ_LIMIT)):
            if "Status" in fields and "installed" not in fields["Status"].split():
                continue
            name, version = fields["Package"], fields.get("Version")
            found.append(
                Component(
                    name,
                    version,
                    record.path,
                    f"{label}: Package {name}, Version {version}",
                    name,
                    name,
                    package_type=kind,
                )
            )
    return found


def find_components(files: list[FileRecord], versions: list[Component] | None = None) -> list[Component]:
    """versions: the version strings `versions_in` found in the files, when already searched."""
    found = from_binaries(files) if versions is None else versions
    components = from_package_databases(files) + found + from_file_names(files)
    unique: dict[tuple, Component] = {}
    for comp in components:
        unique.setdefault((comp.name, comp.version, comp.path), comp)
    versioned = {(c.name, c.path) for c in unique.values() if c.version}
    return [c for c in unique.values() if c.version or (c.name, c.path) not in versioned]
