"""The live-tests notebook's parts: the plan, the inspector's go-ahead, the progress, the results.

Nothing is sent until the inspector ticks the confirmation and presses Run; the batch (papermill,
`interactive = False`) never probes: it shows the plan and the newest probe's results only.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd

from workbench.enginetext import warning_text
from workbench.i18n import N_, _, set_language, tr
from workbench.ui.html import block, element, heading, para, show
from workbench.ui.tables import frame_html, frame_text, headed

PLAN_COLUMNS = (N_("test"), N_("tool"), N_("rate"), N_("budget"), N_("what"))
STATUS_COLUMNS = (N_("test"), N_("status"), N_("tool"), N_("detail"))

# The probe's tables in reading order, with the columns an inspector reads first.
RESULT_VIEWS: dict[str, tuple[str, list[str]]] = {
    "ports": (
        N_("Open ports (nmap)"),
        ["transport", "port", "state", "service", "product", "version", "tunnel", "banner", "packets"],
    ),
    "tls": (
        N_("TLS versions the device accepts (sslyze)"),
        ["port", "version", "accepted", "cipher_suites", "error", "packets"],
    ),
    "tls_servers": (
        N_("TLS certificate and known weaknesses"),
        [
            "port",
            "subject",
            "key_type",
            "key_bits",
            "not_after",
            "self_signed",
            "expired",
            "heartbleed",
            "robot",
            "insecure_renegotiation",
            "compression",
            "error",
        ],
    ),
    "access": (
        N_("Services without credentials"),
        ["port", "protocol", "request", "outcome", "status", "detail", "packets"],
    ),
    "http": (N_("Web pages"), ["port", "scheme", "status", "server", "title", "missing_headers", "packets"]),
    "logins": (
        N_("Default credentials tried"),
        ["port", "protocol", "user", "password", "source", "accepted", "status", "packets"],
    ),
    "bruteforce": (
        N_("Wrong attempts and their timing"),
        ["port", "protocol", "user", "attempt", "outcome", "status", "started", "finished", "packets"],
    ),
    "robustness": (
        N_("Malformed inputs"),
        ["port", "protocol", "input", "answer", "status", "alive_after", "packets"],
    ),
    # through the manufacturer's test access (test-access.yaml)
    "password_change": (
        N_("The device password changed the documented way"),
        ["step", "protocol", "port", "user", "accepted", "status", "detail", "packets"],
    ),
    "updates": (
        N_("Update images installed through the local update path"),
        ["image", "sha256", "changed_offset", "exit_status", "accepted", "version_before", "version_after"],
    ),
    "listeners": (
        N_("Listening sockets on the unit and who runs them"),
        ["transport", "port", "address", "process", "pid", "uid", "user", "source"],
    ),
    "file_modes": (
        N_("Sensitive files on the unit"),
        ["path", "exists", "type", "mode", "owner", "group", "target", "error"],
    ),
    "device_clock": (N_("The unit's clock"), ["device_time", "probe_time", "offset_s"]),
    "log_files": (
        N_("The unit's logs read, and how far back they reach"),
        ["file", "exists", "lines_read", "whole_file", "earliest", "latest", "untimed_lines", "error"],
    ),
    "device_log": (N_("The unit's log during the probe"), ["file", "line", "event", "text", "in_window"]),
    "session": (
        N_("Commands run on the unit"),
        ["purpose", "command", "exit_status", "output_bytes", "error"],
    ),
}


def plan_frame(plan: Any) -> pd.DataFrame:
    rows = [
        {
            "test": t.name,
            "tool": t.tool,
            "rate": f"{t.rate_per_s:g}/s",
            "budget": f"{t.budget_s:g} s",
            "what": t.describe(plan.profile),
        }
        for t in plan.tests
    ]
    return pd.DataFrame(rows, columns=["test", "tool", "rate", "budget", "what"])


def show_plan(plan: Any) -> None:
    frame = headed(plan_frame(plan), PLAN_COLUMNS)
    seconds = f"{plan.expected_seconds():.0f}"
    lead = tr(
        "Target {target} ({profile} profile); every packet is captured on {interface}. At most {seconds} s: "
        "each test stops at its budget.",
        target=plan.target,
        profile=plan.profile,
        interface=plan.interface,
        seconds=seconds,
    )
    access = plan.access_line()
    notes = [para(tr("Note: {note}", note=warning_text(n)), "muted") for n in plan.notes]  # stored English
    show(
        block(heading(_("The plan"), 3), para(lead), para(access), frame_html(frame), *notes),
        "\n".join([lead, access, frame_text(frame)]),
    )


def show_results(case: Any) -> dict[str, pd.DataFrame]:
    """The newest probe run of the case: each test's status, then its tables; returns the tables."""
    from workbench.probe.results import ProbeResults, newest

    runs = [a for a in case.artefacts() if a.kind == "probe"]
    if not runs:
        from workbench.probe.schema import TABLES

        message = _("The device has not been probed yet: nothing to show.")
        show(block(heading(_("Results"), 3), element("div", para(message), "note")), message)
        return {name: TABLES[name].empty() for name in RESULT_VIEWS}
    artefact, results = newest([(a, ProbeResults.load(a.path)) for a in runs])  # the checks' choice too
    status = pd.DataFrame(
        [
            {"test": t.name, "status": str(t.status), "tool": t.label(), "detail": t.detail}
            for t in results.tests
        ],
        columns=["test", "status", "tool", "detail"],
    )
    status = headed(status, STATUS_COLUMNS)
    lead = tr(
        "Probe of {target} ({profile}) from {started} to {finished}: results {results}, capture {capture} "
        "({packets} packets). The packet numbers below are that capture's (open it in Wireshark).",
        target=results.target,
        profile=results.profile,
        started=results.started,
        finished=results.finished,
        results=artefact.name,
        capture=results.capture_file,
        packets=results.capture_packets,
    )
    warnings = [para(tr("Warning: {warning}", warning=w), "muted") for w in results.warnings[:20]]
    show(
        block(heading(_("Results"), 3), para(lead), frame_html(status, evidence=True), *warnings),
        lead + "\n" + frame_text(status),
    )
    tables: dict[str, pd.DataFrame] = {}
    for name, (title, columns) in RESULT_VIEWS.items():
        frame = results.frame(name)
        tables[name] = frame
        chosen = frame[columns] if not frame.empty else frame
        none = _("No rows.")
        body = frame_html(chosen, evidence=True) if not frame.empty else para(none, "muted")
        show(
            block(heading(_(title), 4), body),
            f"{_(title)}\n{frame_text(chosen) if not frame.empty else none}",
        )
    return tables


