"""Impact decoration: what downstream reads the part of a product a change touches (sources: lineage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.errors import Conflict, ErrorItem
from lakemesh.products.compat import Change
from lakemesh.products.versioning import breaking_conflict

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

# (who asks, `domain.lakehouse.table`, changed columns; empty = whole table) -> downstream consumers (lineage).
ImpactSource = Callable[[Principal, str, list[str]], list[dict[str, Any]]]
# (who asks, product id, changed columns; empty = whole table) -> (agreements the asker may read, how many others).
AgreementSource = Callable[[Principal, str, list[str]], tuple[list[dict[str, Any]], int]]


class ImpactReport:
    """Adds `impacted` to breaking-change 409s and version diffs; empty until a source (lineage) registers."""

    def __init__(self) -> None:
        self._sources: list[ImpactSource] = []
        self._agreements: list[AgreementSource] = []

    def register(self, source: ImpactSource) -> None:
        self._sources.append(source)

    def register_agreements(self, source: AgreementSource) -> None:
        self._agreements.append(source)

    def agreements(self, actor: Principal, row: ProductRow, change: Change) -> tuple[list[dict[str, Any]], int]:
        """Usage agreements in force that use the changed part: those the actor may read, and a count of the rest."""
        columns = _columns(change)
        shown: list[dict[str, Any]] = []
        hidden = 0
        for source in self._agreements:
            found, others = source(actor, row.id, columns)
            shown += found
            hidden += others
        return shown, hidden

    def impacted(self, actor: Principal, row: ProductRow, domain: DomainRow, change: Change) -> list[dict[str, Any]]:
        if not self._sources:
            return []
        storage = row.spec["storage"]
        table = f"{domain.slug}.{storage['lakehouse']}.{storage['table']}"
        columns = _columns(change)
        own = f"product:{domain.slug}/{row.slug}"
        return [i for source in self._sources for i in source(actor, table, columns) if i.get("node") != own]

    def breaking(self, actor: Principal, row: ProductRow, domain: DomainRow, breaking: list[Change]) -> Conflict:
        """The 409 for a breaking change, each item with `impacted` (what downstream reads the changed part) and
        `agreements` (the usage agreements in force on it)."""
        conflict = breaking_conflict(row, breaking)
        if not self._sources and not self._agreements:
            return conflict
        items: list[ErrorItem] = []
        agreements: dict[str, dict[str, Any]] = {}
        hidden = 0
        for change, item in zip(breaking, conflict.errors, strict=True):
            extra = dict(item.extra)
            if self._sources:
                extra["impacted"] = self.impacted(actor, row, domain, change)
            if self._agreements:
                shown, others = self.agreements(actor, row, change)
                extra["agreements"] = shown
                agreements |= {a["agreement"]: a for a in shown}
                hidden = max(hidden, others)
            items.append(ErrorItem(item.loc, item.message, extra))
        nodes = list(dict.fromkeys(i["node"] for item in items for i in item.extra.get("impacted", [])))
        detail = conflict.detail
        if nodes:
            more = f" and {len(nodes) - 5} more" if len(nodes) > 5 else ""
            detail += f". Downstream that may break: {', '.join(nodes[:5])}{more}"
        if agreements or hidden:
            named = [f"{a['agreement']} ({a['consumer']})" for a in list(agreements.values())[:5]]
            more_named = len(agreements) - len(named)
            if more_named or hidden:
                named.append(f"{more_named + hidden} more" + (" that only their parties see" if hidden else ""))
            detail += f". Usage agreements it touches: {', '.join(named)}"
        return Conflict(detail, errors=items)


def _columns(change: Change) -> list[str]:
    """The column a change is about, or none for a change to the table as a whole."""
    return [change.path.removeprefix("schema.")] if change.path.startswith("schema.") else []
