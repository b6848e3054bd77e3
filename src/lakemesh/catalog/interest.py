"""Which outbox events a consumer acts on, said once: tested in memory by writers, and in SQL by the consumer.

Most writes raise events an after-commit consumer ignores (a principal created over SCIM means nothing to the
search index). Writers skip consumers whose interest none of their events match, so such a write pays for no
consumer transaction; the consumer's position moves past the ignored events when it next runs (the next
interesting write, or its scheduled job), reading only the events it acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_

from lakemesh.catalog.tables.audit import OutboxRow

EventKind = tuple[str, str]  # (type, resource_type) of an outbox event: ("domain.deleted", "domain")


@dataclass(frozen=True)
class Interest:
    """Events of any of `resource_types`, or of any of `types`."""

    resource_types: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()

    def matches(self, kinds: set[EventKind]) -> bool:
        return any(t in self.types or r in self.resource_types for t, r in kinds)

    def where(self) -> ColumnElement[bool]:
        """The same test as a condition on the outbox table."""
        conditions = []
        if self.resource_types:
            conditions.append(OutboxRow.resource_type.in_(sorted(self.resource_types)))
        if self.types:
            conditions.append(OutboxRow.type.in_(sorted(self.types)))
        return or_(*conditions) if conditions else false()
