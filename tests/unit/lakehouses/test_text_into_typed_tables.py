"""Issue 28.4: CSV and JSON lines into an existing typed table (CLI/in-process and pipeline ingest)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh
from lakemesh.storage.arrowio import open_reader

TABLE = ("Finance", "finance_lakehouse", "gold_invoices")


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_domain("Finance")
    admin.create_lakehouse("Finance", "finance_lakehouse")
    typed = pa.table(
        {
            "invoice_id": pa.array(["007"]),
            "amount": pa.array([Decimal("1.00")], pa.decimal128(18, 2)),
            "issued": pa.array([None], pa.date32()),
        }
    )
    admin.write_table(*TABLE, typed)
    return admin


def test_a_csv_is_parsed_with_the_table_types(mesh: Mesh, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("invoice_id,amount,issued\n008,-50.00,2025-01-31\n009,,\n")
    assert mesh.write_table(*TABLE, open_reader(path, "csv")).rows_written == 2
    rows = {r["invoice_id"]: r for r in mesh.read_table(*TABLE).to_pylist()}
    assert rows["008"]["amount"] == Decimal("-50.00") and str(rows["008"]["issued"]) == "2025-01-31"
    assert rows["009"]["amount"] is None and "007" in rows  # leading zeros of a string column are kept


def test_a_value_that_does_not_fit_is_a_422_per_column_with_row_numbers(mesh: Mesh, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("invoice_id,amount,issued\n010,1.005,2025-01-31\n011,2,not-a-date\n012,abc,\n")
    with pytest.raises(InvalidInput) as refused:
        mesh.write_table(*TABLE, open_reader(path, "csv"))
    by_column = {e.loc[-1]: e.extra["rows"] for e in refused.value.errors}
    assert by_column == {"amount": [1, 3], "issued": [2]}
    assert mesh.get_table(*TABLE).row_count == 1


def test_json_lines_are_cast_to_the_table_types(mesh: Mesh, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"invoice_id": "013", "amount": 12.5, "issued": "2025-02-01"}\n')
    assert mesh.write_table(*TABLE, open_reader(path, "ndjson")).rows_written == 1


def test_a_csv_for_a_new_table_still_gets_inferred_types(mesh: Mesh, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("id,amount\n1,2.5\n")
    mesh.write_table("Finance", "finance_lakehouse", "bronze_new", open_reader(path, "csv"))
    schema = mesh.read_table("Finance", "finance_lakehouse", "bronze_new").schema
    assert (schema.field("id").type, schema.field("amount").type) == (pa.int64(), pa.float64())


def test_pipeline_ingest_into_an_existing_typed_table(mesh: Mesh) -> None:
    mesh.upload_file("Finance", "finance_lakehouse", "in/invoices.csv", io.BytesIO(b"invoice_id,amount\n014,3.10\n"))
    pipeline = {
        "name": "invoices",
        "lakehouse": "finance_lakehouse",
        "steps": [
            {
                "name": "ingest",
                "type": "ingest",
                "source": {"files": "in/*.csv"},
                "target": {"table": "gold_invoices"},
            }
        ],
    }
    mesh.apply_pipeline("Finance", pipeline)
    assert mesh.run_pipeline("Finance", "invoices").state == "succeeded"
    amounts = {r["invoice_id"]: r["amount"] for r in mesh.read_table(*TABLE).to_pylist()}
    assert amounts["014"] == Decimal("3.10")
