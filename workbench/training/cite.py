"""What a trainee's evidence references point at, and which planted defects they find.

A reference is read with `workbench.checks.refs.ref_fields` (a finding's label `NAME · packet N`,
`NAME · /path · offset 0x1c`, or a mapping as recorded), plus the bare forms a trainee types:
`packet 57`, `#57`, `frame 57`, `/etc/shadow`, `declaration · FIELD`, `declaration: FIELD`, and the
kind words a key's place label uses (`capture · packet 57`, `firmware · /etc/shadow`). A bare packet
or path means the case's only capture or firmware image (with several, it is not counted). Each is
resolved to a `Spot` in the case; a spot finds a key's place when it is the same packet or a packet
of the same flow of the same capture, the same file of the same image (any offset, paths compared
normalised), or the same declaration field. The rationale's words are never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.checks.refs import ref_fields
from workbench.training.flows import FlowKey, flow_of_packets
from workbench.training.key import Defect, Place

PACKET_KINDS = ("capture", "probe")
BARE_PACKET = re.compile(r"(?:(?:packet|frame)\s*#?|#)\s*(\d{1,12})", re.IGNORECASE)
DECLARATION = re.compile(r"declaration\s*[·:]\s*(?P<field>[A-Za-z_][\w.]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Spot:
    """A place in one of the case's artefacts (`artefact` "declaration" for the declaration)."""

    kind: str  # capture | probe | firmware | declaration
    artefact: str
    packet: int | None = None
    path: str | None = None
    offset: int | None = None
    field: str | None = None


def normal_path(path: str) -> str:
    """An image path compared as the contract says: `//`, `/./` and a trailing `/` removed."""
    path = re.sub(r"/{2,}", "/", path.strip())
    while "/./" in path:
        path = path.replace("/./", "/")
    return path.rstrip("/") or "/"


def ref_text(ref: Any) -> str:
    """A reference as one printable line (a mapping as the label of its fields), at most 200
    characters: it is the trainee's text, shown on the instructor's terminal."""
    if isinstance(ref, str):
        text = ref
    else:
        fields = ref_fields(ref)
        parts = [str(fields.get("artefact") or "?")]
        parts += [f"packet {fields['packet']}"] if _number(fields.get("packet")) else []
        parts += [str(fields[k]) for k in ("path", "field", "note") if isinstance(fields.get(k), str)]
        text = " · ".join(parts)
    text = "".join(c if c.isprintable() else "?" for c in text.strip())
    return text if len(text) <= 200 else text[:199] + "…"


