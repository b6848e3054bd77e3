"""One type vocabulary: what `table show` prints is what the docs list and what a schema may say."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from lakemesh.mesh import Mesh
from lakemesh.storage.types import parse_type


def test_table_types_read_as_the_docs_name_them(admin: Mesh) -> None:
    admin.create_domain("Finance")
    admin.create_lakehouse("Finance", "finance_lakehouse")
    data = pa.table(
        {
            "paid": pa.array([True]),
            "issued_on": pa.array([date(2026, 1, 1)], pa.date32()),
            "issued_at": pa.array([datetime(2026, 1, 1, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
            "amount": pa.array([Decimal("1.50")], pa.decimal128(18, 2)),
            "n": pa.array([1], pa.int64()),
        }
    )
    admin.write_table("Finance", "finance_lakehouse", "invoices", data)
    columns = admin.get_table("Finance", "finance_lakehouse", "invoices").columns
    shown = {c.name: c.type for c in columns}
    assert shown == {
        "paid": "boolean",
        "issued_on": "date",
        "issued_at": "timestamp",
        "amount": "decimal(18,2)",
        "n": "int64",
    }
    for column in columns:  # a shown name is also a name you may write in a schema
        assert parse_type(column.type) == data.schema.field(column.name).type
