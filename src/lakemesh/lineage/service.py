"""Lineage: the OpenLineage event store and the graph across tables, products, shortcuts and pipelines.

Every node is checked against what the caller may see; hidden nodes are dropped and the walk does not pass
through them, so the graph never confirms that an object the caller cannot read exists.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.lineage import LineageEdgeRow, LineageEventRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden, NotFound, invalid
from lakemesh.core.names import slugify
from lakemesh.core.validation import as_invalid_input
from lakemesh.domains.service import domain_ids_by_slug
from lakemesh.lineage import consumers
from lakemesh.lineage.events import MESH_NAMESPACE, product_key, table_key
from lakemesh.lineage.models import (
    Direction,
    Impact,
    ImpactItem,
    LineageGraph,
    LineageReceipt,
    RunEvent,
)
from lakemesh.lineage.nodes import CHUNK, NodeIndex, chunked
from lakemesh.lineage.sources import GrantSource, ItemsNamed, LineageSources, ModelSource, ShareSource
from lakemesh.lineage.structure import Declared, DeclaredSources, Link, column_edges

MAX_DEPTH = 10
MAX_NODES = 2000


class LineageService:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._sources = LineageSources()  # what the capabilities above register at install
        self._declared = DeclaredSources(self._sources)  # shared by every call; kept current against the outbox

    # -- registration (from the capabilities above, at install) ---------------------------------
    def register_items(self, kind: str, lookup: ItemsNamed) -> None:
        """Pipelines and semantic models: a domain's named items, seen by the domain's readers."""
        self._sources.items[kind] = lookup

    def register_grants(self, source: GrantSource) -> None:
        self._sources.grants = source

    def register_shares(self, source: ShareSource) -> None:
        self._sources.shares = source

    def register_models(self, source: ModelSource) -> None:
        """Semantic models, whose declared sources are edges."""
        self._sources.models = source

    # -- events ----------------------------------------------------------------------------------
    def receive(self, actor: Principal, body: Any) -> LineageReceipt:
        """An event from an outside tool. Its job namespace names a domain (you write there) or the platform
        (platform admins only); datasets in namespace `lakemesh` named `domain.lakehouse.table` are mesh tables."""
        if not isinstance(body, dict):
            raise invalid("body", "must be one OpenLineage RunEvent (a JSON object)")
        try:
            event = RunEvent.model_validate(body)
        except ValidationError as exc:
            raise as_invalid_input(exc, "The OpenLineage event") from None
        with self._catalog.transaction() as session:
            namespace = event.job.namespace.lower()
            domain_id = domain_ids_by_slug(session, [namespace]).get(namespace)
            if domain_id is not None:
                resource = Resource("lineage", event.job.name, domain_id, visible=True)
                self._authz.authorize(actor, Action.ITEM_WRITE, resource, session)
            elif not actor.is_platform_admin:
                raise Forbidden(
                    "Only platform admins may post lineage for a job namespace that is not a domain; "
                    "use your domain's slug as the job namespace"
                )
            index = NodeIndex(session, self._authz, actor, self._sources)
            receipt = self._store(session, event, domain_id, "external", actor.name, index)
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="lineage.received",
                resource_type="lineage",
                resource_id=event.run.runId,
                resource_name=f"{event.job.namespace}/{event.job.name}",
                domain=namespace if domain_id else None,
                payload={"event_type": event.eventType, "nodes": receipt.nodes},
            )
            return receipt

    def record_run_event(
        self, body: dict[str, Any], domain_id: str, pipeline_key: str, steps: list[StepIO] | None = None
    ) -> None:
        """An event of one of our pipelines: already trusted, the job is the pipeline node.

        With `steps`, each step is a node of its own (`step:<domain>/<pipeline>/<step>`) between the tables it read
        and wrote, so bronze → silver → gold shows through the steps instead of every table touching one node.
        """
        event = RunEvent.model_validate(body)
        with self._catalog.transaction() as session:
            if steps:
                self._store_steps(session, event, domain_id, pipeline_key, steps)
                return
            self._store(session, event, domain_id, "pipeline", None, None, job_node=pipeline_key)

    def _store_steps(
        self, session: Session, event: RunEvent, domain_id: str, pipeline: str, steps: list[StepIO]
    ) -> None:
        self._store(session, event, domain_id, "pipeline", None, None, job_node=pipeline, dataset_edges=False)
        now = self._clock.now()
        facets = {(d.namespace, d.name): d.facets.get("columnLineage") for d in event.outputs}
        for name, inputs, outputs in steps:
            node = step_key(pipeline, name)
            _upsert_edge(session, pipeline, node, domain_id, {}, now)
            for namespace, dataset in inputs:
                _upsert_edge(session, _dataset_node(namespace, dataset, None), node, domain_id, {}, now)
            for namespace, dataset in outputs:
                columns = _columns_facet(facets.get((namespace, dataset)), None)
                _upsert_edge(session, node, _dataset_node(namespace, dataset, None), domain_id, columns, now)
        session.flush()

    def _store(
        self,
        session: Session,
        event: RunEvent,
        domain_id: str | None,
        source: str,
        actor: str | None,
        index: NodeIndex | None,
        *,
        job_node: str | None = None,
        dataset_edges: bool = True,
    ) -> LineageReceipt:
        now = self._clock.now()
        row = LineageEventRow(
            run_id=event.run.runId,
            event_type=event.eventType or "OTHER",
            event_time=event.eventTime,
            job_namespace=event.job.namespace,
            job_name=event.job.name,
            domain_id=domain_id,
            source=source,
            event=event.model_dump(mode="json", exclude_none=True),
            received_by=actor,
            received_at=now,
        )
        session.add(row)
        job = job_node or f"job:{event.job.namespace}/{event.job.name}"
        nodes = [job]
        for dataset in event.inputs if dataset_edges else []:
            node = _dataset_node(dataset.namespace, dataset.name, index)
            nodes.append(node)
            _upsert_edge(session, node, job, domain_id, {}, now)
        for dataset in event.outputs if dataset_edges else []:
            node = _dataset_node(dataset.namespace, dataset.name, index)
            nodes.append(node)
            columns = _columns_facet(dataset.facets.get("columnLineage"), index)
            _upsert_edge(session, job, node, domain_id, columns, now)
        session.flush()
        return LineageReceipt(
            id=row.id, run_id=row.run_id, event_type=event.eventType, job=job, nodes=list(dict.fromkeys(nodes))
        )

    def events(self, actor: Principal, *, job: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Stored events, newest first, of jobs in domains the caller reads (platform-level ones for everyone)."""
        with self._catalog.read() as session:
            query = select(LineageEventRow).order_by(LineageEventRow.id.desc()).limit(min(limit, 500) * 4)
            if job:
                query = query.where(LineageEventRow.job_name == job)
            index = NodeIndex(session, self._authz, actor, self._sources)
            rows = [r for r in session.scalars(query) if index.domain_visible(r.domain_id)]
            return [r.event for r in rows[:limit]]

    # -- graph -----------------------------------------------------------------------------------
    def graph(self, actor: Principal, node: str, *, depth: int = 3, direction: Direction = "both") -> LineageGraph:
        _check(depth, direction)
        with self._catalog.read() as session:
            index, root = self._root(session, actor, node)
            nodes, edges = self._walk(index, self._declared.current(session), root, depth, direction)
            return _graph(index, root, direction, depth, nodes, edges)

    def around(self, actor: Principal, node: str, *, depth: int = 3) -> LineageGraph:
        """What a node reads (walking upstream only) and what reads it (downstream only), in one call: unlike
        `both`, it leaves out siblings, such as the other products served from the same table."""
        _check(depth, "both")
        with self._catalog.read() as session:
            index, root = self._root(session, actor, node)
            declared = self._declared.current(session)
            up_nodes, up_edges = self._walk(index, declared, root, depth, "upstream")
            down_nodes, down_edges = self._walk(index, declared, root, depth, "downstream")
            edges = {(e.source, e.target): e for e in [*up_edges, *down_edges]}
            nodes = list(dict.fromkeys([*up_nodes, *down_nodes]))
            return _graph(index, root, "both", depth, nodes, list(edges.values()))

    def impact(self, actor: Principal, node: str, *, column: str | None = None, depth: int = MAX_DEPTH) -> Impact:
        """Everything downstream of a node; with `column`, following column lineage where runs recorded it."""
        with self._catalog.read() as session:
            index, root = self._root(session, actor, node)
            _, edges = self._walk(index, self._declared.current(session), root, depth, "downstream")
            return Impact(node=root, column=column, affected=_affected(root, column, edges, index))

    def _root(self, session: Session, actor: Principal, node: str) -> tuple[NodeIndex, str]:
        index = NodeIndex(session, self._authz, actor, self._sources)
        root = index.parse(node)
        if index.describe(root) is None:
            raise NotFound(f"Lineage node {node!r} not found")
        return index, root

    def _walk(
        self, index: NodeIndex, declared: Declared, root: str, depth: int, direction: Direction
    ) -> tuple[list[str], list[Link]]:
        """Breadth first, one hop at a time: each hop's edges and the nodes they reach are read in a few batched
        queries, and hidden nodes end the path there."""
        seen = {root: 0}
        edges: dict[tuple[str, str], Link] = {}
        level = [root]
        for hop in range(depth):
            if not level or len(seen) >= MAX_NODES:
                break
            found = _neighbours(index, declared, level, direction, MAX_NODES - len(seen))
            reached: list[tuple[Link, str]] = []
            for current in level:
                reached.extend((e, e.target if e.source == current else e.source) for e in found[current])
            following: list[str] = []
            for position, (edge, other) in enumerate(reached):
                if len(seen) >= MAX_NODES:
                    break
                if not index.known(other):  # describe the next stretch of this hop in one go
                    index.prefetch([o for _, o in reached[position : position + CHUNK] if not index.known(o)])
                if index.describe(other) is None:
                    continue
                edges[(edge.source, edge.target)] = edge
                if other not in seen:
                    seen[other] = hop + 1
                    following.append(other)
            level = following
        return list(seen), list(edges.values())


