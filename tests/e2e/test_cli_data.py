"""The CLI as a data engineer uses it: lakehouse, tables from files, reads, products from YAML; errors are one line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from lakemesh.core.settings import Settings
from tests.cli_support import run_cli
from tests.unit.products.seed import CUSTOMER_360


def run(settings: Settings, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """`lakemesh ARGS` on the test's home, in this process (tests/cli_support.py says why and which tests keep
    starting real processes)."""
    env = {**os.environ, "LAKEMESH_HOME": str(settings.home)}
    env.pop("LAKEMESH_URL", None)
    if settings.catalog_url:
        env["LAKEMESH_CATALOG_URL"] = settings.catalog_url
    result = run_cli(env, *args)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.e2e
def test_cli_lakehouse_tables_and_products(settings: Settings, tmp_path: Path) -> None:
    run(settings, "init")
    run(settings, "principal", "create", "sales-data-team@company.com")
    run(settings, "domain", "create", "Sales")
    run(
        settings,
        "lakehouse",
        "create",
        "Sales",
        "sales_lakehouse",
        "--template",
        "domain-lakehouse-template",
        "--description",
        "Sales data",
        "--steward",
        "steward@company.com",
    )
    csv = tmp_path / "orders.csv"
    csv.write_text("order_id,amount\n1,10.5\n2,20.0\n")
    written = json.loads(
        run(settings, "table", "write", "sales.sales_lakehouse.bronze_orders", str(csv), "--json").stdout
    )
    assert written["rows_written"] == 2
    out = run(settings, "table", "read", "sales.sales_lakehouse.bronze_orders", "--format", "json").stdout
    assert [json.loads(line)["order_id"] for line in out.splitlines()] == [1, 2]
    parquet = tmp_path / "export.parquet"
    run(settings, "table", "read", "sales.sales_lakehouse.bronze_orders", "--format", "parquet", "-o", str(parquet))
    assert pq.read_table(parquet).num_rows == 2
    history = json.loads(run(settings, "table", "history", "sales.sales_lakehouse.bronze_orders", "--json").stdout)
    assert history[0]["operation"] in {"WRITE", "CREATE TABLE"} and history[0]["rows_added"] == 2
    feed = run(settings, "table", "change-feed", "sales.sales_lakehouse.bronze_orders", "--on").stdout
    assert "change data feed on" in feed
    from deltalake import DeltaTable

    orders = next((settings.home / "data").rglob("bronze_orders"))
    assert DeltaTable(str(orders)).metadata().configuration["delta.enableChangeDataFeed"] == "true"

    from datetime import UTC, datetime

    from lakemesh.demo.data import customer_360

    data = tmp_path / "customers.parquet"
    pq.write_table(customer_360(50, now=datetime.now(UTC)), data)
    run(settings, "table", "write", "sales.sales_lakehouse.gold_customer_360", str(data))
    product_file = tmp_path / "product.yaml"
    product_file.write_text(yaml.safe_dump(CUSTOMER_360))
    run(settings, "product", "create", "-f", str(product_file))
    published = json.loads(run(settings, "product", "publish", "sales/customer-360", "--json").stdout)
    assert published["status"] == "published"
    odcs = yaml.safe_load(run(settings, "product", "contract", "sales/customer-360").stdout)
    assert odcs["kind"] == "DataContract"

    bad = tmp_path / "bad.parquet"
    pq.write_table(customer_360(5, now=datetime.now(UTC)).set_column(2, "segment", pa.array(["Gold"] * 5)), bad)
    refused = run(settings, "table", "write", "sales.sales_lakehouse.gold_customer_360", str(bad), ok=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ") and len(refused.stderr.strip().splitlines()) == 1
    assert "enum" in refused.stderr

    for args in (
        ["table", "show", "not-a-table"],
        ["table", "write", "sales.sales_lakehouse.x", str(tmp_path / "missing.csv")],
        ["product", "create", "-f", str(csv)],
        ["lakehouse", "create", "Sales", "../escape"],
    ):
        failed = run(settings, *args, ok=False)
        assert failed.returncode == 1 and failed.stderr.startswith("error: "), (args, failed.stderr)
        assert "Traceback" not in failed.stderr


@pytest.mark.e2e
def test_cli_table_update_sets_description_layer_and_retention(settings: Settings, tmp_path: Path) -> None:
    """Issue 28.5: a table's description (which policies ask for) without a raw PATCH."""
    run(settings, "init")
    run(settings, "domain", "create", "Finance")
    run(settings, "lakehouse", "create", "Finance", "finance_lakehouse")
    csv = tmp_path / "invoices.csv"
    csv.write_text("invoice_id,amount\nINV-1,10.50\n")
    run(settings, "table", "write", "finance.finance_lakehouse.invoices", str(csv))
    table = "finance.finance_lakehouse.invoices"
    args = ["--description", "Invoices as billed", "--layer", "gold", "--retention-days", "30", "--json"]
    updated = json.loads(run(settings, "table", "update", table, *args).stdout)
    assert (updated["description"], updated["layer"], updated["retention_days"]) == ("Invoices as billed", "gold", 30)
    refused = run(settings, "table", "update", table, ok=False)
    assert refused.returncode != 0 and len(refused.stderr.strip().splitlines()) == 1
