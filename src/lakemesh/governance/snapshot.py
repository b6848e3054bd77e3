"""Builds the rule language's Subjects from the catalog, one `Subjects` per domain.

Evaluation reads the whole catalog at once with plain selects (no per-object authorization or ORM objects):
ten thousand tables load in a fraction of a second. Results are grouped by domain so a finding always knows
which domain it belongs to, and DOMAIN policies only ever see their own domain.

The table rows' JSON (columns, properties) is read as text and parsed with orjson, and the hundred thousand
column subjects are built without their dataclass `__init__`: those two were most of a cold council dry-run.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import orjson
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import InvalidInput
from lakemesh.domains.service import domain_facts
from lakemesh.governance.subjects import (
    ColumnSubject,
    DomainSubject,
    LakehouseSubject,
    ProductSubject,
    Subjects,
    TableSubject,
    layer_of,
)
from lakemesh.lakehouses.store import lakehouse_facts, table_facts
from lakemesh.products.reads import product_facts

Reader = Session | Connection
# the catalog tables a snapshot is read from (and the glossary's): a transaction changing their rows makes it stale
SNAPSHOT_TABLES = frozenset(
    table.name
    for query in (domain_facts(None), lakehouse_facts(None), table_facts(None), product_facts(None))
    for table in query.columns_clause_froms
    if isinstance(table, Table)
)
# table id -> column name -> names of the glossary terms linked to it (from the glossary, a capability above)
ColumnTerms = Mapping[str, Mapping[str, tuple[str, ...]]]


@dataclass(frozen=True)
class DomainRef:
    id: str
    slug: str
    name: str


@dataclass
class Snapshot:
    """The catalog as subjects, per domain id."""

    domains: dict[str, DomainRef] = field(default_factory=dict)
    by_domain: dict[str, Subjects] = field(default_factory=dict)

    @property
    def subject_count(self) -> int:
        return sum(
            len(s.domains) + len(s.lakehouses) + len(s.tables) + len(s.products) + len(s.of_kind("column"))
            for s in self.by_domain.values()
        )


def load_snapshot(
    reader: Reader, domain_ids: Collection[str] | None = None, *, column_terms: ColumnTerms | None = None
) -> Snapshot:
    """Every domain (or only `domain_ids`) with its lakehouses, tables, columns and products; `column_terms`
    gives columns their linked glossary terms."""
    # Each owner's stable-ordered query of what a subject needs (PostgreSQL returns rows in the order they were
    # last written otherwise, and a domain loaded again must list its subjects as a whole load does).
    wanted = None if domain_ids is None else list(domain_ids)
    domains_q = domain_facts(wanted)
    lakehouses_q = lakehouse_facts(wanted)
    tables_q = table_facts(wanted)
    products_q = product_facts(wanted)
    with _collector_paused():
        return _load(reader, domains_q, lakehouses_q, tables_q, products_q, column_terms or {})


def _load(
    reader: Reader, domains_q: Any, lakehouses_q: Any, tables_q: Any, products_q: Any, column_terms: ColumnTerms
) -> Snapshot:
    snapshot = Snapshot()
    domain_subjects: dict[str, DomainSubject] = {}
    for d in reader.execute(domains_q):
        snapshot.domains[d.id] = DomainRef(d.id, d.slug, d.name)
        domain_subjects[d.id] = DomainSubject(d.name, d.display_name, d.owner_email, tuple(d.tags or ()))
    lakehouse_names: dict[str, tuple[str, int | None]] = {}
    lakehouses: dict[str, list[LakehouseSubject]] = defaultdict(list)
    for lh in reader.execute(lakehouses_q):
        if lh.domain_id not in snapshot.domains:
            continue
        lakehouse_names[lh.id] = (lh.name, lh.retention_days)
        name = snapshot.domains[lh.domain_id].name
        lakehouses[lh.domain_id].append(
            LakehouseSubject(
                name, lh.name, lh.retention_days, lh.auto_vacuum, lh.template, lh.data_steward, lh.description
            )
        )
    tables: dict[str, list[TableSubject]] = defaultdict(list)
    refreshed: dict[str, Any] = {}
    for t in reader.execute(tables_q):
        domain = snapshot.domains.get(t.domain_id)
        lakehouse = lakehouse_names.get(t.lakehouse_id)
        if domain is None or lakehouse is None:
            continue
        refreshed[t.id] = t.last_write_at
        name, retention = lakehouse
        tables[t.domain_id].append(_table(domain.name, name, t, retention, column_terms.get(t.id) or _NO_TERMS))
    products: dict[str, list[ProductSubject]] = defaultdict(list)
    for p in reader.execute(products_q):
        if p.domain_id in snapshot.domains:
            products[p.domain_id].append(
                product_subject(snapshot.domains[p.domain_id].name, p, refreshed.get(p.table_id))
            )
    for domain_id in snapshot.domains:
        snapshot.by_domain[domain_id] = Subjects(
            domains=(domain_subjects[domain_id],),
            lakehouses=tuple(lakehouses[domain_id]),
            tables=tuple(tables[domain_id]),
            products=tuple(products[domain_id]),
        )
    return snapshot


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the snapshot is built: its 100k+ new objects (none in a cycle) would
    trigger collections that scan every object of the process again and again, half of the load's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def table_subject(
    domain: str,
    lakehouse: str,
    row: Any,
    *,
    columns: Iterable[Mapping[str, Any]] | None = None,
    retention_days: int | None = None,
) -> TableSubject:
    """A table from its catalog row (a TableRow or a plain row); `columns` overrides the stored ones.

    `retention_days` is the lakehouse's, used when the table has none of its own; columns are built already
    bound to the table, which saves copying a hundred thousand of them.
    """
    bound, fields = _table_fields(
        domain, lakehouse, row, retention_days, properties=row.properties or {}, partitions=row.partition_columns
    )
    stored = row.columns if columns is None else columns
    return TableSubject(**fields, columns=tuple(column_subject(c, **bound) for c in stored or ()))


def _table(
    domain: str, lakehouse: str, row: Any, retention_days: int | None, terms: Mapping[str, tuple[str, ...]]
) -> TableSubject:
    """`table_subject` for a row whose JSON fields are still text, its columns built unchecked (`_built`)."""
    bound, fields = _table_fields(
        domain,
        lakehouse,
        row,
        retention_days,
        properties=_json(row.properties) or {},
        partitions=_json(row.partition_columns),
    )
    return _built(TableSubject, fields, columns=tuple(_column(c, bound, terms) for c in _json(row.columns) or ()))


def _table_fields(
    domain: str,
    lakehouse: str,
    row: Any,
    retention_days: int | None,
    *,
    properties: Mapping[str, Any],
    partitions: Iterable[str] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what each column is bound to, the table's fields but its columns), from a row whose JSON is decoded."""
    layer = (row.layer or "").lower() or layer_of(row.name)
    bound = {"domain": domain, "lakehouse": lakehouse, "table": row.name, "layer": layer}
    fields = {
        "domain": domain,
        "lakehouse": lakehouse,
        "name": row.name,
        "layer": layer,
        "retention_days": row.retention_days if row.retention_days is not None else retention_days,
        "last_refresh": row.last_write_at,
        "row_count": row.row_count,
        "size_bytes": row.size_bytes,
        "description": row.description or None,
        "partition_columns": tuple(partitions or ()),
        "tags": _texts(properties.get("tags")),
        "is_shortcut": row.target_table_id is not None,
    }
    return bound, fields