class CaseEvidence:
    """The case's artefacts, references resolved against them, and the flows of cited packets."""

    def __init__(self, case: Any) -> None:
        self.case = case
        self.artefacts = {a.name: a for a in case.artefacts() if place_kind(a) is not None}
        self.flows: dict[str, dict[int, FlowKey | None]] = {}

    def of_kind(self, kind: str) -> list[Any]:
        return [a for a in self.artefacts.values() if place_kind(a) == kind]

    def only(self, kind: str) -> Any | None:
        """The artefact a trainee's bare reference means: the case's one of that kind (a bare packet:
        its one capture, else its live probe's one); None when it has none or several."""
        found = self.of_kind(kind) or (self.of_kind("probe") if kind == "capture" else [])
        return found[0] if len(found) == 1 else None

    # --- resolving ------------------------------------------------------------------------
    def resolve(self, place: Place) -> Spot | None:
        """Where a key's place is in this case; None if its artefact is not there (or ambiguous)."""
        if place.kind == "declaration":
            return Spot("declaration", "declaration", field=place.field)
        artefact = self.artefacts.get(place.artefact) if place.artefact else self._only_exact(place.kind)
        if artefact is None or place_kind(artefact) != place.kind:
            return None
        path = normal_path(place.path) if place.path else None
        return Spot(place.kind, artefact.name, packet=place.packet, path=path, offset=place.offset)

    def read(self, ref: Any) -> Spot | None:
        """Where a trainee's reference points in this case; None when it names no place there."""
        if isinstance(ref, str):
            text = ref.strip()
            if match := BARE_PACKET.fullmatch(text):
                return self._spot(None, packet=int(match[1]))
            if match := DECLARATION.fullmatch(text):
                return Spot("declaration", "declaration", field=match["field"])
        fields = ref_fields(ref)
        if not fields or fields.get("attachment"):
            return None
        name = fields.get("artefact")
        if name is not None and not isinstance(name, str):
            return None
        name = name.strip() if name else None
        if name == "declaration":
            value = fields.get("field") or fields.get("note")
            return Spot("declaration", "declaration", field=value.strip()) if isinstance(value, str) else None
        path = fields.get("path")
        if name and name.startswith("/") and not isinstance(path, str):
            name, path = None, name  # a bare path, perhaps with an offset
        return self._spot(name, packet=fields.get("packet"), path=path, offset=fields.get("offset"))

    def _spot(self, name: str | None, packet: Any = None, path: Any = None,
              offset: Any = None) -> Spot | None:
        packet = packet if _number(packet) else None
        path = normal_path(path) if isinstance(path, str) and path.strip().startswith("/") else None
        if name in self.artefacts:
            artefact = self.artefacts[name]
        elif name in (None, "capture", "probe", "firmware"):
            artefact = self.only(name or ("capture" if packet is not None else "firmware"))
        else:
            return None
        if artefact is None:
            return None
        kind = place_kind(artefact)
        if kind in PACKET_KINDS and packet is not None:
            return Spot(kind, artefact.name, packet=packet)
        if kind == "firmware" and path is not None:
            return Spot(kind, artefact.name, path=path, offset=offset if _number(offset, 0) else None)
        return None

    def _only_exact(self, kind: str) -> Any | None:
        found = self.of_kind(kind)
        return found[0] if len(found) == 1 else None

    # --- comparing ------------------------------------------------------------------------
    def load_flows(self, spots: Iterable[Spot | None]) -> None:
        """Read each capture once for the flows of every packet among `spots` not read yet."""
        wanted: dict[str, set[int]] = {}
        for spot in spots:
            if spot is not None and spot.packet is not None:
                known = self.flows.get(spot.artefact, {})
                if spot.packet not in known:
                    wanted.setdefault(spot.artefact, set()).add(spot.packet)
        for name, numbers in wanted.items():
            found = flow_of_packets(self.artefacts[name].path, numbers)
            self.flows.setdefault(name, {}).update(found)

    def same(self, cited: Spot, place: Spot) -> bool:
        """Whether a cited spot finds a key's place: same packet or flow, same file, same field."""
        if cited.kind != place.kind or cited.artefact != place.artefact:
            return False
        if place.kind in PACKET_KINDS:
            if cited.packet is None or place.packet is None:
                return False
            if cited.packet == place.packet:
                return True
            flows = self.flows.get(place.artefact, {})
            flow = flows.get(place.packet)
            return flow is not None and flows.get(cited.packet) == flow
        if place.kind == "firmware":
            return cited.path is not None and cited.path == place.path
        return (cited.field or "").casefold() == (place.field or "").casefold()


def place_kind(artefact: Any) -> str | None:
    """The key's place kind of an artefact: capture, probe (the live probe's capture), firmware."""
    if artefact.kind == "capture":
        return "probe" if artefact.origin == "probe" else "capture"
    return "firmware" if artefact.kind == "firmware" else None


def finding_ref(ref: Any) -> dict[str, Any]:
    """A check finding's EvidenceRef as a recorded reference (a declaration's field is its note)."""
    fields = {"artefact": ref.artefact, "packet": ref.packet, "path": ref.path, "offset": ref.offset}
    if ref.artefact == "declaration":
        fields["field"] = ref.note
    return {k: v for k, v in fields.items() if v is not None}


def check_proposal(case: Any, requirement: Any) -> tuple[str, tuple[Any, ...]]:
    """The verdict the requirement's check proposes on the case and its findings ("ERROR" and none
    when the check fails: a broken check is the batch's ERROR, here it points at nothing)."""
    from workbench.checks.context import EvidenceContext
    from workbench.judgement.state import run_check

    try:
        result = run_check(EvidenceContext(case=case, requirement=requirement))
    except Exception:  # noqa: BLE001 - see the docstring
        return "ERROR", ()
    return str(result.verdict), result.findings


def check_findings(case: Any, requirement: Any) -> tuple[Any, ...]:
    """The findings the requirement's check proposes on the case (none when the check fails)."""
    return check_proposal(case, requirement)[1]


def cited_defects(evidence: CaseEvidence, defects: Sequence[Defect],
                  refs: Sequence[Any]) -> tuple[dict[str, str], int]:
    """{defect id: the first of `refs` that points at one of its places} (flows must be loaded), and
    how many cited places prove none of `defects`: stray places (free text that names no place is not
    counted: it cannot point anywhere)."""
    cited = [(ref, evidence.read(ref)) for ref in refs]
    places = {d.id: [p for p in (evidence.resolve(place) for place in d.evidence) if p is not None]
              for d in defects}
    found: dict[str, str] = {}
    stray = 0
    for ref, spot in cited:
        if spot is None:
            continue
        hits = [d.id for d in defects if any(evidence.same(spot, place) for place in places[d.id])]
        stray += not hits
        for defect_id in hits:
            found.setdefault(defect_id, ref_text(ref))
    return {d.id: found[d.id] for d in defects if d.id in found}, stray


def _number(value: Any, least: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
