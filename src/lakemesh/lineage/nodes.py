"""Graph nodes: parsing references, what each node is, who may see it, and the edges the catalog implies.

The catalog already knows some lineage without any run: a product is served from its table, reads its input
ports, and a shortcut reads its target table. Those edges are derived here, per request, from the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.tables import DomainRow, LakehouseRow, ProductRow, TableRow
from lakemesh.catalog.tables.pipelines import LineageEdgeRow, PipelineRow
from lakemesh.catalog.tables.semantic import SemanticModelRow
from lakemesh.core.errors import invalid
from lakemesh.core.names import slugify
from lakemesh.lineage.events import product_key, table_key
from lakemesh.lineage.models import Direction, GraphEdge, GraphNode

VISIBLE_PRODUCTS = ("published", "deprecated")
KINDS = ("table", "product", "pipeline", "semantic_model", "dataset", "job")


@dataclass(frozen=True)
class _Product:
    name: str
    status: str


@dataclass(frozen=True)
class _Domain:
    id: str
    slug: str


@dataclass
class _Catalog:
    """What the index loaded once: tables, products and their structural edges."""

    tables: dict[str, tuple[TableRow, LakehouseRow, DomainRow]] = field(default_factory=dict)
    table_by_id: dict[str, str] = field(default_factory=dict)
    products: dict[str, tuple[_Product, _Domain]] = field(default_factory=dict)
    models: dict[str, tuple[SemanticModelRow, DomainRow]] = field(default_factory=dict)
    edges: list[GraphEdge] = field(default_factory=list)
    by_source: dict[str, list[GraphEdge]] = field(default_factory=dict)
    by_target: dict[str, list[GraphEdge]] = field(default_factory=dict)

    def index(self) -> None:
        """Edges by endpoint, so a walk over a table feeding 10k products stays linear."""
        for edge in self.edges:
            self.by_source.setdefault(edge.source, []).append(edge)
            self.by_target.setdefault(edge.target, []).append(edge)


class NodeIndex:
    def __init__(self, session: Session, authorizer: Authorizer, actor: Principal) -> None:
        self._session = session
        self._authz = authorizer
        self._actor = actor
        self._loaded: _Catalog | None = None
        self._described: dict[str, GraphNode | None] = {}
        self._domains: dict[str, bool] = {}

    # -- references ------------------------------------------------------------------------------
    def parse(self, ref: str) -> str:
        """`table:...`, `product:...`, `pipeline:...`, or bare `domain.lakehouse.table` / `domain/product`."""
        text = ref.strip()
        kind, sep, rest = text.partition(":")
        if sep and kind in KINDS:
            if kind == "table":
                return table_key(rest)
            if kind in ("product", "pipeline", "semantic_model") and rest.count("/") == 1:
                domain, name = rest.split("/")
                return f"{kind}:{slugify(domain)}/{slugify(name)}"
            return f"{kind}:{rest}"
        if text.count(".") == 2 and "/" not in text:
            return table_key(text)
        if text.count("/") == 1:
            return product_key(*text.split("/"))
        raise invalid("node", "write table:<domain>.<lakehouse>.<table>, product:<domain>/<product> or pipeline:...")

    # -- visibility ------------------------------------------------------------------------------
    def domain_visible(self, domain_id: str | None) -> bool:
        """Outside datasets and jobs belong to a domain (its readers see them) or to the platform (everyone)."""
        if domain_id is None:
            return True
        if domain_id not in self._domains:
            resource = Resource("lineage", domain_id, domain_id)
            self._domains[domain_id] = self._authz.can(self._actor, Action.ITEM_READ, resource, self._session)
        return self._domains[domain_id]

    def describe(self, key: str) -> GraphNode | None:
        """The node if it exists and the caller may see it; otherwise None (never a hint that it exists)."""
        if key not in self._described:
            self._described[key] = self._describe(key)
        return self._described[key]

    def _describe(self, key: str) -> GraphNode | None:
        kind, _, rest = key.partition(":")
        catalog = self._load()
        if kind == "table":
            found = catalog.tables.get(key)
            if found is None:
                return None
            table, lakehouse, domain = found
            resource = Resource("table", f"{domain.slug}.{lakehouse.name}.{table.name}", domain.id)
            if not self._authz.can(self._actor, Action.ITEM_READ, resource, self._session):
                return None
            return GraphNode(
                id=key, kind="table", name=f"{domain.slug}.{lakehouse.name}.{table.name}", domain=domain.slug
            )
        if kind == "product":
            pair = catalog.products.get(key)
            if pair is None:
                return None
            product, owner = pair
            if product.status not in VISIBLE_PRODUCTS and not self.domain_visible(owner.id):
                return None
            return GraphNode(id=key, kind="product", name=product.name, domain=owner.slug)
        if kind == "semantic_model":
            found_model = catalog.models.get(key)
            if found_model is None or not self.domain_visible(found_model[1].id):
                return None  # models are read by their domain's members (grantees query them, not their lineage)
            return GraphNode(id=key, kind="semantic_model", name=found_model[0].name, domain=found_model[1].slug)
        if kind == "pipeline":
            domain_slug, _, slug = rest.partition("/")
            row = self._session.execute(
                select(PipelineRow, DomainRow)
                .join(DomainRow, DomainRow.id == PipelineRow.domain_id)
                .where(DomainRow.slug == domain_slug, PipelineRow.slug == slug)
            ).first()
            if row is None or not self.domain_visible(row[1].id):
                return None
            return GraphNode(id=key, kind="pipeline", name=row[0].name, domain=domain_slug)
        if kind in ("dataset", "job"):
            owners = self._session.scalars(
                select(LineageEdgeRow.domain_id).where((LineageEdgeRow.source == key) | (LineageEdgeRow.target == key))
            ).all()
            if not owners or not any(self.domain_visible(d) for d in owners):
                return None
            return GraphNode(id=key, kind=kind, name=rest)
        return None

    # -- structural edges ------------------------------------------------------------------------
    def structural_edges(self, node: str, direction: Direction) -> list[GraphEdge]:
        catalog = self._load()
        found: list[GraphEdge] = []
        if direction in ("downstream", "both"):
            found.extend(catalog.by_source.get(node, []))
        if direction in ("upstream", "both"):
            found.extend(e for e in catalog.by_target.get(node, []) if e not in found)
        return found

    def _load(self) -> _Catalog:
        if self._loaded is not None:
            return self._loaded
        catalog = _Catalog()
        rows = self._session.execute(
            select(TableRow, LakehouseRow, DomainRow)
            .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
            .join(DomainRow, DomainRow.id == LakehouseRow.domain_id)
        )
        for table, lakehouse, domain in rows:
            key = table_key(f"{domain.slug}.{lakehouse.name}.{table.name}")
            catalog.tables[key] = (table, lakehouse, domain)
            catalog.table_by_id[table.id] = key
        for table, _, _ in catalog.tables.values():
            if table.target_table_id and table.target_table_id in catalog.table_by_id:
                source, target = catalog.table_by_id[table.target_table_id], catalog.table_by_id[table.id]
                catalog.edges.append(GraphEdge(source=source, target=target, kind="shortcut"))
        # Plain columns, not ORM objects: a mesh with 10k products is read on every graph call.
        products = self._session.execute(
            select(
                ProductRow.name,
                ProductRow.slug,
                ProductRow.status,
                ProductRow.table_id,
                ProductRow.spec,
                DomainRow.id.label("domain_id"),
                DomainRow.slug.label("domain_slug"),
            ).join(DomainRow, DomainRow.id == ProductRow.domain_id)
        )
        for row in products:
            key = product_key(row.domain_slug, row.slug)
            catalog.products[key] = (_Product(row.name, row.status), _Domain(row.domain_id, row.domain_slug))
            if row.table_id in catalog.table_by_id:
                catalog.edges.append(GraphEdge(source=catalog.table_by_id[row.table_id], target=key, kind="serves"))
            for port in (row.spec or {}).get("input_ports", []) or []:
                port_source = _port_key(port, row.domain_slug)
                if port_source:
                    catalog.edges.append(GraphEdge(source=port_source, target=key, kind="input_port"))
        models = self._session.execute(
            select(SemanticModelRow, DomainRow).join(DomainRow, DomainRow.id == SemanticModelRow.domain_id)
        )
        for model, domain in models:
            key = f"semantic_model:{domain.slug}/{model.slug}"
            catalog.models[key] = (model, domain)
            for source in model.sources or []:
                text = str(source)
                source_key = product_key(*text.split("/")) if text.count("/") == 1 else table_key(text)
                catalog.edges.append(GraphEdge(source=source_key, target=key, kind="semantic_model"))
        catalog.index()
        self._loaded = catalog
        return catalog


def _port_key(port: object, domain: str) -> str | None:
    if not isinstance(port, dict):
        return None
    if port.get("product"):
        owner, _, name = str(port["product"]).partition("/")
        return product_key(owner, name)
    if port.get("table"):
        return table_key(f"{domain}.{port['table']}")
    return None
