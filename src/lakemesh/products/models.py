"""The data product document as data teams write it (the shape of shared/seed), validated strictly."""

from __future__ import annotations

import re
import textwrap
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from lakemesh.core.errors import InvalidInput
from lakemesh.core.names import validate_identifier, validate_name
from lakemesh.products.contract import ContractSpec, invalid_from_validation, parse_fraction

# semver.org's own pattern; versions are compared and bumped by compat.next_version.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
CLASSIFICATIONS = ("Public", "Internal", "Confidential", "Highly Confidential")


def _name(value: str) -> str:
    try:
        return validate_name(value)
    except InvalidInput as error:
        raise ValueError(error.errors[0].message) from None


def _identifier(value: str) -> str:
    try:
        return validate_identifier(value)
    except InvalidInput as error:
        raise ValueError(error.errors[0].message) from None


def _text(value: str) -> str:
    # Descriptions written as indented triple-quoted strings should read as they were meant.
    return textwrap.dedent(value).strip()


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _url(value: str) -> str:
    parsed = urlparse(value.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http(s) URL")
    return value.strip()


def _classification(value: str) -> str:
    known = {c.lower(): c for c in CLASSIFICATIONS}
    return known.get(value.strip().lower(), _non_empty(value))


def _tags(value: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in value:
        seen.setdefault(_non_empty(tag).lower(), tag.strip())
    return list(seen.values())


def _terms(value: list[str]) -> list[str]:
    """Each term once, in the owner's order; an empty term is refused rather than silently dropped."""
    return list(dict.fromkeys(_non_empty(term) for term in value))


def _semver(value: str) -> str:
    if not SEMVER.match(value.strip()):
        raise ValueError(f"{value!r} is not a semantic version like 1.2.0")
    return value.strip()


def _threshold(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a fraction (0.95), a percent number (95) or a percentage ('95%')")
    return parse_fraction(value, "threshold")


Name = Annotated[str, AfterValidator(_name)]
Identifier = Annotated[str, AfterValidator(_identifier)]
Text = Annotated[str, AfterValidator(_text)]
NonEmpty = Annotated[str, AfterValidator(_non_empty)]
Url = Annotated[str, AfterValidator(_url)]
Classification = Annotated[str, AfterValidator(_classification)]
Tags = Annotated[list[str], AfterValidator(_tags)]
SemVer = Annotated[str, AfterValidator(_semver)]
UsageTerms = Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=50), AfterValidator(_terms)]
Threshold = Annotated[float | None, BeforeValidator(_threshold)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StorageBinding(_Strict):
    """The Delta table the product is served from."""

    type: Literal["lakehouse_table"] = "lakehouse_table"
    lakehouse: Identifier
    table: Identifier


class QualityRuleSpec(_Strict):
    """A quality rule as an object; `threshold` is the share of rows that must pass, 0..1."""

    name: NonEmpty | None = None
    condition: NonEmpty
    threshold: Threshold = None
    severity: Literal["error", "warning", "info"] = "error"
    # `on_write`: a row rule also refuses (or, under `enforcement: warn`, reports) the rows that break it on write.
    enforce: Literal["on_write", "scheduled"] | None = None


class InputPort(_Strict):
    """Where the product reads from: another product (`domain/product`) or a table (`lakehouse.table`)."""

    product: str | None = None
    table: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> InputPort:
        if (self.product is None) == (self.table is None):
            raise ValueError("give exactly one of product ('<domain>/<product>') or table ('<lakehouse>.<table>')")
        if self.product is not None:
            parts = self.product.split("/")
            if len(parts) != 2:
                raise ValueError(f"product {self.product!r} must be written '<domain>/<product>'")
            self.product = "/".join(_name(p) for p in parts)
        if self.table is not None:
            parts = self.table.split(".")
            if len(parts) != 2:
                raise ValueError(f"table {self.table!r} must be written '<lakehouse>.<table>'")
            self.table = ".".join(_identifier(p.strip()) for p in parts)
        return self


class OutputPort(_Strict):
    """How consumers read the product."""

    type: Literal["table", "semantic_model", "delta_share"]
    name: Name


def _rule_form(value: Any) -> str:
    return "text" if isinstance(value, str) else "rule"


# Tagged so that a bad rule object reports its own field, not a failed match against `str` as well.
QualityRule = Annotated[
    Annotated[str, AfterValidator(_non_empty), Tag("text")] | Annotated[QualityRuleSpec, Tag("rule")],
    Discriminator(_rule_form),
]


class ProductSpec(_Strict):
    """The product document accepted by `POST /products`; unknown fields are refused."""

    name: Name
    domain: Name
    owner: NonEmpty
    description: Text = ""
    contract: ContractSpec
    storage: StorageBinding
    quality_rules: list[QualityRule] = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)
    classification: Classification | None = None
    documentation_url: Url | None = None
    data_steward: NonEmpty | None = None
    input_ports: list[InputPort] = Field(default_factory=list)
    output_ports: list[OutputPort] = Field(default_factory=list)
    enforcement: Literal["block", "warn"] = "block"
    # Every row rule of severity `error` is checked on write too, once the product is published.
    quality_rules_on_write: bool = False
    create_table: bool = False
    version: SemVer | None = None
    usage_terms: UsageTerms = Field(
        default_factory=list,
        description="What every consumer agrees to (e.g. `no re-sharing`, `delete extracts after 30 days`): shown "
        "on an access request and written into the usage agreement its approval makes.",
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields a domain's intake form asks for (e.g. business_purpose, retention), checked on publish.",
    )


class ProductPatch(_Strict):
    """A partial update: only the fields given change."""

    name: Name | None = None
    owner: NonEmpty | None = None
    description: Text | None = None
    contract: ContractSpec | None = None
    storage: StorageBinding | None = None
    quality_rules: list[QualityRule] | None = None
    tags: Tags | None = None
    classification: Classification | None = None
    documentation_url: Url | None = None
    data_steward: NonEmpty | None = None
    input_ports: list[InputPort] | None = None
    output_ports: list[OutputPort] | None = None
    enforcement: Literal["block", "warn"] | None = None
    quality_rules_on_write: bool | None = None
    version: SemVer | None = None
    usage_terms: UsageTerms | None = None
    properties: dict[str, Any] | None = None


def parse_product(data: Any) -> ProductSpec:
    """Validate a product document from Python or a request body; every problem becomes an ErrorItem."""
    try:
        return ProductSpec.model_validate(data)
    except ValidationError as error:
        raise invalid_from_validation(error, "The data product is not valid") from None
