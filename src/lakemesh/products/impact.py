"""Impact decoration: what downstream reads the part of a product a change touches (sources: lineage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.errors import Conflict, ErrorItem
from lakemesh.products.compat import Change
from lakemesh.products.versioning import breaking_conflict

# (who asks, `domain.lakehouse.table`, changed columns; empty = whole table) -> downstream consumers (lineage).
ImpactSource = Callable[[Principal, str, list[str]], list[dict[str, Any]]]


class ImpactReport:
    """Adds `impacted` to breaking-change 409s and version diffs; empty until a source (lineage) registers."""

    def __init__(self) -> None:
        self._sources: list[ImpactSource] = []

    def register(self, source: ImpactSource) -> None:
        self._sources.append(source)

    def impacted(self, actor: Principal, row: ProductRow, domain: DomainRow, change: Change) -> list[dict[str, Any]]:
        if not self._sources:
            return []
        storage = row.spec["storage"]
        table = f"{domain.slug}.{storage['lakehouse']}.{storage['table']}"
        columns = [change.path.removeprefix("schema.")] if change.path.startswith("schema.") else []
        own = f"product:{domain.slug}/{row.slug}"
        return [i for source in self._sources for i in source(actor, table, columns) if i.get("node") != own]

    def breaking(self, actor: Principal, row: ProductRow, domain: DomainRow, breaking: list[Change]) -> Conflict:
        """The 409 for a breaking change, each item with `impacted`: what downstream reads the changed part."""
        conflict = breaking_conflict(row, breaking)
        if not self._sources:
            return conflict
        items = [
            ErrorItem(item.loc, item.message, {**item.extra, "impacted": self.impacted(actor, row, domain, change)})
            for change, item in zip(breaking, conflict.errors, strict=True)
        ]
        nodes = list(dict.fromkeys(i["node"] for item in items for i in item.extra["impacted"]))
        detail = conflict.detail
        if nodes:
            more = f" and {len(nodes) - 5} more" if len(nodes) > 5 else ""
            detail += f". Downstream that may break: {', '.join(nodes[:5])}{more}"
        return Conflict(detail, errors=items)