class ProbePanel:
    """The go-ahead and the run: a confirmation to tick, a Run button, a progress bar, the outcome."""

    def __init__(self, case_dir: str, target: str | None, profile: str, catalog: str | None) -> None:
        import ipywidgets as w

        from workbench.case import Case
        from workbench.probing import plan_for

        self.case = Case.open(case_dir)
        self.plan = plan_for(self.case, target or None, profile, catalog or None)
        self.confirm = w.Checkbox(
            value=False,
            description=tr(
                "The device at {target} is on an isolated bench network and I may test it",
                target=self.plan.target,
            ),
            layout=w.Layout(width="95%"),
            indent=False,
        )
        self.run_button = w.Button(description=_("Run the probe"), button_style="danger", disabled=True)
        self.progress = w.IntProgress(value=0, min=0, max=len(self.plan.tests), description=_("Tests"))
        self.output = w.Output()
        self.confirm.observe(lambda change: setattr(self.run_button, "disabled", not change["new"]), "value")
        self.run_button.on_click(lambda _button: self.run())
        self.outcome: Any = None
        self.box = w.VBox([self.confirm, self.run_button, self.progress, self.output])

    def run(self) -> None:
        from workbench.errors import WorkbenchError
        from workbench.probing import outcome_text, probe_case

        self.run_button.disabled = True
        self.confirm.disabled = True

        def progress(name: str, event: str) -> None:
            if event == "start":
                self.progress.description = name[:12]
            else:
                self.progress.value += 1

        with self.output:
            try:
                self.outcome = probe_case(self.case, self.plan, progress=progress)
            except WorkbenchError as exc:
                print(tr("The probe stopped: {error}", error=exc))
                return
            print(outcome_text(self.outcome))
            print(_("Re-run the next cell to see the tables."))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)


def probe_panel(
    case_dir: str,
    target: str | None = None,
    profile: str = "quick",
    catalog: str | None = None,
    interactive: bool = True,
    language: str | None = "",
) -> ProbePanel | None:
    """The plan, then (interactively) the panel that runs it; the batch gets the plan only. A target the
    guard refuses is said in one line (nothing is sent), and the results below still show. `language`:
    the texts' language, made the kernel's (en or ja; empty: the case's)."""
    from workbench.case import Case
    from workbench.probe.guard import TargetRefused
    from workbench.probe.vendor_access import AccessError
    from workbench.probing import plan_for

    if language:
        set_language(language)
    else:
        use_case_language(case_dir)
    try:
        if not interactive:
            show_plan(plan_for(Case.open(case_dir), target or None, profile, catalog or None))
            note = _("Run by the batch: the probe is never started here; the newest probe's results follow.")
            show(para(note, "muted"), note)
            return None
        panel = ProbePanel(case_dir, target, profile, catalog)
    except TargetRefused as refused:
        message = tr(
            "No probe planned: {reason}. Set `target` in the parameters cell and run again.", reason=refused
        )
        show(element("div", para(message), "note"), message)
        return None
    except AccessError as unreadable:
        message = tr("No probe planned: the test access does not load: {error}", error=unreadable)
        show(element("div", para(message), "note"), message)
        return None
    show_plan(panel.plan)
    return panel


def use_case_language(case_dir: str) -> None:
    """The case's language, made the kernel's (a case that does not open: left as it is)."""
    from workbench.errors import WorkbenchError

    with contextlib.suppress(WorkbenchError, OSError):
        set_language(getattr(open_case(case_dir).info, "language", None) or "en")


def open_case(case_dir: str) -> Any:
    from workbench.case import Case

    return Case.open(case_dir)