def _neighbours(
    index: NodeIndex, declared: Declared, nodes: list[str], direction: Direction, room: int
) -> dict[str, list[Link]]:
    """Recorded edges first, then the ones the catalog implies, per node."""
    found: dict[str, list[Link]] = {node: [] for node in nodes}
    wanted = set(nodes)
    for chunk in chunked(nodes, CHUNK):
        clauses = []
        if direction in ("downstream", "both"):
            clauses.append(LineageEdgeRow.source.in_(chunk))
        if direction in ("upstream", "both"):
            clauses.append(LineageEdgeRow.target.in_(chunk))
        for row in index.session.scalars(select(LineageEdgeRow).where(or_(*clauses))):
            edge = Link(row.source, row.target, "lineage", dict(row.columns or {}))
            if direction != "upstream" and row.source in wanted:
                found[row.source].append(edge)
            if direction != "downstream" and row.target in wanted and row.target != row.source:
                found[row.target].append(edge)
    implied = column_edges(index, nodes, direction, room)
    downstream = (
        consumers.consumer_edges(index.session, index.sources, nodes, {k: t.id for k, t in index.tables.items()})
        if direction != "upstream"
        else {}
    )
    for node in nodes:
        found[node].extend(implied[node])
        found[node].extend(downstream.get(node, []))
        found[node].extend(declared.edges(node, direction))
    return found


