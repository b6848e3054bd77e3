"""Labels follow the data: when a column's sensitivity label is set, the columns derived from it downstream (column
lineage of pipeline SQL steps, OpenLineage column facets, shortcuts and other catalog edges) get a suggestion to
carry at least the same label, with the path it came along.

An outbox consumer sees every `table.updated` event that sets a label; the walk and the suggestions happen after
the consumer's batch commits (on SQLite the batch holds the write lock), so a crash in between loses that one
propagation, never a label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.catalog.outbox import consume
from lakemesh.core.errors import LakemeshError
from lakemesh.lineage.service import LineageService

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


def _collect_into(batch: list[LabelSet]) -> Callable[[list[OutboxRow]], None]:
    return lambda events: batch.extend(labels_set(events))


class Propagation:
    def __init__(self, service: ClassificationService, lineage: LineageService, system: Any) -> None:
        self._service, self._lineage, self._system = service, lineage, system

    def catch_up(self) -> int:
        """Consume label changes from the outbox and suggest their labels downstream; returns suggestions made."""
        made = 0
        while True:
            batch: list[LabelSet] = []
            count = consume(self._service.catalog, CONSUMER, _collect_into(batch), now=self._service.now())
            for change in batch:
                made += self.propagate(self._system(), change)
            if count == 0:
                return made

    def propagate(self, system: Principal, change: LabelSet) -> int:
        try:
            impact = self._lineage.impact(system, f"table:{change.table}", column=change.column)
        except LakemeshError as exc:  # the table went away meanwhile
            log.info("no propagation from %s.%s: %s", change.table, change.column, exc)
            return 0
        made = 0
        for item in impact.affected:
            if item.kind != "table" or not item.columns:
                continue
            via = [i.node for i in impact.affected if i.kind != "table" and i.distance < item.distance]
            path = f"derived from {change.table}.{change.column}" + (f" via {', '.join(via)}" if via else "")
            target = item.node.removeprefix("table:")
            made += self._service.suggest_label(system, target, item.columns, change.label, path, change.table)
        return made
