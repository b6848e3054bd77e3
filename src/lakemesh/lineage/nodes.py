"""Graph nodes: parsing references, what each node is and who may see it, read only for the nodes a walk reaches.

A walk asks for many nodes at once (one hop of a breadth-first walk); they are looked up in a few indexed
queries per kind, so the cost follows the size of the graph around the root, not the size of the mesh.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.tables.lineage import LineageEdgeRow, LineageEventRow
from lakemesh.core.errors import invalid
from lakemesh.core.names import slugify
from lakemesh.domains.service import domain_ids_by_slug
from lakemesh.lakehouses.store import tables_named
from lakemesh.lineage import consumers
from lakemesh.lineage.events import product_key, table_key
from lakemesh.lineage.models import GraphNode
from lakemesh.lineage.sources import LineageSources
from lakemesh.products.reads import products_slugged
from lakemesh.products.status import VISIBLE_TO_ALL

KINDS = ("table", "product", "pipeline", "step", "semantic_model", "dataset", "job", "grant", "share", "recipient")
CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits

T = TypeVar("T")


@dataclass(frozen=True)
class TableFacts:
    """What the structural edges of a table need: its id and the table it is a shortcut to."""

    id: str
    target_table_id: str | None


class NodeIndex:
    """Describes nodes for one caller within one catalog session, remembering every answer for the walk."""

    def __init__(self, session: Session, authorizer: Authorizer, actor: Principal, sources: LineageSources) -> None:
        self._session = session
        self.sources = sources
        self._authz = authorizer
        self._actor = actor
        self._described: dict[str, GraphNode | None] = {}
        self._domains: dict[str, bool] = {}
        self.tables: dict[str, TableFacts] = {}  # visible table nodes by key
        self.product_tables: dict[str, str | None] = {}  # visible product nodes by key -> the table serving them

    @property
    def session(self) -> Session:
        return self._session

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
            if kind == "step" and rest.count("/") == 2:
                return "step:" + "/".join(slugify(part) for part in rest.split("/"))
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
            self.prefetch([key])
        return self._described[key]

    def known(self, key: str) -> bool:
        return key in self._described

    def prefetch(self, keys: Iterable[str]) -> None:
        """Look up every key not described yet, a few queries per kind instead of one per node."""
        by_kind: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            if key not in self._described:
                by_kind.setdefault(key.partition(":")[0], []).append(key)
                self._described[key] = None  # unknown kinds and missing nodes stay hidden
        for kind, wanted in by_kind.items():
            for chunk in chunked(wanted, CHUNK):
                if kind == "table":
                    self._tables(chunk)
                elif kind == "product":
                    self._products(chunk)
                elif kind in ("semantic_model", "pipeline"):
                    self._domain_items(kind, chunk)
                elif kind == "step":
                    self._steps(chunk)
                elif kind == "grant":
                    self._grants(chunk)
                elif kind in ("share", "recipient"):
                    self._shares(kind, chunk)
                elif kind in ("dataset", "job"):
                    self._outside(kind, chunk)

    def _tables(self, keys: Sequence[str]) -> None:
        parts = [p for p in (key.removeprefix("table:").split(".") for key in keys) if len(p) == 3]
        if not parts:
            return
        rows = tables_named(self._session, {(p[0], p[1], p[2]) for p in parts})
        for table_id, table, target_id, lakehouse, domain_id, domain in rows:
            name = f"{domain}.{lakehouse}.{table}"
            key = table_key(name)
            if key not in self._described:
                continue  # a name combination nobody asked for
            resource = Resource("table", name, domain_id)
            if self._authz.can(self._actor, Action.ITEM_READ, resource, self._session):
                self._described[key] = GraphNode.model_construct(id=key, kind="table", name=name, domain=domain)
                self.tables[key] = TableFacts(table_id, target_id)

    def _products(self, keys: Sequence[str]) -> None:
        pairs = [key.removeprefix("product:").split("/") for key in keys]
        rows = products_slugged(self._session, {p[0] for p in pairs}, {p[-1] for p in pairs})
        for name, slug, status, table_id, domain_id, domain in rows:
            key = f"product:{domain}/{slug}"
            if key not in self._described:
                continue
            if status in VISIBLE_TO_ALL or self.domain_visible(domain_id):
                # catalog rows need no validation, and a hop may describe thousands of products
                self._described[key] = GraphNode.model_construct(id=key, kind="product", name=name, domain=domain)
                self.product_tables[key] = table_id

    def _domain_items(self, kind: str, keys: Sequence[str]) -> None:
        """Pipelines and semantic models are seen by their domain's readers (grantees query models, not lineage)."""
        lookup = self.sources.items.get(kind)
        if lookup is None:
            return  # the capability is not installed: no such nodes
        pairs = [key.partition(":")[2].split("/") for key in keys]
        domain_ids = domain_ids_by_slug(self._session, {p[0] for p in pairs})
        rows = list(lookup(self._session, domain_ids.values(), {p[-1] for p in pairs}))
        slugs = {domain_id: slug for slug, domain_id in domain_ids.items()}
        for name, slug, domain_id in rows:
            domain = slugs.get(domain_id)
            key = f"{kind}:{domain}/{slug}"
            if key in self._described and self.domain_visible(domain_id):
                self._described[key] = GraphNode(id=key, kind=kind, name=name, domain=domain)

    def _steps(self, keys: Sequence[str]) -> None:
        """A pipeline's step is seen by whoever sees the pipeline."""
        pipelines = {key: "pipeline:" + key.removeprefix("step:").rsplit("/", 1)[0] for key in keys}
        self.prefetch(pipelines.values())
        for key, pipeline in pipelines.items():
            owner = self._described.get(pipeline)
            if owner is not None and key.count("/") == 2:
                step = key.rsplit("/", 1)[1]
                self._described[key] = GraphNode(
                    id=key, kind="step", name=f"{owner.name} / {step}", domain=owner.domain
                )

    def _grants(self, keys: Sequence[str]) -> None:
        """A grant is seen by the product's domain, by its grantee, and by members of a grantee domain."""
        grants = consumers.grant_facts(self._session, self.sources, [k.removeprefix("grant:") for k in keys])
        for grant_id, grantee_kind, grantee_id, grantee, domain_id, domain in grants:
            mine = grantee_kind == "principal" and grantee_id == self._actor.id
            theirs = grantee_kind == "domain" and self.domain_visible(grantee_id)
            if mine or theirs or self.domain_visible(domain_id):
                key = f"grant:{grant_id}"
                name = f"{grantee_kind} {grantee}"
                self._described[key] = GraphNode(id=key, kind="grant", name=name, domain=domain)

    def _shares(self, kind: str, keys: Sequence[str]) -> None:
        """Shares are seen by their domain's readers; recipients only by those who manage the share."""
        names = {k.partition(":")[2].split("/")[0].lower(): k for k in keys}
        for share, domain_id, domain in consumers.share_facts(self._session, self.sources, list(names)):
            for key in [k for k in keys if k.partition(":")[2].split("/")[0].lower() == share.lower()]:
                if kind == "share":
                    visible = self.domain_visible(domain_id)
                else:
                    resource = Resource("share", share, domain_id)
                    visible = self._authz.can(self._actor, Action.SHARE_CREATE, resource, self._session)
                if visible:
                    name = key.partition(":")[2]
                    self._described[key] = GraphNode(id=key, kind=kind, name=name, domain=domain)

    def _outside(self, kind: str, keys: Sequence[str]) -> None:
        """Datasets and jobs exist through their edges; the caller sees them when it reads one owning domain."""
        rows = self._session.execute(
            select(LineageEdgeRow.source, LineageEdgeRow.target, LineageEdgeRow.domain_id).where(
                or_(LineageEdgeRow.source.in_(keys), LineageEdgeRow.target.in_(keys))
            )
        )
        owners: dict[str, set[str | None]] = {}
        wanted = set(keys)
        for source, target, domain_id in rows:
            for end in (source, target):
                if end in wanted:
                    owners.setdefault(end, set()).add(domain_id)
        if kind == "job":  # a job whose events named no datasets has no edges, and is still a node
            self._jobs_of_events(wanted, owners)
        for key, domains in owners.items():
            if any(self.domain_visible(d) for d in domains):
                self._described[key] = GraphNode(id=key, kind=kind, name=key.partition(":")[2])

    def _jobs_of_events(self, wanted: set[str], owners: dict[str, set[str | None]]) -> None:
        names = {part for key in wanted for part in (key.partition("/")[2], key.rpartition("/")[2])}
        rows = self._session.execute(
            select(LineageEventRow.job_namespace, LineageEventRow.job_name, LineageEventRow.domain_id)
            .where(LineageEventRow.job_name.in_(names), LineageEventRow.source == "external")
            .distinct()
        )
        for namespace, name, domain_id in rows:
            key = f"job:{namespace}/{name}"
            if key in wanted:
                owners.setdefault(key, set()).add(domain_id)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
