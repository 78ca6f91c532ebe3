"""Where SARIF says a finding is: run.artifacts (the artefacts, and the files inside firmware images
as nested artifacts) and each evidence reference as a SARIF location.

    firmware file   the file inside the image: a nested artifact (uri = its path in the image,
                    parentIndex = the image), region.byteOffset = the offset when known
    image offset    the image itself, region.byteOffset
    packet          the capture file, plus a logicalLocation of kind "packet" (SARIF has no packet;
                    §3.33.7 lets a tool name its own kind when none of the listed fits) and the
                    location's properties: packet number and the Wireshark filter that shows it
    other           the artefact itself

Top-level artefacts are relative to the base id BUNDLE, the root of the evidence bundle:
artefacts/<name> (archived with `run --with-artefacts`; otherwise the same path in the case
folder) and case/declaration.yaml for the declaration.
"""

from __future__ import annotations

from typing import Any

from workbench.export.items import BundleContent, EvidenceItem
from workbench.export.text import uri_path

BASE = "BUNDLE"
DECLARATION = "declaration"


class Artifacts:
    """run.artifacts, built as the results point into them."""

    def __init__(self, content: BundleContent) -> None:
        self.content = content
        self.entries: list[dict[str, Any]] = []
        self._index: dict[tuple[str, str | None], int] = {}

    def top(self, name: str, sha: str = "") -> int:
        key = (name, None)
        if key not in self._index:
            self._index[key] = len(self.entries)
            self.entries.append(self._top_entry(name, sha))
        elif sha and "hashes" not in self.entries[self._index[key]]:
            self.entries[self._index[key]]["hashes"] = {"sha-256": sha}
        return self._index[key]

    def nested(self, name: str, sha: str, path: str) -> int:
        parent = self.top(name, sha)
        inner = path if path.startswith("/") else f"/{path}"  # §3.24.2: a path from the image's root
        key = (name, inner)
        if key not in self._index:
            self._index[key] = len(self.entries)
            self.entries.append({"location": {"uri": uri_path(inner)}, "parentIndex": parent,
                                 "description": {"text": f"{inner} inside {name}"}})
        return self._index[key]

    def _top_entry(self, name: str, sha: str) -> dict[str, Any]:
        item = self.content.artefacts.get(name)
        if name == DECLARATION and item is None:
            uri, kind, archived = "case/declaration.yaml", "declaration", self.content.has_declaration
            sha, about = self.content.declaration_sha256 or sha, "the manufacturer's declaration"
        else:
            uri, kind, archived = f"artefacts/{uri_path(name)}", item.kind if item else "", bool(
                item and item.archived)
            sha, about = item.sha256 if item else sha, f"{kind or 'unknown'} artefact {name}"
        entry: dict[str, Any] = {
            "location": {"uri": uri, "uriBaseId": BASE},
            "roles": ["analysisTarget"],
            "description": {"text": about + ("" if archived else " (not archived in the bundle)")},
            "properties": {"artefactKind": kind or "unknown", "archivedInBundle": archived},
        }
        if item and item.size is not None and item.size >= 0:
            entry["length"] = item.size
        if sha:
            entry["hashes"] = {"sha-256": sha}
        return entry

    def location(self, ref: EvidenceItem) -> dict[str, Any]:
        """The SARIF location of one evidence reference."""
        if ref.path:
            index = self.nested(ref.artefact, ref.sha256, ref.path)
            artifact = {"uri": self.entries[index]["location"]["uri"], "index": index}
        else:
            index = self.top(ref.artefact, ref.sha256)
            artifact = {**self.entries[index]["location"], "index": index}
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if ref.offset is not None:
            physical["region"] = {"byteOffset": ref.offset}
        location: dict[str, Any] = {"physicalLocation": physical}
        if ref.packet is not None:
            location["logicalLocations"] = [{
                "name": f"packet {ref.packet}",
                "fullyQualifiedName": f"{ref.artefact}/packet/{ref.packet}",
                "kind": "packet",
            }]
            location["properties"] = {"packet": ref.packet,
                                      "wiresharkFilter": f"frame.number == {ref.packet}"}
        if ref.note:
            location["message"] = {"text": ref.note}
        return location
