"""`lakemesh access request --accept-terms`, `access approve --obligation`, `agreement list/show/renew` in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import customers, product_document

ANALYST = "marketing-analyst@company.com"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    with Mesh.open(home) as mesh:
        mesh.create_principal("sales-data-team@company.com")
        mesh.create_principal(ANALYST)
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", customers())
        mesh.create_product(product_document() | {"usage_terms": ["No re-sharing"]})
        mesh.publish_product("Sales", "Customer 360")
    return home


def run(*args: str, code: int = 0) -> str:
    """The output, or for a refusal the error `lakemesh` prints as its one line (the runner keeps it raised)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output if code == 0 else str(result.exception or result.output)


def test_an_agreement_from_the_command_line(home: Path) -> None:
    ask = ("access", "request", "sales/customer-360", "--purpose", "Need for campaign targeting analysis")
    ask += ("--duration", "30d", "--grantee", ANALYST)
    refused = run(*ask, code=1)  # says what to accept and how, non-zero exit
    assert "--accept-terms" in refused and "No re-sharing" in refused
    request = json.loads(run(*ask, "--accept-terms", "--json"))
    assert request["terms"] == ["No re-sharing"]
    approved = json.loads(run("access", "approve", request["id"], "--obligation", "Report misuse", "--json"))
    agreement_id = approved["agreement_id"]

    [listed] = json.loads(run("agreement", "list", "--json"))
    assert (listed["id"], listed["consumer"], listed["state"]) == (agreement_id, ANALYST, "active")
    shown = json.loads(run("agreement", "show", agreement_id, "--json"))
    assert shown["obligations"] == ["No re-sharing", "Report misuse"]
    renewed = json.loads(run("agreement", "renew", agreement_id, "--duration", "30d", "--json"))
    assert renewed["version"] == 2
    assert agreement_id in run("agreement", "list")

    run("grant", "revoke", shown["grant_id"], "--reason", "done")
    ended = run("agreement", "renew", agreement_id, code=1)
    assert "ended" in ended and "request" in ended
