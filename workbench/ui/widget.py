"""The verdict widget: the inspector's verdict, written to the case's store, never only to the notebook.

ipywidgets loads only when the widget is built (interactive sessions); the batch renders the
recorded verdict as static HTML instead.
"""

from __future__ import annotations

from typing import Any

from workbench.checks.refs import attachment_label
from workbench.errors import WorkbenchError
from workbench.i18n import N_, _, tr
from workbench.judgement import INSPECTOR_VERDICTS
from workbench.ui.feedback import hidden, in_exercise, render_feedback
from workbench.ui.html import STYLE, esc, show
from workbench.ui.verdict import recorded_summary, recorded_text, render_recorded

EVIDENCE_HINT = N_("One reference a line: a finding's label, or an attachment's name")
EXERCISE_HINT = N_("One reference a line: packet N, a file's path in the image, declaration · FIELD")


def default_evidence_refs(session: Any) -> list[str]:
    """The findings' labels and the attachments; none in a trainee's case while the answers are hidden
    (the labels would say where the check looked)."""
    if hidden(session):
        return []
    refs = list(session.evidence_refs())
    refs += [attachment_label(a.name, a.sha256) for a in session.attachments()]
    return refs


class VerdictWidget:
    """Verdict, rationale, evidence references and inspector; Record appends to the verdict store."""

    def __init__(self, session: Any) -> None:
        import ipywidgets as w

        self.session = session
        recorded = session.recorded
        previous = recorded_summary(recorded) if recorded is not None else None
        wide = w.Layout(width="95%")
        self.verdict = w.Dropdown(
            options=list(INSPECTOR_VERDICTS),
            value=previous["verdict"] if previous and previous["verdict"] in INSPECTOR_VERDICTS else None,
            description=_("Verdict"),
        )
        self.rationale = w.Textarea(
            value=previous["rationale"] if previous else "",
            placeholder=_("What you examined, what you saw, and why it meets or fails the pass criteria"),
            description=_("Rationale"),
            layout=w.Layout(width="95%", height="7em"),
        )
        refs = previous["evidence_refs"] if previous else default_evidence_refs(session)
        self.evidence = w.Textarea(
            value="\n".join(refs),
            placeholder=_(EXERCISE_HINT) if in_exercise(session) else _(EVIDENCE_HINT),
            description=_("Evidence"),
            layout=w.Layout(width="95%", height="5em"),
        )
        inspectors = [str(i) for i in (session.case.info.inspectors or [])]
        self.inspector = w.Combobox(
            value=previous["inspector"] if previous else (inspectors[0] if inspectors else ""),
            options=inspectors,
            placeholder=_("Your name"),
            description=_("Inspector"),
            ensure_option=False,
        )
        self.button = w.Button(description=_("Record verdict"), button_style="primary", icon="check")
        self.status = w.HTML(value=render_recorded(session))
        self.message = w.HTML(value="")
        self.feedback = w.HTML(value="")  # exercise mode: the comparison, once recorded (when allowed)
        self.button.on_click(self._record)
        self.box = w.VBox(
            [
                self.status,
                self.verdict,
                self.rationale,
                self.evidence,
                self.inspector,
                self.button,
                self.message,
                self.feedback,
            ],
            layout=wide,
        )

    def _record(self, _button: Any = None) -> None:
        refs = [line.strip() for line in self.evidence.value.splitlines() if line.strip()]
        try:
            if self.verdict.value is None:
                raise WorkbenchError(_("choose a verdict"))
            record = self.session.record(self.verdict.value, self.rationale.value, self.inspector.value, refs)
        except (WorkbenchError, OSError) as exc:
            note = esc(tr("Not recorded: {error}", error=exc))
            self.message.value = f'{STYLE}<div class="wb"><p class="note">{note}</p></div>'
            return
        self.status.value = render_recorded(self.session)
        info = recorded_summary(record)
        done = esc(tr("Recorded in the case at {at}. Re-running this notebook shows it again; it is never "
                      "overwritten.", at=info["at"]))
        self.message.value = f'{STYLE}<div class="wb"><p class="muted">{done}</p></div>'
        if in_exercise(self.session) and not hidden(self.session):  # the rule, read again after recording
            self.feedback.value = render_feedback(self.session)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.box._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = recorded_text(self.session)
        bundle["text/html"] = render_recorded(self.session)
        return bundle


def verdict_panel(session: Any) -> VerdictWidget | None:
    """Interactive: the verdict widget. Batch: the recorded verdict as static HTML."""
    if not session.interactive:
        show(render_recorded(session), recorded_text(session))
        return None
    from IPython.display import display

    widget = VerdictWidget(session)
    display(widget)
    return widget
