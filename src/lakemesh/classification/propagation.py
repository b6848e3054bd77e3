"""Labels follow the data: when a column's sensitivity label is set, the columns derived from it downstream (column
lineage of pipeline SQL steps, OpenLineage column facets received at `POST /lineage`, shortcuts, and products'
input ports) get a suggestion to carry at least the same label, with the path it came along.

An outbox consumer sees every `table.updated` event that sets a label; the walk and the suggestions happen after
the consumer's batch commits (on SQLite the batch holds the write lock), so a crash in between loses that one
propagation, never a label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.catalog.outbox import consume
from lakemesh.core.errors import LakemeshError
from lakemesh.lineage.service import LineageService
from lakemesh.products.service import ProductService

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow
    from lakemesh.classification.service import ClassificationService

log = logging.getLogger(__name__)
CONSUMER = "classification-propagation"


@dataclass(frozen=True)
class LabelSet:
    table: str  # domain.lakehouse.table
    column: str
    label: str


def labels_set(events: list[OutboxRow]) -> list[LabelSet]:
    found = []
    for event in events:
        if event.type != "table.updated" or not isinstance(event.payload, dict):
            continue
        columns: dict[str, Any] = event.payload.get("columns") or {}
        for column, change in columns.items():
            label = (change or {}).get("sensitivity_label") if isinstance(change, dict) else None
            if label:
                found.append(LabelSet(str(event.payload.get("table") or ""), column, label))
    return found


@dataclass
class Batch:
    """What one pass over the outbox found: labels set, and tables written or deleted (id -> when)."""

    labels: list[LabelSet] = field(default_factory=list)
    tables: dict[str, datetime] = field(default_factory=dict)


def _collect_into(batch: Batch) -> Callable[[list[OutboxRow]], None]:
    def collect(events: list[OutboxRow]) -> None:
        batch.labels.extend(labels_set(events))
        for event in events:
            if event.type in ("table.written", "table.deleted"):
                batch.tables[event.resource_id] = max(event.at, batch.tables.get(event.resource_id, event.at))

    return collect


class Propagation:
    def __init__(
        self, service: ClassificationService, lineage: LineageService, products: ProductService, system: Any
    ) -> None:
        self._service, self._lineage, self._products, self._system = service, lineage, products, system

    def catch_up(self) -> int:
        """Consume label changes from the outbox and suggest their labels downstream (and drop the suggestions of
        tables and columns that are gone); returns suggestions made."""
        made = 0
        while True:
            batch = Batch()
            count = consume(self._service.catalog, CONSUMER, _collect_into(batch), now=self._service.now())
            if batch.tables:
                self._service.prune(batch.tables)
            for change in batch.labels:
                made += self.propagate(self._system(), change)
            if count == 0:
                return made

    def propagate(self, system: Principal, change: LabelSet) -> int:
        """Walk the column's lineage downstream: tables reached through pipeline steps, shortcuts and OpenLineage
        column facets get the derived columns; a product reached through an input port passes the columns of the
        same name on to the table it is served from."""
        try:
            impact = self._lineage.impact(system, f"table:{change.table}", column=change.column)
        except LakemeshError as exc:  # the table went away meanwhile
            log.info("no propagation from %s.%s: %s", change.table, change.column, exc)
            return 0
        tables = {i.node.removeprefix("table:") for i in impact.affected if i.kind == "table"}
        source = (change.table, change.column)
        made = 0
        for item in impact.affected:
            if not item.columns:
                continue
            if item.kind == "table":
                target, hops = item.node.removeprefix("table:"), item.via
            elif item.kind == "product" and (served := self._served_from(system, item.node)) is not None:
                if served in tables or served == change.table:
                    continue  # that table is walked itself, with its own column lineage
                target, hops = served, [*item.via, f"port:{item.node.removeprefix('product:')}"]
            else:
                continue
            path = f"derived from {change.table}.{change.column}" + (
                f" via {' → '.join(map(_hop, hops))}" if hops else ""
            )
            made += self._service.suggest_label(system, target, item.columns, change.label, path, source)
        return made

    def _served_from(self, system: Principal, node: str) -> str | None:
        domain, _, slug = node.removeprefix("product:").partition("/")
        try:
            return self._products.get(system, domain, slug).table
        except LakemeshError:
            return None


HOPS = {"pipeline": "pipeline", "job": "job", "product": "product", "dataset": "dataset", "port": "input port of"}


def _hop(node: str) -> str:
    """A node of the path in words: `pipeline sales/crm (step silver)`, a table by its qualified name."""
    kind, _, name = node.partition(":")
    if kind == "step":
        pipeline, _, step = name.rpartition("/")
        return f"pipeline {pipeline} (step {step})"
    if kind == "table":
        return name
    return f"{HOPS.get(kind, kind)} {name}"
