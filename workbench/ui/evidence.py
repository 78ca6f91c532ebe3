"""Evidence status, engine tables and attachments for one requirement."""

from __future__ import annotations

import shlex
from typing import Any

import pandas as pd

from workbench.case.artefacts import kind_name
from workbench.i18n import N_, _, ntr, tr
from workbench.ui.html import (
    EVIDENCE_CLASS,
    block,
    bullet_list,
    code,
    element,
    esc,
    heading,
    key_value_table,
    para,
    show,
    text_of,
)
from workbench.ui.requirement import requirement_text
from workbench.ui.tables import certificates, frame_html, frame_text, headed, select, sensitive_files

KINDS = ("capture", "firmware", "probe", "declaration", "inspector")


def add_hint(kind: str, case_path: Any, requirement_id: str = "") -> str:
    """The command or step that adds evidence of `kind` to the case."""
    case = shlex.quote(str(case_path))
    if kind == "capture":
        return f"workbench case add {case} capture.pcap --kind capture"
    if kind == "firmware":
        return f"workbench case add {case} firmware.bin --kind firmware"
    if kind == "declaration":
        return f"workbench case declare {case} declaration.yaml"
    if kind == "vuln-feed":
        return f"workbench case add {case} osv-feed.json --kind vuln-feed"
    if kind == "probe":
        return tr("workbench probe {case} --dry-run  (then without --dry-run, at the bench)", case=case)
    target = f" --requirement {shlex.quote(requirement_id)}" if requirement_id else ""
    return f"workbench case add {case} FILE --kind attachment{target}"


def artefact_frame(artefacts: list[Any]) -> pd.DataFrame:
    columns = ["name", "kind", "sha256", "size", "added_at", "original_name", "requirement"]
    rows = [{c: getattr(a, c, None) for c in columns} for a in artefacts]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.dropna(axis=1, how="all") if rows else frame[columns[:5]]


KIND_COLUMNS = (N_("kind"), N_("role"), N_("present"), N_("detail"), N_("missing for this check"))


def _kind_rows(session: Any) -> list[dict[str, Any]]:
    check = session.check
    needs = {str(k) for k in getattr(check, "needs", ())}
    optional = {str(k) for k in getattr(check, "optional", ())}
    named = {str(getattr(k, "value", k)) for k in session.requirement.evidence}
    missing = {str(k) for k in session.result.missing_evidence}
    rows = []
    for kind in KINDS:
        if kind not in needs | optional | named:
            continue
        role = (_("needed") if kind in needs else _("optional") if kind in optional
                else _("named by the catalogue"))
        if kind == "declaration":
            digest = session.case.declaration_sha256()
            present = _("yes") if digest else _("no")
            detail = f"declaration.yaml sha256 {digest}" if digest else ""
        elif kind == "inspector":
            present, detail = _("you"), _("your own examination, recorded with the verdict below")
        else:
            found = [a for a in session.case.artefacts() if a.evidence_kind == kind]
            present = tr("yes ({count})", count=len(found)) if found else _("no")
            detail = ", ".join(a.name for a in found)
        rows.append(
            {
                "kind": kind_name(kind),
                "role": role,
                "present": present,
                "detail": detail,
                "missing for this check": _("yes") if kind in missing else "",
            }
        )
    return rows


def render_evidence(session: Any) -> str:
    case = session.case
    kinds = headed(pd.DataFrame(_kind_rows(session)), KIND_COLUMNS)
    artefacts = artefact_frame(case.artefacts())
    parts = [
        heading(_("Evidence this requirement uses"), 4),
        frame_html(kinds)
        if not kinds.empty
        else para(_("The catalogue names no evidence kinds for this requirement."), "muted"),
    ]
    missing = [str(k) for k in session.result.missing_evidence]
    if missing:
        rid = session.requirement.id
        hints = [f"{kind_name(kind)}: {add_hint(kind, case.path, rid)}" for kind in missing]
        lead = para(_("Missing evidence, and how to add it:"))
        parts += [element("div", lead + bullet_list(hints), "note")]
    parts.append(heading(_("Artefacts in the case (SHA-256 recorded when they were added)"), 4))
    parts.append(
        frame_html(artefacts, evidence=True)
        if not artefacts.empty
        else para(_("The case holds no artefacts yet."), "muted")
    )
    return block(*parts)


def show_evidence(session: Any) -> None:
    """Which artefacts are present (kind, SHA-256, size), and which the check needs but lacks."""
    text = frame_text(headed(pd.DataFrame(_kind_rows(session)), KIND_COLUMNS))
    show(render_evidence(session), text)


def evidence_table(
    session: Any,
    kind: str,
    name: str,
    columns: list[str] | None = None,
    where: dict[str, Any] | None = None,
    title: str = "",
    empty: str = "",
) -> pd.DataFrame:
    """Show one engine table (filtered, escaped) and return it for plots; never fails when empty. `title`
    and `empty` are shown in the current language (the texts of the pages are messages)."""
    heading_html = heading(_(title) if title else tr("{kind} table: {name}", kind=kind, name=name), 4)
    if not session.has(kind):
        _no_evidence(session, kind, heading_html)
        return pd.DataFrame(columns=list(columns or []))
    if kind == "probe":  # the newest probe run's table, typed; its `packets` number into the probe's capture
        frame, several = pd.DataFrame(list(session.ctx.probe_rows(name))), False
    else:
        frame = session.table(kind, name, _needed(kind, name, columns, where))
        several = sum(a.evidence_kind == kind for a in session.case.artefacts()) > 1
    wanted = (["artefact"] if several else []) + list(columns) if columns else None
    chosen = select(frame, wanted, where)
    _show_frame(
        chosen,
        heading_html,
        _(empty) if empty else tr("Nothing in the {kind} table '{name}' matches: no rows to show.",
                                  kind=kind, name=name),
    )
    return chosen


