"""Matching components against an offline OSV feed: a folder of .json files, one .json file
(a record or a list of records), or a .zip of .json files (as OSV publishes per ecosystem).

Only records naming one of the components are kept in memory. Versions are compared
naturally (numbers as numbers, `1.0.2` < `1.0.2a` < `1.0.2k`, `~` before anything);
SEMVER ranges order pre-releases before their release. GIT ranges cannot be evaluated
offline and are ignored.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import EvidenceError
from workbench.firmware.components import Component
from workbench.firmware.cvss import severity_of

ALIASES = {
    "libssl": "openssl",
    "libcrypto": "openssl",
    "openssl-util": "openssl",
    "dropbear-ssh": "dropbear",
    "linux": "linux_kernel",
    "kernel": "linux_kernel",
    "libcurl": "curl",
    "libc6": "glibc",
}


def canonical(name: str) -> str:
    name = name.strip().lower()
    return ALIASES.get(name, name)


def version_key(version: str, semver: bool = False) -> tuple:
    """A sort key: natural order of numeric and alphabetic runs."""
    version = version.strip().lstrip("vV")
    main, _, pre = version.partition("-") if semver else (version, "", "")
    parts: list[tuple[int, Any]] = []
    for token in re.findall(r"~|\d+|[A-Za-z]+", main):
        if token == "~":
            parts.append((-1, 0))
        elif token.isdigit():
            parts.append((1, int(token)))
        else:
            parts.append((0, token.lower()))
    key: list[Any] = [tuple(parts)]
    if semver:
        key.append((0,) if pre else (1,))
        key.append(tuple((1, int(t)) if t.isdigit() else (0, t) for t in pre.split(".") if t))
    return tuple(key)


def _in_range(version: str, range_: dict[str, Any]) -> tuple[bool, str | None]:
    semver = range_.get("type") == "SEMVER"
    if range_.get("type") == "GIT":
        return False, None
    events = range_.get("events") or []

    def key(v: str) -> tuple:
        return (0,) if v == "0" else (1, version_key(v, semver))

    ordered = sorted(events, key=lambda e: key(next(iter(e.values()))))
    target = (1, version_key(version, semver))
    affected, fixed_in = False, None
    for event in ordered:
        if "introduced" in event and target >= key(event["introduced"]):
            affected = True
        elif "fixed" in event:
            if target >= key(event["fixed"]):
                affected = False
            elif affected and fixed_in is None:
                fixed_in = event["fixed"]
        elif (
            "last_affected" in event
            and target > key(event["last_affected"])
            or "limit" in event
            and target >= key(event["limit"])
        ):
            affected = False
    return affected, fixed_in if affected else None


def affects(record: dict[str, Any], component: Component) -> tuple[bool, str | None]:
    for affected in record.get("affected") or []:
        package = affected.get("package") or {}
        names = {canonical(package.get("name", ""))}
        purl = package.get("purl") or ""
        if purl:
            names.add(canonical(purl.split("@")[0].rsplit("/", 1)[-1]))
        if canonical(component.name) not in names:
            continue
        if component.version in (affected.get("versions") or []):
            fixed = [
                e["fixed"] for r in affected.get("ranges") or [] for e in r.get("events", []) if "fixed" in e
            ]
            return True, fixed[0] if fixed else None
        for range_ in affected.get("ranges") or []:
            hit, fixed = _in_range(component.version or "", range_)
            if hit:
                return True, fixed
    return False, None


def _records_from(path: Path) -> Iterator[dict[str, Any]]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.suffix in (".json", ".zip") and child.is_file():
                yield from _records_from(child)
        return
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.filename.endswith(".json") and not info.is_dir() and info.file_size < (64 << 20):
                        yield from _decode(archive.read(info), f"{path}:{info.filename}")
        except zipfile.BadZipFile as exc:
            raise EvidenceError(f"not a valid OSV zip: {exc}", path=str(path)) from exc
        return
    try:
        yield from _decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise EvidenceError(f"vulnerability feed cannot be read: {exc}", path=str(path)) from exc


def _decode(raw: bytes, where: str) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise EvidenceError(f"vulnerability feed is not JSON: {exc}", path=where) from exc
    items = data if isinstance(data, list) else data.get("vulns", [data]) if isinstance(data, dict) else []
    for item in items:
        if isinstance(item, dict) and "id" in item:
            yield item


@dataclass
class Match:
    component: Component
    record: dict[str, Any]
    fixed_in: str | None

    def row(self) -> dict:
        summary = self.record.get("summary") or (self.record.get("details") or "").strip().split("\n")[0]
        aliases = self.record.get("aliases") or []
        if aliases:
            summary = f"{summary} [{', '.join(aliases)}]"
        return {
            "component": self.component.name,
            "version": self.component.version,
            "vuln_id": self.record["id"],
            "summary": summary[:500],
            "severity": severity_of(self.record),
            "fixed_in": self.fixed_in,
            "path": self.component.path,
        }


def match_feed(feeds: Iterable[Path], components: list[Component]) -> list[Match]:
    wanted = {canonical(c.name) for c in components if c.version}
    matches: list[Match] = []
    seen: set[tuple[str, str, str]] = set()
    for feed in feeds:
        for record in _records_from(Path(feed)):
            if record.get("withdrawn"):
                continue
            names = {
                canonical((a.get("package") or {}).get("name", "")) for a in record.get("affected") or []
            }
            if not names & wanted:
                continue
            for component in components:
                if not component.version or canonical(component.name) not in names:
                    continue
                hit, fixed = affects(record, component)
                key = (record["id"], component.name, component.path)
                if hit and key not in seen:
                    seen.add(key)
                    matches.append(Match(component, record, fixed))
    return matches
