"""What policies are checked against: a read-only snapshot of domains, lakehouses, tables, columns and products.

The governance service builds these from the catalog; rules only ever see these objects, so the rule
language stays independent of how the catalog stores things.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from lakemesh.core.names import slugify

SubjectKind = Literal["domain", "lakehouse", "table", "column", "product"]
LAYERS = ("bronze", "silver", "gold")


class AttrType(Enum):
    """The type of an attribute, so a rule comparing it with the wrong kind of value fails when it is written."""

    TEXT = "text"
    NUMBER = "number"
    BOOL = "boolean"
    TIME = "time"
    DURATION = "duration"
    TEXT_LIST = "list of text"


_T, _N, _B, _TM, _D, _L = (
    AttrType.TEXT,
    AttrType.NUMBER,
    AttrType.BOOL,
    AttrType.TIME,
    AttrType.DURATION,
    AttrType.TEXT_LIST,
)


def _frozen(spec: dict[str, AttrType]) -> Mapping[str, AttrType]:
    return MappingProxyType(spec)


class _NamedSubject:
    """What domains, lakehouses, tables and products share: identity and description from kind + qualified name."""

    kind: ClassVar[SubjectKind]

    @property
    def qualified_name(self) -> str:
        raise NotImplementedError

    @cached_property
    def subject_id(self) -> str:
        return f"{self.kind}:{self.qualified_name}"

    def describe(self) -> str:
        return f"{self.kind} {self.qualified_name}"

    def attributes(self) -> Mapping[str, Any]:
        return _attributes(self)


@dataclass(frozen=True)
class DomainSubject(_NamedSubject):
    """A business domain (Sales, Marketing...)."""

    name: str
    display_name: str | None = None
    owner: str | None = None
    tags: tuple[str, ...] = ()

    kind: ClassVar[SubjectKind] = "domain"
    ATTRIBUTES: ClassVar[Mapping[str, AttrType]] = _frozen(
        {"name": _T, "display_name": _T, "owner": _T, "tags": _L, "domain": _T, "qualified_name": _T}
    )

    @property
    def domain(self) -> str:
        return self.name

    @cached_property
    def qualified_name(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class LakehouseSubject(_NamedSubject):
    """A lakehouse inside a domain, created from a template."""

    domain: str
    name: str
    retention_days: int | None = None
    auto_vacuum: bool | None = None
    template: str | None = None
    data_steward: str | None = None
    description: str | None = None

    kind: ClassVar[SubjectKind] = "lakehouse"
    ATTRIBUTES: ClassVar[Mapping[str, AttrType]] = _frozen(
        {
            "domain": _T,
            "name": _T,
            "qualified_name": _T,
            "retention_days": _N,
            "auto_vacuum": _B,
            "template": _T,
            "data_steward": _T,
            "description": _T,
        }
    )

    @cached_property
    def qualified_name(self) -> str:
        return f"{slugify(self.domain)}/{slugify(self.name)}"


@dataclass(frozen=True)
class ColumnSubject:
    """A column of a table; the table fields are filled in by the table it is given to."""

    name: str
    type: str = "string"
    description: str | None = None
    sensitivity_label: str | None = None
    nullable: bool = True
    tags: tuple[str, ...] = ()
    domain: str = ""
    lakehouse: str = ""
    table: str = ""
    layer: str | None = None
    classifications: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # glossary terms linked to the column

    kind: ClassVar[SubjectKind] = "column"
    ATTRIBUTES: ClassVar[Mapping[str, AttrType]] = _frozen(
        {
            "name": _T,
            "type": _T,
            "description": _T,
            "sensitivity_label": _T,
            "nullable": _B,
            "tags": _L,
            "domain": _T,
            "lakehouse": _T,
            "table": _T,
            "table_qualified_name": _T,
            "layer": _T,
            "classifications": _L,
            "terms": _L,
        }
    )

    @cached_property
    def table_qualified_name(self) -> str:
        return table_subject_name(self.domain, self.lakehouse, self.table)

    @cached_property
    def subject_id(self) -> str:
        return f"column:{self.table_qualified_name}/{self.name}"

    def describe(self) -> str:
        return f"column {self.name} of {self.table_qualified_name}"

    def attributes(self) -> Mapping[str, Any]:
        return _attributes(self)


def table_subject_name(domain: str, lakehouse: str, table: str) -> str:
    """How violations name a table (`table:<this>`) and its columns (`column:<this>/<column>`)."""
    return f"{slugify(domain)}/{slugify(lakehouse)}/{slugify(table)}"


def layer_of(table_name: str) -> str | None:
    """Medallion layer from the naming convention `gold_customer_360`, when the catalog does not say."""
    prefix = table_name.split("_", 1)[0].lower()
    return prefix if prefix in LAYERS else None


@dataclass(frozen=True)
class TableSubject(_NamedSubject):
    """A Delta table (or a shortcut to one) in a lakehouse."""

    domain: str
    lakehouse: str
    name: str
    layer: str | None = None
    retention_days: int | None = None
    last_refresh: datetime | None = None
    row_count: int | None = None
    size_bytes: int | None = None
    description: str | None = None
    partition_columns: tuple[str, ...] = ()
    columns: tuple[ColumnSubject, ...] = ()
    tags: tuple[str, ...] = ()
    is_shortcut: bool = False

    kind: ClassVar[SubjectKind] = "table"
    ATTRIBUTES: ClassVar[Mapping[str, AttrType]] = _frozen(
        {
            "domain": _T,
            "lakehouse": _T,
            "name": _T,
            "qualified_name": _T,
            "layer": _T,
            "retention_days": _N,
            "last_refresh": _TM,
            "row_count": _N,
            "size_bytes": _N,
            "description": _T,
            "partition_columns": _L,
            "column_names": _L,
            "column_count": _N,
            "tags": _L,
            "is_shortcut": _B,
        }
    )

    def __post_init__(self) -> None:
        layer = self.layer.lower() if self.layer else layer_of(self.name)
        object.__setattr__(self, "layer", layer)
        # Columns built already bound to this table (the catalog snapshot does that) are kept as they are.
        bound = tuple(
            c
            if (c.table, c.lakehouse, c.domain, c.layer) == (self.name, self.lakehouse, self.domain, layer)
            else replace(c, domain=self.domain, lakehouse=self.lakehouse, table=self.name, layer=layer)
            for c in self.columns
        )
        object.__setattr__(self, "columns", bound)

    @cached_property
    def qualified_name(self) -> str:
        return table_subject_name(self.domain, self.lakehouse, self.name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def column_count(self) -> int:
        return len(self.columns)


@dataclass(frozen=True)
class ProductSubject(_NamedSubject):
    """A data product with its contract, SLA and quality figures (percentages are 0-100)."""

    domain: str
    name: str
    status: str = "draft"
    owner: str | None = None
    data_steward: str | None = None
    classification: str | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None
    documentation_url: str | None = None
    quality_score: float | None = None
    sla_freshness: timedelta | None = None
    sla_availability: float | None = None
    sla_quality_score: float | None = None
    version: str | None = None
    lakehouse: str | None = None
    table: str | None = None
    last_refresh: datetime | None = None
    columns: tuple[ColumnSubject, ...] = ()

    kind: ClassVar[SubjectKind] = "product"
    ATTRIBUTES: ClassVar[Mapping[str, AttrType]] = _frozen(
        {
            "domain": _T,
            "name": _T,
            "qualified_name": _T,
            "status": _T,
            "owner": _T,
            "data_steward": _T,
            "classification": _T,
            "tags": _L,
            "description": _T,
            "documentation_url": _T,
            "quality_score": _N,
            "sla_freshness": _D,
            "sla_availability": _N,
            "sla_quality_score": _N,
            "version": _T,
            "lakehouse": _T,
            "table": _T,
            "last_refresh": _TM,
            "column_names": _L,
            "column_count": _N,
        }
    )

    @cached_property
    def qualified_name(self) -> str:
        return f"{slugify(self.domain)}/{slugify(self.name)}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def column_count(self) -> int:
        return len(self.columns)


Subject = DomainSubject | LakehouseSubject | TableSubject | ColumnSubject | ProductSubject

SUBJECT_TYPES: Mapping[SubjectKind, type[Subject]] = MappingProxyType(
    {
        "domain": DomainSubject,
        "lakehouse": LakehouseSubject,
        "table": TableSubject,
        "column": ColumnSubject,
        "product": ProductSubject,
    }
)


def attribute_types(kind: SubjectKind) -> Mapping[str, AttrType]:
    """Every attribute a rule may name for this kind of subject, with its type."""
    return SUBJECT_TYPES[kind].ATTRIBUTES


def _attributes(subject: object) -> Mapping[str, Any]:
    names: Mapping[str, AttrType] = getattr(subject, "ATTRIBUTES")  # noqa: B009 - every subject class declares it
    return MappingProxyType({name: getattr(subject, name) for name in names})


@dataclass(frozen=True)
class Subjects:
    """A catalog snapshot; tables without their own retention inherit their lakehouse's."""

    domains: tuple[DomainSubject, ...] = ()
    lakehouses: tuple[LakehouseSubject, ...] = ()
    tables: tuple[TableSubject, ...] = ()
    products: tuple[ProductSubject, ...] = ()
    _columns: tuple[ColumnSubject, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("domains", "lakehouses", "tables", "products"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        retention = {
            (slugify(lh.domain), slugify(lh.name)): lh.retention_days
            for lh in self.lakehouses
            if lh.retention_days is not None
        }
        tables = tuple(_inheriting(t, retention) if t.retention_days is None else t for t in self.tables)
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "_columns", tuple(c for t in tables for c in t.columns))

    def columns(self) -> Iterator[ColumnSubject]:
        """Every column of every table."""
        return iter(self._columns)

    def of_kind(self, kind: SubjectKind) -> tuple[Subject, ...]:
        """The subjects a rule about `kind` is checked against."""
        by_kind: dict[SubjectKind, tuple[Subject, ...]] = {
            "domain": self.domains,
            "lakehouse": self.lakehouses,
            "table": self.tables,
            "column": self._columns,
            "product": self.products,
        }
        return by_kind[kind]


def _inheriting(table: TableSubject, retention: Mapping[tuple[str, str], int | None]) -> TableSubject:
    """The table with its lakehouse's retention; the same object when there is none to inherit (no copy)."""
    inherited = retention.get((slugify(table.domain), slugify(table.lakehouse)))
    return table if inherited is None else replace(table, retention_days=inherited)
