"""INPUT-01: input is validated on every interface (assisted).

The capture lists the interfaces the device exposes (its open ports and the protocols seen on
them, web interfaces first); the inspector tests each with the catalogue's input classes.
When the live probe sent its malformed inputs, it decides: a service that stops serving after one,
or an answer that reflects the input unescaped, fails; every input rejected or answered with every
service still serving passes.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    declared_port_labels,
    device_of,
    device_services,
)
from workbench.checks._probe import clip, not_done, port_label, probe_refs, test_state
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr


class InputValidation(Check):
    requirement_id = "INPUT-01"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("test_classes", "web_protocols")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        why_not = ""
        if ctx.has(EvidenceKind.PROBE):
            rows = list(ctx.probe_rows("robustness"))
            if rows:
                return self._live(ctx, rows)
            why_not = not_done(test_state(ctx, "robustness"), "robustness") or _(
                "the probe sent no malformed input"
            )
        params = self.params(ctx)
        classes = params.strings("test_classes")
        web_protocols = set(params.lowered("web_protocols"))
        interfaces: dict[str, dict[str, Any]] = {}
        if ctx.has(EvidenceKind.CAPTURE):
            for label, entry in device_services(ctx, device_of(ctx)).items():
                interfaces[label] = {k: entry[k] for k in ("protocols", "clients", "sessions")}
        web = sorted(k for k, e in interfaces.items() if set(e["protocols"]) & web_protocols)
        if interfaces and web:
            lead = tr(
                "The device exposes {n} network interface(s), web: {web}.",
                n=len(interfaces),
                web=", ".join(web),
            )
        elif interfaces:
            lead = tr("The device exposes {n} network interface(s).", n=len(interfaces))
        elif ctx.has(EvidenceKind.CAPTURE):
            lead = _(
                "The capture shows no service on the device; a capture of a port scan and of the app"
                " in use lists them."
            )
        else:
            lead = _("No capture in the case: take the interfaces from the declaration and the device.")
        reasons = [
            *([tr("The live test did not decide: {why}.", why=why_not)] if why_not else []),
            lead,
            tr(
                "Test every parameter of each interface for: {classes}; record the device's behaviour.",
                classes=", ".join(classes),
            ),
            *params.notes,
        ]
        indicators = {
            "observed_ports": interfaces,
            "web_interfaces": web,
            "declared_ports": declared_port_labels(ctx.declaration, services=True),
            "test_classes": classes,
        }
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)

    def _live(self, ctx: EvidenceContext, rows: list[dict[str, Any]]) -> CheckResult:
        """The probe's malformed inputs: a service down after one, or an input reflected, fails."""
        test = test_state(ctx, "robustness")
        services = sorted({f"{clip(r['protocol'], 20)} {port_label(r)}" for r in rows})
        findings, unknown = [], []
        down: set[str] = set()  # a service already down: the inputs after the one that stopped it say nothing
        for row in rows:
            where = f"{clip(row['protocol'], 20)} {port_label(row)}"
            if where in down:
                continue
            answer, name = clip(row["answer"], 20).lower(), clip(row["input"], 60)
            if row["alive_after"] is False:
                summary = tr("{service} stopped serving after the input {input} (live test).", service=where,
                             input=repr(name))  # fmt: skip
                down.add(where)
            elif answer == "reflected":
                summary = tr("{service} reflected unescaped the input {input} (live test).", service=where,
                             input=repr(name))  # fmt: skip
            else:
                summary = ""
            if summary:
                data = {"service": where, "input": name, "answer": answer, "status": clip(row["status"], 80)}
                findings.append(Finding(summary, Severity.HIGH, probe_refs([row], test), data))
            elif row["alive_after"] is None or not answer:
                unknown.append(tr("{input} on {service}", input=name, service=where))
        indicators = {"live": {"inputs": len(rows), "services": services, "undetermined": unknown}}
        if findings:
            reasons = [
                tr("decided by the live test: {findings}", findings="; ".join(f.summary for f in findings))
            ]
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators, (EvidenceKind.PROBE,))
        gap = not_done(test, "robustness")
        if unknown or gap:
            left = (
                [tr("the outcome of {inputs} is unknown", inputs=", ".join(unknown[:10]))] if unknown else []
            ) + ([gap] if gap else [])
            reasons = [
                tr("The live test did not decide: {why}.", why="; ".join(left)),
                _("Test the inputs by hand."),
            ]
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)
        lead = tr(
            "decided by the live test: {n} malformed input(s) on {count} service(s) ({services}) were each"
            " rejected or answered, and every service still served.",
            n=len(rows),
            count=len(services),
            services=", ".join(services),
        )
        return self.result(ctx, Verdict.PASS, [lead], indicators=indicators, decided_by=(EvidenceKind.PROBE,))


CHECK = InputValidation
