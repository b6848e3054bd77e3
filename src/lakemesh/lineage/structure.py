"""The edges the catalog implies without any run: a product is served from its table and reads its input ports,
a shortcut reads its target table, a semantic model reads its sources.

Table and product edges are indexed columns, looked up per hop for the nodes a walk reaches. Input ports and
model sources live inside JSON documents no index covers; `DeclaredSources` keeps them in memory, shared by
every call, and rereads only the products whose outbox events arrived since (or everything, when rows changed
without events).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.catalog.tables.semantic import SemanticModelRow
from lakemesh.lineage.events import product_key, table_key
from lakemesh.lineage.models import Direction, GraphEdge
from lakemesh.lineage.nodes import CHUNK, NodeIndex, chunked

CATCH_UP = 1000  # outbox events read to update in place; after a longer gap everything is reread


@dataclass
class Declared:
    """One snapshot: each product's and model's declared sources, and the edges derived from them."""

    position: int = 0
    products: int = 0
    models: int = 0
    by_product: dict[str, list[Link]] = field(default_factory=dict)  # product id -> its input port edges
    by_model: list[Link] = field(default_factory=list)
    by_source: dict[str, list[Link]] = field(default_factory=dict)
    by_target: dict[str, list[Link]] = field(default_factory=dict)
    # Outbox ids below `position` not visible when it was read: PostgreSQL hands out ids before commit, so a
    # slower transaction's event can appear later; they are checked on every call until they arrive.
    gaps: set[int] = field(default_factory=set)

    def edges(self, node: str, direction: Direction) -> list[Link]:
        found: list[Link] = []
        if direction in ("downstream", "both"):
            found.extend(self.by_source.get(node, []))
        if direction in ("upstream", "both"):
            found.extend(self.by_target.get(node, []))
        return found

    def index(self) -> None:
        self.by_source, self.by_target = {}, {}
        for edges in [*self.by_product.values(), self.by_model]:
            for edge in edges:
                self.by_source.setdefault(edge.source, []).append(edge)
                self.by_target.setdefault(edge.target, []).append(edge)


class DeclaredSources:
    """Input ports and semantic model sources of the whole mesh, kept current against the catalog's outbox."""

    def __init__(self) -> None:
        self._current: Declared | None = None
        self._lock = threading.Lock()

    def current(self, session: Session) -> Declared:
        position = session.scalar(select(func.max(OutboxRow.id))) or 0
        products = session.scalar(select(func.count()).select_from(ProductRow)) or 0
        models = session.scalar(select(func.count()).select_from(SemanticModelRow)) or 0
        known = self._current
        same = known is not None and (known.position, known.products, known.models) == (position, products, models)
        if known is not None and same and not (known.gaps and _committed(session, known.gaps)):
            return known
        with self._lock:
            known = self._current
            if known is None or position - known.position > CATCH_UP or position < known.position:
                fresh = _read_all(session)
            else:
                fresh = _caught_up(session, known, position)
            if (fresh.products, fresh.models) != (products, models):
                fresh = _read_all(session)  # rows written without an outbox event (imports, restores)
            fresh.position, fresh.products, fresh.models = position, products, models
            fresh.index()
            self._current = fresh
            return fresh


def _committed(session: Session, ids: set[int]) -> bool:
    """Whether an event skipped earlier (its transaction had not committed yet) has arrived since."""
    return session.scalar(select(OutboxRow.id).where(OutboxRow.id.in_(sorted(ids))).limit(1)) is not None


class Link(NamedTuple):
    """An edge while walking: cheap to build by the thousand; only the ones in the answer become `GraphEdge`s."""

    source: str
    target: str
    kind: str
    columns: dict[str, Any]

    def edge(self) -> GraphEdge:
        return GraphEdge.model_construct(source=self.source, target=self.target, kind=self.kind, columns=self.columns)


def edge_of(*, source: str, target: str, kind: str) -> Link:
    return Link(source, target, kind, {})


def _read_all(session: Session) -> Declared:
    declared = Declared()
    declared.by_product = _product_ports(session, None)
    declared.by_model = _model_sources(session)
    declared.products = len(declared.by_product)
    declared.models = session.scalar(select(func.count()).select_from(SemanticModelRow)) or 0
    return declared


def _caught_up(session: Session, known: Declared, position: int) -> Declared:
    """The known snapshot with the products, models and domains that outbox events since then touched reread."""
    recent = (OutboxRow.id > known.position) & (OutboxRow.id <= position)
    changed = session.execute(
        select(OutboxRow.id, OutboxRow.resource_type, OutboxRow.resource_id).where(
            or_(recent, OutboxRow.id.in_(sorted(known.gaps))) if known.gaps else recent
        )
    ).all()
    kinds = {kind for _, kind, _ in changed}
    if "domain" in kinds:
        return _read_all(session)  # a renamed domain changes every key under it
    seen = {event_id for event_id, _, _ in changed}
    gaps = (known.gaps | set(range(known.position + 1, position + 1))) - seen
    fresh = Declared(
        products=known.products,
        models=known.models,
        by_product=dict(known.by_product),
        by_model=known.by_model,
        gaps=set(sorted(gaps)[-CATCH_UP:]),
    )
    touched = sorted({rid for _, kind, rid in changed if kind == "product"})
    for product_id in touched:
        fresh.by_product.pop(product_id, None)
    fresh.by_product.update(_product_ports(session, touched))
    if "semantic_model" in kinds:
        fresh.by_model = _model_sources(session)
    fresh.products = session.scalar(select(func.count()).select_from(ProductRow)) or 0
    fresh.models = session.scalar(select(func.count()).select_from(SemanticModelRow)) or 0
    return fresh


