"""The catalog snapshot's fast build gives rules exactly the subjects the per-table build (`table_subject`) gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from sqlalchemy import insert, select

from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.ids import new_id
from lakemesh.governance.snapshot import load_snapshot, table_subject
from lakemesh.governance.subjects import TableSubject
from lakemesh.mesh import Mesh

COLUMNS = [
    {"name": "email", "type": "string", "nullable": False, "sensitivity_label": "Confidential", "tags": ["pii"]},
    {"name": "ssn", "description": "", "classifications": ["ssn", "national-id"], "tags": []},
    {"name": "score", "type": "double", "description": "Churn score", "nullable": True, "terms": ["Stored term"]},
]


def _rich_table(admin: Mesh) -> str:
    """A table whose stored document has what the service rarely writes: tags, classifications, a NaN property
    (which only SQLite stores: PostgreSQL's jsonb refuses it)."""
    properties: dict[str, object] = {"tags": ["pii", 7]}
    if admin.platform.catalog.is_sqlite:
        properties["ratio"] = float("nan")
    with admin.platform.catalog.transaction() as session:
        lakehouse = session.scalar(select(LakehouseRow).where(LakehouseRow.name == "sales_lakehouse"))
        assert lakehouse is not None
        table_id = new_id("tbl")
        now = datetime(2025, 6, 1, tzinfo=UTC)
        session.execute(
            insert(TableRow),
            [
                {
                    "id": table_id,
                    "lakehouse_id": lakehouse.id,
                    "domain_id": lakehouse.domain_id,
                    "name": "Silver_Leads",
                    "layer": "SILVER",
                    "columns": COLUMNS,
                    "partition_columns": ["email"],
                    "properties": properties,
                    "description": "",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    return table_id


def test_the_snapshot_holds_the_same_tables_and_columns_as_built_one_by_one(admin: Mesh) -> None:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse", retention_days=45)
    admin.write_table("Sales", "sales_lakehouse", "gold_orders", pa.table({"id": [1], "email": ["a@x.com"]}))
    admin.update_table("Sales", "sales_lakehouse", "gold_orders", columns={"email": {"sensitivity_label": "Public"}})
    rich = _rich_table(admin)
    terms = {rich: {"email": ("Personal data", "Contact")}}
    with admin.platform.catalog.read() as session:
        snapshot = load_snapshot(session, column_terms=terms)
        rows = list(session.scalars(select(TableRow)))
        expected: dict[str, TableSubject] = {}
        for row in rows:
            linked = terms.get(row.id)
            columns = [{**c, "terms": linked.get(c["name"], ())} for c in row.columns] if linked else None
            expected[row.name] = table_subject("Sales", "sales_lakehouse", row, columns=columns, retention_days=45)
    [subjects] = snapshot.by_domain.values()
    built = {t.name: t for t in subjects.tables}
    assert built == expected
    leads = built["Silver_Leads"]
    assert (leads.layer, leads.retention_days, leads.tags) == ("silver", 45, ("pii", "7"))
    email, ssn, score = leads.columns
    assert (email.terms, email.tags, email.nullable, email.layer) == (
        ("Personal data", "Contact"),
        ("pii",),
        False,
        "silver",
    )
    assert (ssn.classifications, ssn.description, ssn.terms) == (("ssn", "national-id"), None, ())
    assert (score.type, score.terms) == ("double", ())  # the glossary's links replace what the document says
    assert [c.subject_id for c in subjects.of_kind("column")][-3:] == [
        "column:sales/sales_lakehouse/silver_leads/email",
        "column:sales/sales_lakehouse/silver_leads/ssn",
        "column:sales/sales_lakehouse/silver_leads/score",
    ]
