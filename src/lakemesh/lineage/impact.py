"""Downstream impact of a contract change, for the products' breaking-change check.

Products do not import lineage: the platform registers `change_impact(lineage)` with
`ProductService.register_impact_source`, so either capability works without the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.core.errors import NotFound
from lakemesh.lineage.events import table_key
from lakemesh.lineage.service import LineageService

# (who asks, `domain.lakehouse.table`, changed columns; empty = the whole table) -> what is downstream
ImpactSource = Callable[[Principal, str, list[str]], list[dict[str, Any]]]


def change_impact(lineage: LineageService) -> ImpactSource:
    """Everything downstream of the changed columns that the asker may see (hidden consumers are not counted)."""

    def impacted(actor: Principal, table: str, columns: list[str]) -> list[dict[str, Any]]:
        root = table_key(table)
        merged: dict[str, dict[str, Any]] = {}
        asked: list[str | None] = list(columns) or [None]
        for column in asked:
            try:
                impact = lineage.impact(actor, root, column=column)
            except NotFound:  # the asker cannot see the table's lineage: report nothing rather than guess
                return []
            for item in impact.affected:
                entry = merged.setdefault(
                    item.node,
                    {"node": item.node, "kind": item.kind, "distance": item.distance, "columns": [], "because_of": []},
                )
                entry["distance"] = min(entry["distance"], item.distance)
                entry["columns"] = sorted({*entry["columns"], *item.columns})
                if column is not None:
                    entry["because_of"] = sorted({*entry["because_of"], column})
        return sorted(merged.values(), key=lambda e: (e["distance"], e["node"]))

    return impacted
