"""The write guard: every write to a table bound to a published or deprecated product is checked against its contract
(and its quality rules on write); violations in `warn` mode are journaled, in `block` mode they refuse the write."""

from __future__ import annotations

import pyarrow as pa

from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.core.clock import Clock
from lakemesh.lakehouses.tables import TableHandle, TableService
from lakemesh.products.contract import ContractSpec
from lakemesh.products.enforce import Violation
from lakemesh.products.guard import ContractCheck
from lakemesh.products.status import VISIBLE_TO_ALL
from lakemesh.products.store import products_on_table
from lakemesh.products.write_rules import RowRulesCheck, rules_on_write


class ContractWriteGuard:
    """Registered with table data by products' install(): called before each write commits."""

    def __init__(self, catalog: Catalog, clock: Clock, tables: TableService) -> None:
        self._catalog = catalog
        self._clock = clock
        self._tables = tables

    def __call__(self, handle: TableHandle, schema: pa.Schema, mode: str) -> ContractCheck | None:
        with self._catalog.read() as session:
            bound = products_on_table(session, handle.table.id, VISIBLE_TO_ALL)
        if not bound:
            return None
        row = bound[0]
        qualified = f"{handle.domain.slug}/{row.slug}"

        def warn(violations: list[Violation]) -> None:
            with self._catalog.transaction() as session:
                record(
                    session,
                    at=self._clock.now(),
                    actor=None,
                    action="product.contract_violation",
                    resource_type="product",
                    resource_id=row.id,
                    resource_name=qualified,
                    domain=handle.domain.slug,
                    payload={"table": handle.qualified_name, "violations": [v.message for v in violations]},
                )

        contract = ContractSpec.model_validate(row.spec["contract"])
        unique = [name for name, column in contract.columns.items() if column.unique]
        existing: dict[str, pa.ChunkedArray] = {}
        if unique and mode == "append" and self._tables.delta.exists(handle.uri):
            # Read before the write starts: delta-rs cannot be re-entered from inside its own write stream.
            current = self._tables.delta.read(handle.uri, columns=unique).read_all()
            existing = {c: current.column(c) for c in unique}
        check = ContractCheck(qualified, handle.qualified_name, contract, row.enforcement, existing, warn)
        rules = rules_on_write(
            row.spec.get("quality_rules") or [], all_errors=bool(row.spec.get("quality_rules_on_write"))
        )
        if rules:
            check.row_rules = RowRulesCheck(rules, self._clock.now(), list(contract.columns))
        return check
