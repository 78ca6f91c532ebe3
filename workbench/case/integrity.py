"""Is every artefact still what it was when it entered the case?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "changed", "missing"]


@dataclass(frozen=True)
class ArtefactIntegrity:
    name: str
    kind: str
    recorded_sha256: str
    actual_sha256: str | None  # None when the file is gone
    status: Status

    def to_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "kind": self.kind,
            "recorded_sha256": self.recorded_sha256,
            "actual_sha256": self.actual_sha256,
            "status": self.status,
        }


@dataclass
class IntegrityReport:
    items: list[ArtefactIntegrity] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)  # files in artefacts/ no record names
    leftovers: list[str] = field(default_factory=list)  # partial copies of interrupted adds

    @property
    def ok(self) -> bool:
        return all(i.status == "ok" for i in self.items) and not self.unrecorded

    def changed(self) -> list[ArtefactIntegrity]:
        return [i for i in self.items if i.status != "ok"]

    def actual_hashes(self) -> dict[str, str]:
        """name -> sha256 as the files are now (gone files are absent)."""
        return {i.name: i.actual_sha256 for i in self.items if i.actual_sha256}

    def problems(self) -> list[str]:
        lines = []
        for item in self.changed():
            if item.status == "missing":
                lines.append(f"{item.name}: missing (recorded sha256 {item.recorded_sha256})")
            else:
                lines.append(
                    f"{item.name}: changed since it entered the case "
                    f"(recorded {item.recorded_sha256}, now {item.actual_sha256})"
                )
        lines += [f"artefacts/{name}: file not recorded in artefacts.yaml" for name in self.unrecorded]
        lines += [
            f"artefacts/{name}: partial copy left by an interrupted add (safe to delete)"
            for name in self.leftovers
        ]
        return lines

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "artefacts": [i.to_dict() for i in self.items],
            "unrecorded": list(self.unrecorded),
            "leftovers": list(self.leftovers),
        }
