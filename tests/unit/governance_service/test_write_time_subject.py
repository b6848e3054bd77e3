"""Issue 28.3: a write warns exactly when the compliance evaluation after it lists the table (every attribute)."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pyarrow as pa
import pytest

from lakemesh.mesh import Mesh
from tests.unit.governance_service.conftest import policy

TABLE = ("Sales", "sales_lakehouse", "gold_invoices")
QUALIFIED = "sales/sales_lakehouse/gold_invoices"
TABLE_FACTS = [
    "domain = 'Sales'",
    "lakehouse = 'sales_lakehouse'",
    "name = 'gold_invoices'",
    f"qualified_name = '{QUALIFIED}'",
    "layer = 'gold'",
    "retention_days >= 7",
    "last_refresh within 24h",
    "row_count >= 4",
    "size_bytes > 0",
    "description is set",
    "partition_columns is set",
    "column_names in ('amount')",
    "column_count = 2",
    "tags is set",
    "is_shortcut = false",
]
COLUMN_FACTS = [
    "name = 'amount'",
    "type = 'decimal(18,2)'",
    "description is set",
    "sensitivity_label is set",
    "nullable = true",
    "tags is set",
    "domain = 'Sales'",
    "lakehouse = 'sales_lakehouse'",
    "table = 'gold_invoices'",
    f"table_qualified_name = '{QUALIFIED}'",
    "layer = 'gold'",
]


def invoices(n: int) -> pa.Table:
    return pa.table(
        {
            "invoice_id": pa.array([f"i{i}" for i in range(n)]),
            "amount": pa.array([Decimal("1.00")] * n, pa.decimal128(18, 2)),
        }
    )


def test_the_inherited_retention_gives_no_false_warning(mesh: Mesh) -> None:
    mesh.write_table(*TABLE, invoices(2))
    mesh.put_policy(policy("retention-minimum", "tables must have retention_days >= 7"))
    assert mesh.get_table(*TABLE).retention_days >= 7
    assert mesh.write_table(*TABLE, invoices(2)).warnings == []
    product = {
        "name": "Invoices",
        "domain": "Sales",
        "owner": "admin",
        "contract": {"schema": {"invoice_id": {"type": "string"}}},
        "storage": {"lakehouse": "sales_lakehouse", "table": "gold_invoices"},
    }
    assert mesh.create_product(product).warnings == []
    assert mesh.publish_product("Sales", "Invoices").warnings == []
    mesh.evaluate_policies()
    assert mesh.list_violations() == []


@pytest.mark.parametrize("kind", ["tables", "columns"])
def test_write_time_and_report_verdicts_agree_for_every_built_in_attribute(mesh: Mesh, kind: str) -> None:
    mesh.write_table(*TABLE, invoices(2))
    mesh.update_table(*TABLE, description="Invoices", columns={"amount": {"description": "Amount"}})
    facts = TABLE_FACTS if kind == "tables" else COLUMN_FACTS
    names = {}
    for index, fact in enumerate(facts):
        for verb in ("have", "not have"):
            name = f"{kind[:3]}-{index}-{verb.replace(' ', '-')}"
            names[name] = fact
            rule = f"{kind} in domain 'Sales' must {verb} {fact}"
            mesh.put_policy(policy(name, rule))
    warned = Counter(
        match.group(1)
        for w in mesh.write_table(*TABLE, invoices(2)).warnings
        if (match := re.match(r"policy (\S+)", w))
    )
    mesh.evaluate_policies()
    reported = Counter(v.policy for v in mesh.list_violations() if QUALIFIED in v.subject_id)
    assert warned == reported
    # Each fact holds for the table or fails, never both or neither (for the table; columns differ by column).
    if kind == "tables":
        for index in range(len(facts)):
            pair = [f"tab-{index}-have", f"tab-{index}-not-have"]
            assert sum(reported[p] for p in pair) == 1, names[pair[0]]
