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

from sqlalchemy.orm import Session

from lakemesh.catalog.outbox import any_event, newest_event, resources_changed
from lakemesh.domains.service import domain_slugs_of
from lakemesh.lakehouses.store import qualified_table_names, shortcuts_to
from lakemesh.lineage.events import product_key, table_key
from lakemesh.lineage.models import Direction, GraphEdge
from lakemesh.lineage.nodes import CHUNK, NodeIndex, chunked
from lakemesh.lineage.sources import LineageSources
from lakemesh.products.reads import input_ports, product_count, products_served_by

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

    def __init__(self, sources: LineageSources) -> None:
        self._sources = sources
        self._current: Declared | None = None
        self._lock = threading.Lock()

    def current(self, session: Session) -> Declared:
        position = newest_event(session)
        products = product_count(session)
        models = _model_count(session, self._sources)
        known = self._current
        same = known is not None and (known.position, known.products, known.models) == (position, products, models)
        if known is not None and same and not (known.gaps and any_event(session, known.gaps)):
            return known
        with self._lock:
            known = self._current
            if known is None or position - known.position > CATCH_UP or position < known.position:
                fresh = _read_all(session, self._sources)
            else:
                fresh = _caught_up(session, self._sources, known, position)
            if (fresh.products, fresh.models) != (products, models):
                fresh = _read_all(session, self._sources)  # rows written without an outbox event (imports, restores)
            fresh.position, fresh.products, fresh.models = position, products, models
            fresh.index()
            self._current = fresh
            return fresh


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


def _model_count(session: Session, sources: LineageSources) -> int:
    return sources.models.count(session) if sources.models is not None else 0


def _read_all(session: Session, sources: LineageSources) -> Declared:
    declared = Declared()
    declared.by_product = _product_ports(session, None)
    declared.by_model = _model_sources(session, sources)
    declared.products = len(declared.by_product)
    declared.models = _model_count(session, sources)
    return declared


def _caught_up(session: Session, sources: LineageSources, known: Declared, position: int) -> Declared:
    """The known snapshot with the products, models and domains that outbox events since then touched reread."""
    changed = resources_changed(session, known.position, position, also=known.gaps)
    kinds = {kind for _, kind, _ in changed}
    if "domain" in kinds:
        return _read_all(session, sources)  # a renamed domain changes every key under it
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
        fresh.by_model = _model_sources(session, sources)
    fresh.products = product_count(session)
    fresh.models = _model_count(session, sources)
    return fresh


def _product_ports(session: Session, ids: Sequence[str] | None) -> dict[str, list[Link]]:
    """Each product's input ports (only that part of its document is read), by product id."""
    found: dict[str, list[Link]] = {}
    batches = [input_ports(session)] if ids is None else [input_ports(session, c) for c in chunked(ids, CHUNK)]
    for batch in batches:
        for product_id, slug, domain, ports in batch:
            key = f"product:{domain}/{slug}"
            edges = [
                edge_of(source=source, target=key, kind="input_port")
                for port in (ports if isinstance(ports, list) else [])
                if (source := _port_key(port, domain))
            ]
            found[product_id] = edges
    return found


def _model_sources(session: Session, registered: LineageSources) -> list[Link]:
    if registered.models is None:
        return []
    rows = list(registered.models.sources(session))
    slugs = domain_slugs_of(session, {domain_id for _, domain_id, _ in rows})
    edges = []
    for slug, domain_id, sources in rows:
        domain = slugs.get(domain_id)
        if domain is None:
            continue  # its domain went in the meantime (the join did not yield it either)
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
            for table_id, name in shortcuts_to(index.session, chunk, room + CHUNK):
                key = table_key(name)
                found[tables[table_id]].append(edge_of(source=tables[table_id], target=key, kind="shortcut"))
            for served_by, slug, domain in products_served_by(index.session, chunk, room + CHUNK):
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


def _table_keys(session: Session, table_ids: Sequence[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for chunk in chunked(table_ids, CHUNK):
        keys.update({table_id: table_key(name) for table_id, name in qualified_table_names(session, chunk).items()})
    return keys
