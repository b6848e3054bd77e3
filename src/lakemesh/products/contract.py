"""The data contract: columns, SLA and access patterns, their Arrow schema and how a table must match them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import pyarrow as pa
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import ErrorItem, InvalidInput, LakemeshError
from lakemesh.core.names import validate_identifier

DEFAULT_PRECISION, DEFAULT_SCALE = 18, 2
MAX_DECIMAL_PRECISION = 38
MAX_PATTERN_LENGTH = 1000
_DECIMAL = re.compile(r"^(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")


class ColumnKind(StrEnum):
    STRING = "string"
    DECIMAL = "decimal"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"


_ALIASES = {
    "string": ColumnKind.STRING,
    "str": ColumnKind.STRING,
    "text": ColumnKind.STRING,
    "varchar": ColumnKind.STRING,
    "decimal": ColumnKind.DECIMAL,
    "numeric": ColumnKind.DECIMAL,
    "integer": ColumnKind.INTEGER,
    "int": ColumnKind.INTEGER,
    "long": ColumnKind.INTEGER,
    "bigint": ColumnKind.INTEGER,
    "float": ColumnKind.FLOAT,
    "double": ColumnKind.FLOAT,
    "number": ColumnKind.FLOAT,
    "boolean": ColumnKind.BOOLEAN,
    "bool": ColumnKind.BOOLEAN,
    "date": ColumnKind.DATE,
    "timestamp": ColumnKind.TIMESTAMP,
}
SUPPORTED_TYPES = (*_ALIASES, "decimal(p,s)", "numeric(p,s)")


@dataclass(frozen=True)
class ColumnType:
    """A parsed contract type; aliases (`bigint`, `double`...) collapse onto one kind."""

    kind: ColumnKind
    precision: int = 0
    scale: int = 0
    # A bare `decimal` (as the seed writes it) promises a decimal, not a precision: any stored decimal matches.
    any_scale: bool = False

    def __str__(self) -> str:
        """The type as the contract says it: a bare `decimal` stays `decimal` (it promises no precision)."""
        if self.kind is not ColumnKind.DECIMAL:
            return self.kind.value
        return "decimal" if self.any_scale else f"decimal({self.precision},{self.scale})"

    def to_arrow(self) -> pa.DataType:
        match self.kind:
            case ColumnKind.STRING:
                return pa.string()
            case ColumnKind.DECIMAL:
                return pa.decimal128(self.precision, self.scale)
            case ColumnKind.INTEGER:
                return pa.int64()
            case ColumnKind.FLOAT:
                return pa.float64()
            case ColumnKind.BOOLEAN:
                return pa.bool_()
            case ColumnKind.DATE:
                return pa.date32()
            case ColumnKind.TIMESTAMP:
                return pa.timestamp("us", tz="UTC")


def parse_column_type(text: str) -> ColumnType:
    """Parse `decimal(10,4)`, `bigint`, `timestamp`...; raises ValueError naming the supported types."""
    spelled = text.strip().lower()
    if spelled in _ALIASES:
        kind = _ALIASES[spelled]
        if kind is ColumnKind.DECIMAL:
            return ColumnType(kind, DEFAULT_PRECISION, DEFAULT_SCALE, any_scale=True)
        return ColumnType(kind)
    match = _DECIMAL.match(spelled)
    if match is None:
        raise ValueError(f"unknown type {text!r}; supported types are {', '.join(SUPPORTED_TYPES)}")
    precision, scale = int(match.group(1)), int(match.group(2) or 0)
    if not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
        raise ValueError(f"{text!r}: precision must be 1..38 and scale at most the precision")
    return ColumnType(ColumnKind.DECIMAL, precision, scale)


def parse_fraction(value: str | float, what: str) -> float:
    """`95%`, `95` and `0.95` all mean 0.95: numbers above 1 are percents. Raises ValueError."""
    text = str(value).strip()
    is_percent = text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip())
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a number or a percentage like 95%") from None
    if is_percent or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise ValueError(f"{what} {value!r} must be between 0% and 100%")
    return number


def _bound(value: Any) -> Decimal:
    # Kept as a Decimal so `minimum: 0.1` on a decimal(18,2) column compares exactly, never through a float.
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


def _plain_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# Stored and exported as plain JSON numbers; compared as Decimals.
Bound = Annotated[Decimal, BeforeValidator(_bound), PlainSerializer(_plain_number, return_type=int | float)]
NUMERIC_CONSTRAINTS = ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum")
TEXT_CONSTRAINTS = ("min_length", "max_length", "pattern")


def check_pattern(pattern: str) -> None:
    """Patterns run in Arrow's RE2 engine on every write; one that RE2 cannot compile is refused on save."""
    import pyarrow.compute as pc

    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"a pattern must be at most {MAX_PATTERN_LENGTH} characters")
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise ValueError(f"pattern {pattern!r} is not a regular expression this engine understands: {error}") from None