def _product_ports(session: Session, ids: Sequence[str] | None) -> dict[str, list[Link]]:
    """Each product's input ports (only that part of its document is read), by product id."""
    found: dict[str, list[Link]] = {}
    query = select(ProductRow.id, ProductRow.slug, DomainRow.slug, ProductRow.spec["input_ports"]).join(
        DomainRow, DomainRow.id == ProductRow.domain_id
    )
    batches = [query] if ids is None else [query.where(ProductRow.id.in_(c)) for c in chunked(ids, CHUNK)]
    for batch in batches:
        for product_id, slug, domain, ports in session.execute(batch):
            key = f"product:{domain}/{slug}"
            edges = [
                edge_of(source=source, target=key, kind="input_port")
                for port in (ports if isinstance(ports, list) else [])
                if (source := _port_key(port, domain))
            ]
            found[product_id] = edges
    return found


def _model_sources(session: Session) -> list[Link]:
    rows = session.execute(
        select(SemanticModelRow.slug, SemanticModelRow.sources, DomainRow.slug).join(
            DomainRow, DomainRow.id == SemanticModelRow.domain_id
        )
    )
    edges = []
    for slug, sources, domain in rows:
        for source in sources or []:
            text = str(source)
            source_key = product_key(*text.split("/")) if text.count("/") == 1 else table_key(text)
            edges.append(edge_of(source=source_key, target=f"semantic_model:{domain}/{slug}", kind="semantic_model"))
    return edges


def _port_key(port: Any, domain: str) -> str | None:
    if not isinstance(port, dict):
        return None
    if port.get("product"):
        owner, _, name = str(port["product"]).partition("/")
        return product_key(owner, name)
    if port.get("table"):
        return table_key(f"{domain}.{port['table']}")
    return None


def column_edges(index: NodeIndex, nodes: Sequence[str], direction: Direction, room: int) -> dict[str, list[Link]]:
    """Shortcut and serving edges of visible tables and products, from indexed id columns, by node.

    `room` is how many more nodes the walk may take: a table serving 10k products yields that many (plus a
    margin for hidden ones), since the graph is cut there anyway."""
    found: dict[str, list[Link]] = {node: [] for node in nodes}
    tables = {index.tables[n].id: n for n in nodes if n in index.tables}
    products = {n: index.product_tables[n] for n in nodes if n in index.product_tables}
    if direction in ("downstream", "both") and tables:
        for chunk in chunked(list(tables), CHUNK):
            for table_id, key in _shortcuts_of(index.session, chunk, room + CHUNK):
                found[tables[table_id]].append(edge_of(source=tables[table_id], target=key, kind="shortcut"))
            served = index.session.execute(
                select(ProductRow.table_id, ProductRow.slug, DomainRow.slug)
                .join(DomainRow, DomainRow.id == ProductRow.domain_id)
                .where(ProductRow.table_id.in_(chunk))
                .limit(room + CHUNK)
            )
            for served_by, slug, domain in served:
                table = tables[served_by or ""]
                found[table].append(edge_of(source=table, target=f"product:{domain}/{slug}", kind="serves"))
    if direction in ("upstream", "both"):
        wanted = {f.target_table_id for n, f in index.tables.items() if n in found and f.target_table_id}
        wanted |= {t for t in products.values() if t}
        keys = _table_keys(index.session, sorted(wanted))
        for node in nodes:
            facts = index.tables.get(node)
            if facts is not None and facts.target_table_id in keys:
                found[node].append(edge_of(source=keys[facts.target_table_id], target=node, kind="shortcut"))
            if products.get(node) in keys:
                found[node].append(edge_of(source=keys[products[node] or ""], target=node, kind="serves"))
    return found


def _shortcuts_of(session: Session, table_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(TableRow.target_table_id, TableRow.name, LakehouseRow.name, DomainRow.slug)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .join(DomainRow, DomainRow.id == LakehouseRow.domain_id)
        .where(TableRow.target_table_id.in_(table_ids))
        .limit(limit)
    )
    return [(target or "", table_key(f"{domain}.{lakehouse}.{name}")) for target, name, lakehouse, domain in rows]


def _table_keys(session: Session, table_ids: Sequence[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for chunk in chunked(table_ids, CHUNK):
        rows = session.execute(
            select(TableRow.id, TableRow.name, LakehouseRow.name, DomainRow.slug)
            .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
            .join(DomainRow, DomainRow.id == LakehouseRow.domain_id)
            .where(TableRow.id.in_(chunk))
        )
        keys.update({table_id: table_key(f"{d}.{lh}.{name}") for table_id, name, lh, d in rows})
    return keys
