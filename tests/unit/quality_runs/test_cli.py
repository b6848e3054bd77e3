"""`lakemesh quality ...` in-process on a home directory: results table, exit codes, JSON, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from tests.unit.products.seed import CUSTOMER_360


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    with Mesh.open(home) as mesh:
        mesh.create_principal("sales-data-team@company.com")
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(50, now=datetime.now(UTC)))
        mesh.create_product(CUSTOMER_360)
    return home


def test_run_prints_the_rules_and_the_score(home: Path) -> None:
    result = CliRunner().invoke(app, ["quality", "run", "sales/customer-360"])
    assert result.exit_code == 0, result.output
    assert "Quality score 100.0%" in result.output
    as_json = json.loads(CliRunner().invoke(app, ["quality", "run", "sales/customer-360", "--json"]).output)
    assert "last_updated within 25 hours" in [rule["name"] for rule in as_json["rules"]]
    history = CliRunner().invoke(app, ["quality", "history", "sales/customer-360", "--json"])
    assert [r["status"] for r in json.loads(history.output)] == ["passed", "passed"]
    sla = CliRunner().invoke(app, ["quality", "sla", "sales/customer-360", "--json"])
    assert json.loads(sla.output)["status"] == "met"


def test_schedule_commands(home: Path) -> None:
    result = CliRunner().invoke(app, ["quality", "schedule", "sales/customer-360", "--cron", "0 6 * * *", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["cron"] == "0 6 * * *"
    assert CliRunner().invoke(app, ["quality", "schedule", "sales/customer-360", "--off"]).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["quality", "run", "customer-360"],
        ["quality", "run", "sales/nope"],
        ["quality", "schedule", "sales/customer-360", "--cron", "soon"],
    ],
)
def test_bad_input_fails(home: Path, args: list[str]) -> None:
    assert CliRunner().invoke(app, args).exit_code != 0