def _as_value_error(error: LakemeshError) -> ValueError:
    return ValueError(error.errors[0].message if error.errors else error.detail)


class ColumnSpec(BaseModel):
    """One column of the contract, as data teams write it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str
    description: str | None = Field(default=None, validation_alias=AliasChoices("description", "desc"))
    enum: list[str] | None = None
    required: bool = False
    unique: bool = False
    sensitivity_label: str | None = None
    format: str | None = None
    # ODCS property constraints, checked on every write like `enum`; camelCase spellings are accepted too.
    minimum: Bound | None = None
    maximum: Bound | None = None
    exclusive_minimum: Bound | None = Field(
        default=None, validation_alias=AliasChoices("exclusive_minimum", "exclusiveMinimum")
    )
    exclusive_maximum: Bound | None = Field(
        default=None, validation_alias=AliasChoices("exclusive_maximum", "exclusiveMaximum")
    )
    min_length: int | None = Field(default=None, ge=0, validation_alias=AliasChoices("min_length", "minLength"))
    max_length: int | None = Field(default=None, ge=0, validation_alias=AliasChoices("max_length", "maxLength"))
    pattern: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        parse_column_type(value)
        return value.strip().lower().replace(" ", "")

    @model_validator(mode="before")
    @classmethod
    def _enum_needs_strings(cls, data: Any) -> Any:
        # Checked before field validation so an integer enum on an integer column is reported as the real mistake.
        if isinstance(data, dict) and data.get("enum") is not None and isinstance(data.get("type"), str):
            try:
                kind = parse_column_type(data["type"]).kind
            except ValueError:
                return data
            if kind is not ColumnKind.STRING:
                raise ValueError(f"enum is only allowed on string columns, not on {data['type']!r}")
        return data

    @field_validator("enum")
    @classmethod
    def _enum_values(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("enum must list at least one value")
        if value is not None and len(set(value)) != len(value):
            raise ValueError("enum values must be distinct")
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            check_pattern(value)
        return value

    @model_validator(mode="after")
    def _constraints_fit_the_type(self) -> ColumnSpec:
        kind = parse_column_type(self.type).kind
        numeric = [name for name in NUMERIC_CONSTRAINTS if getattr(self, name) is not None]
        textual = [name for name in TEXT_CONSTRAINTS if getattr(self, name) is not None]
        if numeric and kind not in (ColumnKind.DECIMAL, ColumnKind.INTEGER, ColumnKind.FLOAT):
            raise ValueError(f"{', '.join(numeric)} only apply to number columns, not to {self.type!r}")
        if textual and kind is not ColumnKind.STRING:
            raise ValueError(f"{', '.join(textual)} only apply to string columns, not to {self.type!r}")
        low, high = self.minimum, self.maximum
        if low is not None and high is not None and low > high:
            raise ValueError(f"minimum {low} is greater than maximum {high}")
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError(f"minLength {self.min_length} is greater than maxLength {self.max_length}")
        return self

    @property
    def constraints(self) -> dict[str, Any]:
        """The property constraints that are set, by their native names."""
        names = (*NUMERIC_CONSTRAINTS, *TEXT_CONSTRAINTS)
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    @property
    def column_type(self) -> ColumnType:
        return parse_column_type(self.type)


class SlaSpec(BaseModel):
    """Promises to consumers; the text is kept as written, the parsed values are properties."""

    model_config = ConfigDict(extra="forbid")

    freshness: str | None = None
    availability: str | None = None
    quality_score: str | None = None

    @field_validator("freshness")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_duration(value, "freshness")
            except InvalidInput as error:
                raise _as_value_error(error) from None
        return value

    @field_validator("availability", "quality_score", mode="before")
    @classmethod
    def _percent(cls, value: Any, info: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError("must be a percentage like 99.9%")
        fraction = parse_fraction(value, info.field_name)
        return value.strip() if isinstance(value, str) else f"{fraction * 100:g}%"

    @property
    def freshness_delta(self) -> timedelta | None:
        return parse_duration(self.freshness, "freshness") if self.freshness else None

    @property
    def availability_fraction(self) -> float | None:
        return parse_fraction(self.availability, "availability") if self.availability else None

    @property
    def quality_score_fraction(self) -> float | None:
        return parse_fraction(self.quality_score, "quality_score") if self.quality_score else None


class ContractSpec(BaseModel):
    """Columns in the order written, SLA and access patterns."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    columns: dict[str, ColumnSpec] = Field(alias="schema", min_length=1)
    sla: SlaSpec = Field(default_factory=SlaSpec)
    access_patterns: list[str] = Field(default_factory=list)

    @field_validator("columns")
    @classmethod
    def _column_names(cls, value: dict[str, ColumnSpec]) -> dict[str, ColumnSpec]:
        seen: set[str] = set()
        for name in value:
            try:
                validate_identifier(name, "column")
            except InvalidInput as error:
                raise ValueError(f"column {name!r}: {_as_value_error(error)}") from None
            if name.lower() in seen:
                raise ValueError(f"column {name!r} is listed twice (names are case-insensitive)")
            seen.add(name.lower())
        return value


