"""What makes a comparison less than it seems, said as warnings (not errors): two different devices,
one case compared with itself, a firmware image of which nothing could be unpacked."""

from __future__ import annotations

from typing import Any

from workbench.errors import WorkbenchError
from workbench.i18n import tr

NOT_EXTRACTED = "not extracted"


def unextracted(diff: Any) -> list[str]:
    """The names of the images of a firmware diff of which nothing was unpacked."""
    return [str(side.get("name")) for side in diff.sides if not side.get("unpacked", True)]


def comparison_warnings(old: Any, new: Any, diffs: Any) -> list[str]:
    """Warnings about comparing `old` with `new` (`diffs`: their ImageDiffs, reused by the carry rule)."""
    found = []
    if old.path.resolve() == new.path.resolve():
        found.append(tr("{name}: the same case folder compared with itself", name=old.path.name))
    differ = [k for k in ("vendor", "model") if getattr(old.info, k) != getattr(new.info, k)]
    if differ:
        said = ", ".join(f"{k} {getattr(old.info, k)!r} → {getattr(new.info, k)!r}" for k in differ)
        found.append(tr("the two cases are of different devices ({differences}): compared all the same",
                        differences=said))
    found += image_warnings(old, new, diffs)
    return found


def image_warnings(old: Any, new: Any, diffs: Any) -> list[str]:
    """Each changed image (an old one and the new one replacing it) of which nothing was unpacked."""
    new_hashes = {a.sha256 for a in new.artefacts(kind="firmware")}
    found: list[str] = []
    for image in old.artefacts(kind="firmware"):
        counterpart = replacement(image, old, new) if image.sha256 not in new_hashes else None
        if counterpart is None:
            continue
        try:
            names = unextracted(diffs.between(image, counterpart))
        except WorkbenchError as exc:
            found.append(tr("{old} and {new} could not be compared: {error}", old=image.name,
                            new=counterpart.name, error=exc))
            continue
        found += [tr("{name}: nothing of the image could be unpacked; what rests on its files is 'not"
                     " extracted', not 'changed'", name=name) for name in names]
    return list(dict.fromkeys(found))


def replacement(old_image: Any, old_case: Any, new_case: Any) -> Any | None:
    """The new case's image that replaces `old_image`: the only image not in the old case, else the
    one of them with the same name."""
    old_hashes = {a.sha256 for a in old_case.artefacts(kind="firmware")}
    fresh = [a for a in new_case.artefacts(kind="firmware") if a.sha256 not in old_hashes]
    if len(fresh) == 1:
        return fresh[0]
    return next((a for a in fresh if a.name == old_image.name), None)