def _column(column: Mapping[str, Any], table: Mapping[str, Any], terms: Mapping[str, tuple[str, ...]]) -> ColumnSubject:
    """`column_subject`, field for field (a test holds them equal), bound to its table's fields in `table`."""
    name = str(column["name"])
    return _built(
        ColumnSubject,
        table,
        name=name,
        type=str(column.get("type") or "string"),
        description=column.get("description") or None,
        sensitivity_label=column.get("sensitivity_label") or None,
        nullable=bool(column.get("nullable", True)),
        tags=_texts(column.get("tags")),
        classifications=_texts(column.get("classifications")),
        terms=terms.get(name, ()) if terms else _texts(column.get("terms")),
    )


_T = TypeVar("_T")
_NO_TERMS: Mapping[str, tuple[str, ...]] = {}


def _built(cls: type[_T], fields: Mapping[str, Any] = _NO_TERMS, /, **values: Any) -> _T:
    """A frozen subject from every one of its fields, without `__init__`: its one `object.__setattr__` per field
    and the table's re-binding of its columns cost more than all the rest of loading 100k columns. Callers
    give already normalised values (layer lower-cased, columns bound), which is what `__post_init__` would do."""
    subject = object.__new__(cls)
    subject.__dict__.update(fields, **values)
    return subject


def _json(text: str | None) -> Any:
    """A JSON field read as text; what orjson refuses (NaN, which json.dumps writes) goes to the json module."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def column_subject(column: Mapping[str, Any], **table: Any) -> ColumnSubject:
    return ColumnSubject(
        str(column["name"]),
        str(column.get("type") or "string"),
        column.get("description") or None,
        column.get("sensitivity_label") or None,
        bool(column.get("nullable", True)),
        _texts(column.get("tags")),
        **table,
        classifications=_texts(column.get("classifications")),
        terms=_texts(column.get("terms")),
    )


def product_subject(domain: str, row: Any, last_refresh: Any) -> ProductSubject:
    """A product from its stored document; SLA targets become a duration and percentages."""
    spec: dict[str, Any] = row.spec or {}
    contract = spec.get("contract") or {}
    sla = contract.get("sla") or {}
    storage = spec.get("storage") or {}
    schema = contract.get("schema") or {}
    columns = tuple(
        ColumnSubject(
            str(name),
            type=str(c.get("type") or "string"),
            description=c.get("description") or None,
            sensitivity_label=c.get("sensitivity_label") or None,
            nullable=not c.get("required", False),
        )
        for name, c in schema.items()
        if isinstance(c, dict)
    )
    return ProductSubject(
        domain,
        row.name,
        status=row.status,
        owner=row.owner,
        data_steward=spec.get("data_steward"),
        classification=row.classification,
        tags=_texts(row.tags),
        description=(row.description or "").strip() or None,
        documentation_url=spec.get("documentation_url"),
        sla_freshness=_duration(sla.get("freshness")),
        sla_availability=_percent(sla.get("availability")),
        sla_quality_score=_percent(sla.get("quality_score")),
        version=row.version,
        lakehouse=storage.get("lakehouse"),
        table=storage.get("table"),
        last_refresh=last_refresh,
        columns=columns,
    )


def _texts(value: Any) -> tuple[str, ...]:
    if not value:  # most columns have no tags or classifications
        return ()
    return tuple(str(v) for v in value) if isinstance(value, _LISTS) else ()


_LISTS = (list, tuple)  # not `list | tuple`, which builds a union object on every call


def _duration(value: Any) -> timedelta | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_duration(value)
    except InvalidInput:
        return None


def _percent(value: Any) -> float | None:
    """`99.9%`, `95` and `0.95` are all percentages on a 0-100 scale, as the object model documents."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        number = float(text.removesuffix("%"))
    except ValueError:
        return None
    return number * 100 if not text.endswith("%") and number <= 1 else number
