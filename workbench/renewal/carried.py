"""A verdict of the new case carried over from the old one: still standing there, or superseded.

The carried record names its source (`carried_from.record`). While that record is the old case's latest
verdict on the requirement, the carry stands (`carried`); once the old case holds a later verdict, the
carried one rests on a judgement withdrawn there and must be judged again (or the renewal re-planned).
"""

from __future__ import annotations

from typing import Any

from workbench.i18n import tr
from workbench.judgement.staleness import superseded_by

CARRIED = "carried"


def source_record(recorded: Any) -> str | None:
    """The id of the record a verdict was carried from (None: not carried)."""
    source = getattr(recorded, "carried_from", None)
    record = source.get("record") if isinstance(source, dict) else None
    return record if isinstance(record, str) and record else None


def superseded_reason(old: Any, requirement_id: str, record: str) -> str:
    """Why a carry from `record` no longer stands in the old case ("" when it is still its latest)."""
    superseded, latest = superseded_by(old, requirement_id, record)
    if not superseded:
        return ""
    if latest is None:
        return tr("the verdict it was carried from (record {record}) is no longer in the old case: judge it"
                  " again, or renew again", record=record)
    when = latest.recorded_at.date().isoformat()
    return tr("the verdict it was carried from (record {record}) was superseded in the old case by {verdict}"
              " of {inspector} on {when}: judge it again, or renew again", record=record,
              verdict=latest.verdict, inspector=latest.inspector, when=when)


def carried_state(old: Any, new_recorded: Any) -> tuple[str, str] | None:
    """For the new case's latest verdict carried from one of the old case's records: (`carried`, who
    confirmed it) when that record still stands, (`redo`, why) when it was superseded; None otherwise
    (not carried, or carried from another case)."""
    record = source_record(new_recorded)
    if record is None:
        return None
    rid = new_recorded.requirement_id
    if record not in {r.id for r in old.verdicts.history(rid)}:
        return None
    why = superseded_reason(old, rid, record)
    if why:
        return "redo", why
    when = new_recorded.recorded_at.date().isoformat()
    return CARRIED, tr("confirmed by {inspector} on {when} (record {record})",
                       inspector=new_recorded.inspector, when=when, record=new_recorded.id)
