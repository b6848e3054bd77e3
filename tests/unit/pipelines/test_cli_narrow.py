"""The CLI at 80 columns: nothing that matters is cut off, contracts are a table, attempts are counted per step."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from tests.unit.pipelines.conftest import ORDERS_CSV, ingest_and_transform

PRODUCT = {
    "name": "Customer Totals",
    "domain": "Sales",
    "owner": "admin",
    "contract": {
        "schema": {
            "customer_id": {"type": "string", "required": True, "unique": True, "description": "Who"},
            "total": {"type": "double", "sensitivity_label": "Internal"},
        },
        "sla": {"freshness": "24h"},
    },
    "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "silver_customer_totals"},
}


@pytest.fixture
def cli(admin: Mesh, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    admin.platform.pipelines.scheduling.sleep = lambda _: None
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.upload_file("Sales", "sales_lakehouse", "orders/a.csv", io.BytesIO(ORDERS_CSV))
    admin.apply_pipeline("Sales", ingest_and_transform())
    assert admin.run_pipeline("Sales", "orders").state == "succeeded"
    admin.create_product(PRODUCT)
    monkeypatch.setenv("LAKEMESH_HOME", str(settings.home))
    monkeypatch.setenv("LAKEMESH_TOKEN", admin.create_token().secret)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("LAKEMESH_URL", raising=False)
    if settings.catalog_url:
        monkeypatch.setenv("LAKEMESH_CATALOG_URL", settings.catalog_url)
    return CliRunner()


def test_lineage_at_80_columns_shows_whole_node_names(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["lineage", "graph", "table:sales.sales_lakehouse.bronze_orders", "--direction",
                              "downstream"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert "table:sales.sales_lakehouse.silver_customer_totals" in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())


def test_product_show_renders_the_contract_as_a_table(cli: CliRunner) -> None:
    result = cli.invoke(app, ["product", "show", "sales/customer-totals"])
    assert result.exit_code == 0, result.output
    assert '{"schema"' not in result.output and '"type"' not in result.output  # no JSON blob
    lines = result.output.splitlines()
    assert any(line.split()[:2] == ["column", "customer_id"] for line in lines)
    assert any(line.split()[:2] == ["required", "yes"] for line in lines)
    assert any(line.split()[:2] == ["sensitivity", "Internal"] for line in lines)
    assert any("freshness 24h" in line for line in lines)


def test_pipeline_runs_count_attempts_per_step(cli: CliRunner) -> None:
    result = cli.invoke(app, ["pipeline", "runs", "sales/orders"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "ingest x1" in flat and "silver x1" in flat
    assert "retries 0" in flat
    assert "attempts 2" not in flat
