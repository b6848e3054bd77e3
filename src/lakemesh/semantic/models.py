"""The semantic model document (what authors PUT) and what the API returns about models and queries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.core.names import validate_name

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_TABLES = 100
MAX_COLUMNS = 500
MAX_MEASURES = 500
MAX_EXPRESSION = 4000


def _plain_name(value: str) -> str:
    try:
        return validate_name(value)
    except InvalidInput as exc:
        raise ValueError(exc.errors[0].message if exc.errors else exc.detail) from None


def _dax_name(value: str) -> str:
    """Table, column and measure names appear inside `'…'` and `[…]`, so those characters are refused."""
    name = _plain_name(value)
    if any(ch in name for ch in "[]'\""):
        raise ValueError("must not contain brackets or quotes")
    return name


DaxName = Annotated[str, AfterValidator(_dax_name)]
Name = Annotated[str, AfterValidator(_plain_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TableSource(_Strict):
    """Where a logical table's rows come from: a data product (`domain/product`) or a table.

    A table is `lakehouse.table` in the model's own domain or `domain.lakehouse.table`.
    """

    product: str | None = None
    table: str | None = None

    @model_validator(mode="after")
    def _one(self) -> TableSource:
        if (self.product is None) == (self.table is None):
            raise ValueError("give exactly one of product ('<domain>/<product>') or table ('<lakehouse>.<table>')")
        if self.product is not None:
            parts = [p.strip() for p in self.product.split("/")]
            if len(parts) != 2:
                raise ValueError(f"product {self.product!r} must be written '<domain>/<product>'")
            self.product = "/".join(_plain_name(p) for p in parts)
        if self.table is not None:
            parts = [p.strip() for p in self.table.split(".")]
            if len(parts) not in (2, 3):
                raise ValueError(f"table {self.table!r} must be written '<lakehouse>.<table>'")
            if len(parts) == 3:
                parts[0] = _plain_name(parts[0])
            if not all(_IDENTIFIER.match(p) for p in parts[-2:]):
                raise ValueError(f"table {self.table!r}: lakehouse and table names are letters, digits and '_'")
            self.table = ".".join(parts)
        return self


class ColumnSpec(_Strict):
    """A column as model users see it: `name` is its DAX name, `source` the column of the bound table."""

    name: DaxName
    source: str | None = None
    display_name: str | None = None
    description: str = ""
    format: str | None = Field(default=None, max_length=64, description="A display format such as `#,0.00`.")
    hidden: bool = False

    @property
    def column(self) -> str:
        return self.source or self.name


class LogicalTable(_Strict):
    name: DaxName
    source: TableSource
    description: str = ""
    columns: list[ColumnSpec] = Field(
        default_factory=list, description="Leave empty to expose every column of the source under its own name."
    )
    hidden: bool = False


class Relationship(_Strict):
    """Many-to-one: each row of `from` finds at most one row of `to` (written `Table[Column]`)."""

    from_: str = Field(alias="from")
    to: str
    cardinality: Literal["many_to_one"] = "many_to_one"


class MeasureSpec(_Strict):
    name: DaxName
    expression: str = Field(min_length=1, max_length=MAX_EXPRESSION)
    table: str | None = Field(default=None, description="The table the measure is shown under.")
    description: str = ""
    format: str | None = Field(default=None, max_length=64)
    hidden: bool = False


class SemanticModelSpec(_Strict):
    """The document `PUT /domains/{domain}/semantic-models/{model}` accepts (JSON or YAML)."""

    name: Name
    description: str = ""
    product: str | None = Field(
        default=None, description="The data product (in the model's domain) this model is an output port of."
    )
    tables: list[LogicalTable] = Field(min_length=1, max_length=MAX_TABLES)
    relationships: list[Relationship] = Field(default_factory=list, max_length=MAX_TABLES * 4)
    measures: list[MeasureSpec] = Field(default_factory=list, max_length=MAX_MEASURES)


def parse_model_document(data: Any) -> SemanticModelSpec:
    """Validate a model document from Python, YAML or a request body; every problem is one ErrorItem."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "The semantic model must be a mapping", errors=[ErrorItem((), "expected an object with name, tables...")]
        )
    try:
        return SemanticModelSpec.model_validate(data)
    except ValidationError as exc:
        items = [
            ErrorItem(
                tuple(e.get("loc", ())),
                "unknown field" if e.get("type") == "extra_forbidden" else str(e["msg"]).removeprefix("Value error, "),
            )
            for e in exc.errors(include_url=False)
        ]
        raise InvalidInput("The semantic model is not valid", errors=items) from None


class SemanticModel(BaseModel):
    """A model as stored: the document plus ids, version and dates."""

    id: str
    qualified_name: str = Field(description="`<domain>/<model>`.")
    name: str
    slug: str
    domain: str
    description: str
    product: str | None
    version: str
    document: dict[str, Any]
    tables: list[str]
    measures: list[str]
    sources: list[str] = Field(description="The products and tables the model reads.")
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    etag: str


class SemanticModelVersion(BaseModel):
    version: str
    created_at: datetime
    created_by: str | None
    breaking: bool
    changes: list[str]


class QueryFilter(_Strict):
    """One filter of the JSON query form: `{"column": "Customers[Segment]", "op": "in", "values": [...]}`."""

    column: str
    op: Literal["=", "<>", "!=", "<", "<=", ">", ">=", "in", "not in"] = "="
    value: str | int | float | bool | None = None
    values: list[str | int | float | bool] | None = None


class SemanticQuery(_Strict):
    """`POST .../query`: DAX text, or dimensions + measures + filters for people who do not write DAX."""

    dax: str | None = Field(default=None, max_length=100_000)
    dimensions: list[str] = Field(default_factory=list, max_length=50)
    measures: list[str] = Field(default_factory=list, max_length=50)
    filters: list[QueryFilter] = Field(default_factory=list, max_length=50)
    order_by: list[str] = Field(default_factory=list, max_length=10)
    descending: bool = False
    limit: int | None = Field(default=None, ge=0, le=1_000_000)
    format: Literal["json", "arrow", "csv", "parquet"] = "json"

    @model_validator(mode="after")
    def _one_form(self) -> SemanticQuery:
        structured = bool(self.dimensions or self.measures)
        if (self.dax is None) == (not structured):
            raise ValueError("give either dax, or dimensions and/or measures")
        return self


class SemanticColumn(BaseModel):
    name: str
    type: str


class SemanticResult(BaseModel):
    columns: list[SemanticColumn]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    sql: str = Field(description="The SQL the query compiled to (before table resolution).")