def _needed(kind: str, name: str, columns: list[str] | None, where: dict[str, Any] | None) -> list[str]:
    """The columns of an engine table a step shows or filters on (none named: all of them)."""
    if not columns:
        return []
    if kind == "capture":
        from workbench.capture.schema import TABLES
    else:
        from workbench.firmware.schema import TABLES
    declared = TABLES[name].names if name in TABLES else ()
    filtered = [key.removesuffix("~") for key in where or {}]
    return [c for c in dict.fromkeys([*columns, *filtered]) if c in declared]


def _no_evidence(session: Any, kind: str, heading_html: str) -> None:
    hint = add_hint(kind, session.case.path)
    message = tr("No {kind} in this case: no evidence of this kind.", kind=kind)
    if kind == "probe":
        message = _("The device has not been probed live (optional): the live tests' table is empty.")
    note = para(message) + para(_("Add one with: ")) + code(hint)
    show(block(heading_html, element("div", note, "note")), message)


def _show_frame(frame: pd.DataFrame, heading_html: str, empty: str) -> None:
    if frame.empty:
        show(block(heading_html, para(empty, "muted")), empty)
    else:
        count = para(ntr("{n} row(s).", "{n} row(s).", len(frame)), "muted")
        show(block(heading_html, count, frame_html(frame, evidence=True)), frame_text(frame))


def show_certificates(session: Any) -> pd.DataFrame:
    """One row per certificate seen in the captured TLS handshakes; returns the table."""
    heading_html = heading(_("Certificates in the TLS handshakes"), 4)
    if not session.has("capture"):
        _no_evidence(session, "capture", heading_html)
        return certificates(pd.DataFrame())
    frame = certificates(session.table("capture", "tls"))
    empty = _("No certificate seen (none sent, or TLS 1.3 where certificates are encrypted).")
    _show_frame(frame, heading_html, empty)
    return frame


def show_sensitive_files(session: Any) -> pd.DataFrame:
    """Password databases and key files in the image with their permissions; returns the table."""
    heading_html = heading(_("Password databases and key files, with permissions"), 4)
    if not session.has("firmware"):
        _no_evidence(session, "firmware", heading_html)
        return sensitive_files(pd.DataFrame(), pd.DataFrame())
    frame = sensitive_files(session.table("firmware", "files"), session.table("firmware", "keys"))
    _show_frame(frame, heading_html, _("No shadow file or key file found in the image."))
    return frame


def render_checklist(session: Any) -> str:
    r = session.requirement
    items = "".join(element("li", "☐ " + esc(step)) for step in requirement_text(r).inspection_method)
    hint = add_hint("inspector", session.case.path, r.id)
    return block(
        heading(_("What to examine"), 4),
        element("ul", items),
        heading(_("What to attach"), 4),
        para(
            _("Attach what you examined so the verdict can be audited: documents, photos or screenshots, "
              "and for a web page its URL with the date you read it (a PDF print or a screenshot).")
        ),
        para(_("Add each file to the case with:")) + code(hint),
    )


def show_checklist(session: Any) -> None:
    """The inspection method as a checklist, and how to attach what was examined."""
    steps = "\n".join(f"[ ] {s}" for s in requirement_text(session.requirement).inspection_method)
    show(render_checklist(session), steps)


def render_attachments(session: Any) -> str:
    frame = artefact_frame(session.attachments())
    body = (para(_("No attachments yet for this requirement."), "muted") if frame.empty
            else frame_html(frame, evidence=True))
    return block(heading(_("Attachments"), 4), body)


def show_attachments(session: Any) -> None:
    """The attachments added for this requirement, with their hashes."""
    show(render_attachments(session), frame_text(artefact_frame(session.attachments())))


def show_device(case: Any) -> None:
    """The device under inspection as case.yaml describes it."""
    info = case.info
    level = int(info.level)
    plain = [(_(label), text_of(getattr(info, f, None)) or "—") for f, label in DEVICE_FIELDS.items()]
    plain.insert(4, (_("target level"), "★" * level + "☆" * (3 - level)))
    text = "\n".join(f"{k}: {v}" for k, v in plain)
    show(block(key_value_table(((k, esc(v)) for k, v in plain), EVIDENCE_CLASS)), text)


DEVICE_FIELDS = {
    "device": N_("device"),
    "vendor": N_("vendor"),
    "model": N_("model"),
    "firmware_version": N_("firmware version"),
    "serial_number": N_("serial number"),
    "device_ips": N_("device ips"),
    "device_macs": N_("device macs"),
    "inspectors": N_("inspectors"),
    "catalog_edition": N_("catalog edition"),
}  # field -> its label
