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
    procedure_hint: ClassVar[str] = "the inspector follows the requirement's inspection method"

    def hint(self, params: Parameters) -> str:
        values = {name: params.get(name) for name in self.parameters if f"{{{name}}}" in self.procedure_hint}
        return self.procedure_hint.format(**values)

    def missing_required(self, params: Parameters, declaration: Any) -> list[tuple[str, str]]:
        if "required_declaration_fields" not in self.parameters:
            return []
        missing = []
        for path in params.strings("required_declaration_fields"):
            value: Any = declaration
            for part in path.split("."):
                value = getattr(value, part, None)
            if value in (None, "", []) or says_none(value):
                missing.append((path, f"the declaration gives no {path.replace('.', ' ').replace('_', ' ')}"))
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
        procedure = f"{self.hint(params)}; record what was examined as evidence"
        if declaration is None:
            reason = "the case has no declaration: nothing the manufacturer states can be compared"
            return self.result(
                ctx, Verdict.NEEDS_INSPECTOR, [reason, procedure, *params.notes], indicators=indicators
            )
        admitted = self.missing_required(params, declaration)
        named = {field for field, _ in admitted}
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
            reasons = [reason for _, reason in admitted] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, findings=findings, indicators=indicators)
        reasons = [
            f"the declaration states {self.describe(field, statements[field])}"
            for field in self.fields
            if field not in unstated
        ]
        reasons += [f"the declaration does not state {field.replace('_', ' ')}" for field in unstated]
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
        name = field.replace("_", " ")
        if isinstance(value, dict):
            parts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items() if k != "ixit_ref")
            return f"{name} ({parts})" if parts else f"{name} (no details)"
        if isinstance(value, list):
            return f"{name}: {', '.join(map(str, value))}" if value else f"{name}: none"
        return f"{name}: {value}"


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