# One step of a pipeline run: its name, and the (namespace, name) of the datasets it read and wrote.
StepIO = tuple[str, list[tuple[str, str]], list[tuple[str, str]]]


def step_key(pipeline: str, step: str) -> str:
    """`step:<domain>/<pipeline>/<step>` from `pipeline:<domain>/<pipeline>`."""
    return f"step:{pipeline.removeprefix('pipeline:')}/{slugify(step)}"


def _check(depth: int, direction: str) -> None:
    if not 1 <= depth <= MAX_DEPTH:
        raise invalid("depth", f"must be between 1 and {MAX_DEPTH}")
    if direction not in ("upstream", "downstream", "both"):
        raise invalid("direction", "must be upstream, downstream or both")


def _graph(
    index: NodeIndex, root: str, direction: Direction, depth: int, nodes: list[str], edges: list[Link]
) -> LineageGraph:
    described = [n for key in nodes if (n := index.describe(key)) is not None]
    answer = [link.edge() for link in edges]
    return LineageGraph.model_construct(root=root, direction=direction, depth=depth, nodes=described, edges=answer)


def _dataset_node(namespace: str, name: str, index: NodeIndex | None) -> str:
    """Mesh tables become table nodes when the sender may read them; anything else stays an outside dataset."""
    if namespace == MESH_NAMESPACE and name.count(".") == 2:
        key = table_key(name)
        if index is None or index.describe(key) is not None:
            return key
    if namespace == MESH_NAMESPACE and name.count("/") == 1:
        key = product_key(*name.split("/"))
        if index is None or index.describe(key) is not None:
            return key
    return f"dataset:{namespace}/{name}"


