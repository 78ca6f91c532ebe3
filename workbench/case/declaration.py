"""declaration.yaml: the manufacturer's declaration, with ETSI TS 103 701's ICS and IXIT.

Every field is optional (a declaration says what it says), but nothing unknown is accepted:
a misspelt key would otherwise silently leave a check without what the manufacturer declared.
The flat fields (open_ports, update, ...) are what the checks compare; `ics` says per EN 303 645
provision whether it applies and `ixit` holds the numbered implementation facts (workbench.case.ics).
`ixit_ref` points at the IXIT entry a statement comes from (any text when there is no `ixit` part);
`notes` carries free text. A flat declaration without `ics`/`ixit` stays valid.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from workbench.case.ics import IcsEntry, IxitEntry, check_ics_keys, check_unique_ids
from workbench.case.yamlio import describe_validation, load_yaml_bytes, read_limited
from workbench.errors import CaseError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_TLS_VERSIONS = {"1.0", "1.1", "1.2", "1.3"}


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ixit_ref: Name | None = None
    notes: Text | None = None


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class OpenPort(_Part):
    proto: Literal["tcp", "udp", "sctp"]
    port: int = Field(ge=1, le=65535)
    service: Name | None = None
    purpose: Text | None = None

    @field_validator("proto", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class UpdateMechanism(_Part):
    mechanism: Text | None = None  # e.g. "OTA from vendor cloud", "local web upload"
    automatic: bool | None = None
    signed: bool | None = None
    transport: Name | None = None  # e.g. "https", "mqtts"
    url: Text | None = None


class SupportPeriod(_Part):
    end: date | None = None  # last day security updates are promised
    published_at: Text | None = None  # where the period is published (URL or document)


class Disclosure(_Part):
    contact: Text | None = None  # e-mail address or web form
    policy_url: Text | None = None


class TlsPolicy(_Part):
    min_version: Literal["1.0", "1.1", "1.2", "1.3"] | None = None

    @field_validator("min_version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        """Accept 1.2, "1.2", "TLS 1.2", "TLSv1.2" -> "1.2"."""
        if value is None:
            return None
        text = str(value).strip().lower().removeprefix("tls").strip().removeprefix("v").strip()
        if text not in _TLS_VERSIONS:
            raise ValueError(f"unknown TLS version {value!r}; expected one of 1.0, 1.1, 1.2, 1.3")
        return text


class Erase(_Part):
    method: Text | None = None


class Logging(_Part):
    enabled: bool | None = None
    time_source: Name | None = None  # e.g. "ntp", "rtc"


def normalise_endpoint(value: str) -> str:
    """A host name, '*.example.com', an IP address or a network (CIDR), normalised to lower case."""
    text = str(value).strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if "/" in text:
        try:
            return str(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not a network: {value!r}") from None
    name = text[2:] if text.startswith("*.") else text
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"not a host name, '*.domain', address or network: {value!r}")
    return text


Endpoint = Annotated[str, BeforeValidator(normalise_endpoint)]


class Declaration(_Part):
    # who declares what
    manufacturer: Name | None = None
    model: Name | None = None
    firmware_version: Name | None = None
    declared_by: Name | None = None
    declared_on: date | None = None

    open_ports: list[OpenPort] = Field(default_factory=list)
    services: list[Name] = Field(default_factory=list)
    cloud_endpoints: list[Endpoint] = Field(default_factory=list)
    update: UpdateMechanism | None = None
    support_period: SupportPeriod | None = None
    disclosure: Disclosure | None = None
    tls: TlsPolicy | None = None
    default_passwords: Literal["unique-per-device", "user-set", "none"] | None = None
    debug_interfaces: list[Name] = Field(default_factory=list)
    discovery_protocols: list[Name] = Field(default_factory=list)
    personal_data: list[Text] = Field(default_factory=list)
    sensors: list[Name] = Field(default_factory=list)
    erase: Erase | None = None
    wireless: list[Name] = Field(default_factory=list)
    logging: Logging | None = None

    # the two parts of TS 103 701
    ics: dict[str, IcsEntry] = Field(default_factory=dict)
    ixit: list[IxitEntry] = Field(default_factory=list)

    @field_validator("model", "firmware_version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return _text(value)

    ics_keys_known = field_validator("ics", mode="before")(check_ics_keys)
    ixit_ids_unique = field_validator("ixit")(check_unique_ids)

    def declared_port(self, proto: str, port: int) -> OpenPort | None:
        proto = proto.lower()
        return next((p for p in self.open_ports if p.proto == proto and p.port == port), None)

    def ics_not_applicable(self, provisions: list[str] | tuple[str, ...]) -> dict[str, str]:
        """{provision: justification} for those of `provisions` the ICS declares not applicable."""
        entries = {p: self.ics.get(p) for p in provisions}
        return {p: e.justification for p, e in entries.items() if e and e.not_applicable and e.justification}

    def ixit_entry(self, entry_id: str) -> IxitEntry | None:
        return next((e for e in self.ixit if e.id == entry_id), None)

    def ixit_refs(self) -> list[tuple[str, str]]:
        """(field path, ixit_ref) of every flat statement that names an IXIT entry."""
        found = [("ixit_ref", self.ixit_ref)] if self.ixit_ref else []
        for name in type(self).model_fields:
            value = getattr(self, name)
            items = [(name, value)] if isinstance(value, _Part) else []
            if isinstance(value, list):
                items = [(f"{name}[{i}]", v) for i, v in enumerate(value) if isinstance(v, _Part)]
            found += [(f"{where}.ixit_ref", part.ixit_ref) for where, part in items if part.ixit_ref]
        return found


def parse_declaration(data: bytes, *, name: str) -> Declaration:
    """Validate a declaration's bytes; CaseError naming the file and the field on any problem."""
    content = load_yaml_bytes(data, name=name)
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise CaseError(f"a declaration is a mapping of fields, not a {type(content).__name__}", path=name)
    try:
        declaration = Declaration.model_validate(content)
    except ValidationError as exc:
        raise CaseError(describe_validation(exc), path=name) from None
    if declaration.ixit:  # with an IXIT part, every ixit_ref names one of its entries
        for where, ref in declaration.ixit_refs():
            if declaration.ixit_entry(ref) is None:
                raise CaseError(f"{where}: {ref!r} is not the id of an entry of ixit", path=name)
    return declaration


def load_declaration(path: Path, *, name: str | None = None) -> Declaration:
    label = name or str(path)
    return parse_declaration(read_limited(path, label=label, what="declaration file"), name=label)