def parse_contract(data: Any) -> ContractSpec:
    """Validate a native contract dict; errors become one InvalidInput with a loc per problem."""
    try:
        return ContractSpec.model_validate(data)
    except ValidationError as error:
        raise invalid_from_validation(error, "The contract is not valid") from None


def invalid_from_validation(error: ValidationError, detail: str, prefix: tuple[str | int, ...] = ()) -> InvalidInput:
    """Turn pydantic's errors into the project's InvalidInput, keeping each field path."""
    items = [
        ErrorItem((*prefix, *e["loc"]), "unknown field" if e["type"] == "extra_forbidden" else e["msg"])
        for e in error.errors(include_url=False)
    ]
    return InvalidInput(
        f"{detail}: " + "; ".join(f"{'.'.join(map(str, i.loc))}: {i.message}" for i in items), errors=items
    )


def to_arrow_schema(contract: ContractSpec) -> pa.Schema:
    """The Arrow schema a table bound to the contract is created with; required columns are non-nullable."""
    fields = []
    for name, column in contract.columns.items():
        metadata = {"description": column.description} if column.description else None
        fields.append(pa.field(name, column.column_type.to_arrow(), nullable=not column.required, metadata=metadata))
    return pa.schema(fields)


def stores_as(expected: ColumnType, actual: pa.DataType) -> bool:
    """True when a table column of `actual` type gives readers what the contract promises, without a cast."""
    match expected.kind:
        case ColumnKind.STRING:
            return bool(
                pa.types.is_string(actual) or pa.types.is_large_string(actual) or pa.types.is_string_view(actual)
            )
        case ColumnKind.INTEGER:
            return bool(pa.types.is_signed_integer(actual) or actual in (pa.uint8(), pa.uint16(), pa.uint32()))
        case ColumnKind.FLOAT:
            return bool(pa.types.is_floating(actual))
        case ColumnKind.BOOLEAN:
            return bool(pa.types.is_boolean(actual))
        case ColumnKind.DATE:
            return bool(pa.types.is_date(actual))
        case ColumnKind.TIMESTAMP:
            return bool(pa.types.is_timestamp(actual))
        case ColumnKind.DECIMAL:
            return bool(pa.types.is_decimal(actual)) and decimal_fits(expected, actual.precision, actual.scale)


def decimal_fits(expected: ColumnType, precision: int, scale: int) -> bool:
    """A stored decimal matches with the same scale and the same or a wider precision (any, for bare `decimal`)."""
    return expected.any_scale or (scale == expected.scale and precision >= expected.precision)


def casts_to(expected: ColumnType, actual: pa.DataType) -> bool:
    """True when `conform` may cast `actual` data to the contract type; the cast itself refuses lost values."""
    if pa.types.is_dictionary(actual):
        return casts_to(expected, actual.value_type)
    if stores_as(expected, actual):
        return True
    if expected.kind is ColumnKind.DECIMAL:
        # A value too large for the decimal, or with more decimals than its scale, fails the cast in `conform`.
        return bool(pa.types.is_decimal(actual) or (pa.types.is_integer(actual) and actual != pa.uint64()))
    if expected.kind is ColumnKind.FLOAT:
        return bool(pa.types.is_integer(actual))
    return False


def check_table_schema(contract: ContractSpec, schema: pa.Schema) -> list[ErrorItem]:
    """Every contract column must exist (any case) with a compatible type; extra table columns are fine."""
    by_name = {field.name.lower(): field for field in schema}
    problems = []
    for name, column in contract.columns.items():
        field = by_name.get(name.lower())
        if field is None:
            problems.append(ErrorItem(("schema", name), f"column {name!r} of the contract is missing from the table"))
        elif not stores_as(column.column_type, field.type):
            message = f"column {name!r} is {field.type} in the table but the contract says {column.column_type}"
            problems.append(ErrorItem(("schema", name), message, {"expected": str(column.column_type)}))
    return problems