def _columns_facet(facet: Any, index: NodeIndex | None) -> dict[str, Any]:
    if not isinstance(facet, dict) or not isinstance(facet.get("fields"), dict):
        return {}
    columns: dict[str, Any] = {}
    for out, spec in list(facet["fields"].items())[:2000]:
        inputs = spec.get("inputFields", []) if isinstance(spec, dict) else []
        columns[str(out)] = [
            f"{_dataset_node(str(i.get('namespace')), str(i.get('name')), index)}#{i.get('field')}"
            for i in inputs
            if isinstance(i, dict)
        ]
    return columns


def _upsert_edge(
    session: Session, source: str, target: str, domain_id: str | None, columns: dict[str, Any], now: Any
) -> None:
    row = session.scalar(select(LineageEdgeRow).where(LineageEdgeRow.source == source, LineageEdgeRow.target == target))
    if row is None:
        for pending in session.new:  # the same edge twice in one event
            if isinstance(pending, LineageEdgeRow) and (pending.source, pending.target) == (source, target):
                row = pending
        if row is None:
            session.add(
                LineageEdgeRow(source=source, target=target, domain_id=domain_id, columns=columns, updated_at=now)
            )
            return
    row.updated_at = now
    if columns:
        row.columns = columns


def _affected(root: str, column: str | None, edges: list[Link], index: NodeIndex) -> list[ImpactItem]:
    by_source: dict[str, list[Link]] = {}
    for edge in edges:
        by_source.setdefault(edge.source, []).append(edge)
    wanted: dict[str, set[str] | None] = {root: {column.lower()} if column else None}
    distance = {root: 0}
    parent: dict[str, str] = {}  # the first (so shortest) way each node was reached
    origins: dict[str, set[tuple[str, str]]] = {}  # job-like nodes: the (table, column) pairs that fed them
    queue = deque([root])
    while queue:
        current = queue.popleft()
        for edge in by_source.get(current, []):
            columns = _derived(edge, current, wanted[current], origins.get(current))
            if columns is not None and not columns and wanted[current]:
                continue  # this edge does not use the changed column
            target = edge.target
            if target.startswith(JOBS) and columns:
                fed = origins.get(current) if current.startswith(JOBS) else {(current.lower(), c) for c in columns}
                origins.setdefault(target, set()).update(fed or ())
            previous = wanted.get(target, set())
            merged = None if columns is None or previous is None else previous | columns
            if target not in distance:
                distance[target] = distance[current] + 1
                parent[target] = current
                queue.append(target)
            wanted[target] = merged
    items = []
    for key, hops in distance.items():
        described = index.describe(key)
        if key == root or described is None:
            continue
        changed = sorted(wanted[key] or [])
        via = _via(parent, root, key)
        items.append(ImpactItem.model_construct(node=key, kind=described.kind, columns=changed, distance=hops, via=via))
    return sorted(items, key=lambda i: (i.distance, i.node))


def _via(parent: dict[str, str], root: str, key: str) -> list[str]:
    hops: list[str] = []
    while (key := parent.get(key, root)) != root:
        hops.append(key)
    return hops[::-1]


JOBS = ("pipeline:", "step:", "job:")


def _derived(
    edge: Link, source: str, columns: set[str] | None, origins: set[tuple[str, str]] | None = None
) -> set[str] | None:
    """Output columns of `edge` computed from `columns` of `source`; None means 'all / unknown'.

    Out of a job, step or pipeline, an output column counts when its input is a column that fed the job from the
    changed side (`origins`), not merely one of the same name in another input table."""
    if columns is None:
        return None
    if not edge.columns:  # structural edge or a job hop: the same columns pass through
        return set(columns)
    out = set()
    for output, inputs in edge.columns.items():
        for ref in inputs:
            node, _, name = str(ref).partition("#")
            if name.lower() not in columns:
                continue
            if node == source or (source.startswith(JOBS) and (not origins or (node.lower(), name.lower()) in origins)):
                out.add(output.lower())
    return out
