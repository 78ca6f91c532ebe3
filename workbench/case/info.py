"""case.yaml: what device is inspected, to which level, by whom, against which catalogue edition."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workbench.case.netaddr import normalise_ip, normalise_mac, unique
from workbench.errors import WorkbenchError
from workbench.i18n import DEFAULT_LANGUAGE, check_language

# 2: catalog_source, catalog_sha256; 3: product_name, product_url; 4: exercise; 5: language (all optional:
# a case of an older format loads, its language English)
CASE_SCHEMA_VERSION = 5

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
IpAddress = Annotated[str, AfterValidator(normalise_ip)]
MacAddress = Annotated[str, AfterValidator(normalise_mac)]
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
Source = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096, pattern=ONE_LINE)
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048, pattern=r"^https?://[^\s\x00-\x1f\x7f\"<>\\^`{|}]+$")
]
Sha256 = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")]


class ExerciseInfo(BaseModel):
    """A trainee's case (`workbench exercise start`): the notebooks hide the check's proposal until the
    trainee has recorded a verdict, and show it then only when the instructor allows feedback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Text  # the exercise (the answer key's `exercise`); the key itself never enters the case
    title: Text
    trainee: Text
    feedback: bool = True


def newest_edition() -> str:
    """The newest bundled catalogue edition (a CatalogError naming the folder when none is installed)."""
    from workbench.catalog.loader import newest_edition as bundled_newest

    return bundled_newest()


class CaseInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    device: Text = Field(description="kind of device, e.g. 'IP camera'")
    vendor: Text
    model: Text
    firmware_version: Text
    level: int = Field(ge=1, le=3, description="target level: 1 = ★, 2 = ★★, 3 = ★★★")
    inspectors: list[Text] = Field(default_factory=list)
    catalog_edition: Text = Field(default_factory=newest_edition)
    # where the catalogue came from (bundled edition name or a lab's path) and its content hash:
    # workbench.case.catalogref; None in cases written before they were recorded
    catalog_source: Source | None = None
    catalog_sha256: Sha256 | None = None
    device_ips: list[IpAddress] = Field(default_factory=list)
    device_macs: list[MacAddress] = Field(default_factory=list)
    serial_number: Text | None = None
    product_name: Text | None = None  # the name it is sold under (the scheme's registry); default: the model
    product_url: Url | None = None  # the product's public page (the scheme's registry)
    exercise: ExerciseInfo | None = None  # set in a trainee's case only
    # the inspector's language: notebooks, bundle pages and summaries (workbench.i18n; `run --lang` overrides)
    language: str = DEFAULT_LANGUAGE
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    schema_version: int = CASE_SCHEMA_VERSION

    @field_validator("firmware_version", "serial_number", "model", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: object) -> object:
        # YAML reads `firmware_version: 2.1` as a float; a version is text
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("device_ips", "device_macs", "inspectors")
    @classmethod
    def _once_each(cls, values: list[str]) -> list[str]:
        return unique(values)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        if value is None:
            return DEFAULT_LANGUAGE
        if not isinstance(value, str):
            raise ValueError("must be a language code (en or ja)")
        try:
            return check_language(value)
        except WorkbenchError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value > CASE_SCHEMA_VERSION:
            raise ValueError(
                f"case format {value} is newer than this workbench understands ({CASE_SCHEMA_VERSION});"
                " upgrade the workbench"
            )
        return value

    def to_yaml_dict(self) -> dict[str, object]:
        data = self.model_dump(mode="json")
        if data.get("exercise") is None:
            data.pop("exercise", None)  # an inspector's case.yaml stays as it was
        return data
