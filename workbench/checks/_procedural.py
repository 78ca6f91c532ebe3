"""Shared base of the procedural (manual) checks: what the declaration says, laid out for the inspector.

A procedural requirement is judged by a person following the catalogue's inspection method. The
check reads the declaration fields the requirement depends on and proposes:

- FAIL when the declaration itself admits non-conformity (no disclosure contact, no support
  period, updates declared not automatic, ...), with the declaration as the evidence;
- NEEDS_INSPECTOR otherwise, with the declared values (and any observations from the other
  evidence) as indicators, and the fields the declaration leaves unstated named;
- INCONCLUSIVE when the declaration is needed and absent (handled by `Check.run`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from workbench.checks._firmware import declaration_ref
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.i18n import N_, _, tr

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext
    from workbench.checks.parameters import Parameters

_NEGATIVE = {
    "none",
    "no",
    "n/a",
    "na",
    "not supported",
    "unsupported",
    "not available",
    "not provided",
    "not possible",
    "false",
}


# Declaration fields as a reason names them (`support_period` -> "support period"), each a message: the
# English is the field's name in words, the translation the scheme's term.
FIELD_NAMES = {
    "open_ports": N_("open ports"),
    "services": N_("services"),
    "cloud_endpoints": N_("cloud endpoints"),
    "update": N_("update"),
    "update.mechanism": N_("update mechanism"),
    "update.automatic": N_("update automatic"),
    "update.signed": N_("update signed"),
    "update.transport": N_("update transport"),
    "update.url": N_("update url"),
    "support_period": N_("support period"),
    "support_period.end": N_("support period end"),
    "support_period.published_at": N_("support period published at"),
    "disclosure": N_("disclosure"),
    "disclosure.contact": N_("disclosure contact"),
    "disclosure.policy_url": N_("disclosure policy url"),
    "tls": N_("tls"),
    "tls.min_version": N_("tls min version"),
    "default_passwords": N_("default passwords"),
    "debug_interfaces": N_("debug interfaces"),
    "discovery_protocols": N_("discovery protocols"),
    "personal_data": N_("personal data"),
    "sensors": N_("sensors"),
    "erase": N_("erase"),
    "erase.method": N_("erase method"),
    "wireless": N_("wireless"),
    "logging": N_("logging"),
    "logging.enabled": N_("logging enabled"),
    "logging.time_source": N_("logging time source"),
    "notes": N_("notes"),
}
PART_NAMES = {  # a part of a declared value, as `describe` lists it
    "proto": N_("proto"),
    "port": N_("port"),
    "service": N_("service"),
    "purpose": N_("purpose"),
    "mechanism": N_("mechanism"),
    "automatic": N_("automatic"),
    "signed": N_("signed"),
    "transport": N_("transport"),
    "url": N_("url"),
    "end": N_("end"),
    "published_at": N_("published at"),
    "contact": N_("contact"),
    "policy_url": N_("policy url"),
    "min_version": N_("min version"),
    "method": N_("method"),
    "enabled": N_("enabled"),
    "time_source": N_("time source"),
    "notes": N_("notes"),
}


def field_name(path: str) -> str:
    """A declaration field (`support_period`, dotted `disclosure.contact`) in words, in the current
    language."""
    known = FIELD_NAMES.get(path)
    return _(known) if known else path.replace(".", " ").replace("_", " ")


def part_name(key: str) -> str:
    known = PART_NAMES.get(key)
    return _(known) if known else key.replace("_", " ")


def says_none(value: Any) -> bool:
    """True when a declared text explicitly says there is none ("none", "not supported", ...)."""
    return isinstance(value, str) and value.strip().lower().rstrip(".") in _NEGATIVE


def declared(declaration: Any, field: str) -> Any:
    """A declaration field as plain data (None when the field does not exist or is unset)."""
    if declaration is None:
        return None
    value = getattr(declaration, field, None)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [
            v.model_dump(mode="json", exclude_none=True) if hasattr(v, "model_dump") else v for v in value
        ]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def is_stated(declaration: Any, field: str) -> bool:
    """Whether the manufacturer wrote the field (a default empty list is not a statement)."""
    if declaration is None:
        return False
    fields_set = getattr(declaration, "model_fields_set", None)
    if fields_set is not None:
        return field in fields_set
    return getattr(declaration, field, None) not in (None, [], {})


class ProceduralCheck(Check):
    """Subclasses name `fields` (declaration fields read) and may override `nonconformities`
    (statements in the declaration that admit non-conformity) and `observations` (facts from
    other evidence worth setting beside the declaration). The catalogue parameters a subclass
    declares fill the `{name}` placeholders of its `procedure_hint`; a declared
    `required_declaration_fields` names dotted declaration fields whose absence is an admitted
    non-conformity."""

    fields: ClassVar[tuple[str, ...]] = ()
    needs = frozenset({EvidenceKind.DECLARATION})
    procedure_hint: ClassVar[str] = N_("the inspector follows the requirement's inspection method")

    def hint(self, params: Parameters) -> str:
        """The procedure hint in the current language (`procedure_hint` is a message: mark it with N_)."""
        values = {name: params.get(name) for name in self.parameters if f"{{{name}}}" in self.procedure_hint}
        return tr(self.procedure_hint, **values)

    def missing_required(self, params: Parameters, declaration: Any) -> list[tuple[str, str]]:
        if "required_declaration_fields" not in self.parameters:
            return []
        missing = []
        for path in params.strings("required_declaration_fields"):
            value: Any = declaration
            for part in path.split("."):
                value = getattr(value, part, None)
            if value in (None, "", []) or says_none(value):
                missing.append((path, tr("the declaration gives no {field}", field=field_name(path))))
        return missing

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        declaration = ctx.declaration
        statements = {field: declared(declaration, field) for field in self.fields}
        unstated = [field for field in self.fields if not is_stated(declaration, field)]
        observed = self.observations(ctx, params)
        indicators: dict[str, Any] = {"declared": statements, "observed": observed}
        if unstated:
            indicators["not_declared"] = unstated
        procedure = tr("{hint}; record what was examined as evidence", hint=self.hint(params))
        if declaration is None:
            reason = _("the case has no declaration: nothing the manufacturer states can be compared")
            return self.result(
                ctx, Verdict.NEEDS_INSPECTOR, [reason, procedure, *params.notes], indicators=indicators
            )
        admitted = self.missing_required(params, declaration)
        named = {field for field, _reason in admitted}
        admitted += [(f, r) for f, r in self.nonconformities(declaration) if f not in named]
        if admitted:
            findings = [
                Finding(
                    summary=reason,
                    severity=Severity.HIGH,
                    evidence=(declaration_ref(ctx, field),),
                    data={"field": field, "declared": statements.get(field.split(".")[0])},
                )
                for field, reason in admitted
            ]
            reasons = [reason for _field, reason in admitted] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, findings=findings, indicators=indicators)
        reasons = [
            tr("the declaration states {statement}", statement=self.describe(field, statements[field]))
            for field in self.fields
            if field not in unstated
        ]
        reasons += [
            tr("the declaration does not state {field}", field=field_name(field)) for field in unstated
        ]
        reasons += self.observation_reasons(observed)
        reasons.append(procedure)
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)

    # --- hooks --------------------------------------------------------------------------
    def nonconformities(self, declaration: Any) -> list[tuple[str, str]]:
        """(field, reason) for each statement that admits non-conformity."""
        return []

    def observations(self, ctx: EvidenceContext, params: Parameters) -> dict[str, Any]:
        return {}

    def observation_reasons(self, observed: dict[str, Any]) -> list[str]:
        return []

    @staticmethod
    def describe(field: str, value: Any) -> str:
        """A declared field and its value, in words (`update (mechanism: OTA, signed: True)`)."""
        name = field_name(field)
        if isinstance(value, dict):
            parts = ", ".join(f"{part_name(k)}: {v}" for k, v in value.items() if k != "ixit_ref")
            if parts:
                return tr("{field} ({parts})", field=name, parts=parts)
            return tr("{field} (no details)", field=name)
        if isinstance(value, list):
            if value:
                return tr("{field}: {values}", field=name, values=", ".join(map(str, value)))
            return tr("{field}: none", field=name)
        return tr("{field}: {values}", field=name, values=value)


class HandsOnCheck(ProceduralCheck):
    """A requirement the inspector judges on the device in hand: the declaration, when there is
    one, is compared, never required."""

    needs = frozenset({EvidenceKind.INSPECTOR})
    optional = frozenset({EvidenceKind.DECLARATION})


class FirmwareGuidedCheck(HandsOnCheck):
    """A hands-on requirement where the case's firmware image, when there is one, shows the
    inspector where to look: `firmware_observations` reads it; without an image nothing is observed."""

    optional = HandsOnCheck.optional | {EvidenceKind.FIRMWARE}

    def observations(self, ctx: EvidenceContext, params: Parameters) -> dict[str, Any]:
        return self.firmware_observations(ctx, params) if ctx.has(EvidenceKind.FIRMWARE) else {}

    def firmware_observations(self, ctx: EvidenceContext, params: Parameters) -> dict[str, Any]:
        raise NotImplementedError
