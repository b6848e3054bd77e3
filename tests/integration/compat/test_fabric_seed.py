"""The seed's Fabric blocks run verbatim against a real `lakemesh serve`; effects checked through the native API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lakemesh.core.ids import uuid_of
from lakemesh.demo.data import customer_360
from lakemesh.sdk.client import RemoteMesh
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.compat import seed
from tests.integration.conftest import Server, start_server

WORKSPACES = seed.block(
    "from azure.identity import DefaultAzureCredential\nimport requests\n", "Data Products Definition"
)
# Up to Option 2: `sempy` (Semantic Link) is not installable here; its DAX runs in the Power BI tests instead.
SHARING = seed.block(
    "from azure.identity import DefaultAzureCredential\nimport requests\n", "# Option 2:", after="Cross-Domain"
)
PRODUCT = seed.block("# Data products are defined as configuration", "Cross-Domain Data Sharing")
DISCOVERY = seed.block("# Data product discovery using Microsoft Purview REST API", "Quality Monitoring")
SELF_SERVE = seed.block("# Self-serve platform using Fabric REST APIs", "Federated Governance")
GOVERNANCE = seed.block("# Governance policies managed via Microsoft Purview REST API", "Data Product Discovery")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A platform of its own: the seed's self-serve block needs `Sales-Domain` not to exist yet."""
    home = tmp_path_factory.mktemp("compat") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_compat", migrated=True) if PG_BASE else None
    process, running = start_server(home, catalog_url)
    yield running
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def test_the_seed_runs_verbatim_and_its_effects_are_real(fresh: Server, capsys: pytest.CaptureFixture[str]) -> None:
    native = fresh.client()
    # Domain workspaces: two domains, the seed's `-Domain` names, their capacities.
    ran = seed.run(WORKSPACES, fresh.url, fresh.token)
    assert "Created: Sales-Domain" in capsys.readouterr().out
    sales = native.get("/api/v1/domains/sales").json()
    assert sales["display_name"] == "Sales-Domain" and "fabric-capacity:sales-capacity-id" in sales["tags"]
    assert ran["workspace_id"] == uuid_of(sales["id"])
    marketing = native.get("/api/v1/domains/Marketing-Domain").json()
    assert marketing["description"] == "Marketing team's data products"

    # Self-serve: runs where Sales-Domain does not exist yet (the seed's block creates it itself).
    assert native.delete("/api/v1/domains/sales", params={"force": True}).status_code == 204
    assert native.post("/api/v1/principals", json={"name": "sales-steward@company.com"}).status_code in (201, 409)
    ran = seed.run(SELF_SERVE, fresh.url, fresh.token)
    made = ran["sales_lakehouse"]
    lakehouse = native.get("/api/v1/domains/Sales/lakehouses/sales_lakehouse").json()
    assert made["id"] == uuid_of(lakehouse["id"]) and made["type"] == "Lakehouse"
    assert lakehouse["template"] == "domain-lakehouse-template"
    assert lakehouse["data_steward"] == "sales-steward@company.com"
    assert (lakehouse["layers"], lakehouse["retention_days"]) == (["bronze", "silver", "gold"], 90)
    members = native.get("/api/v1/domains/sales/members").json()["items"]
    assert {"principal": "sales-steward@company.com", "role": "Member"}.items() <= _by_name(members).items()

    # Data product registration: the seed's DataProduct entity becomes the Customer 360 product, contract and all.
    # What the seed assumes exists outside its code, set up natively: the owning team and Sales' gold table.
    assert native.post("/api/v1/principals", json={"name": "sales-data-team@company.com"}).status_code == 201
    rows = customer_360(20, now=datetime.now(UTC))
    RemoteMesh(fresh.url, fresh.token).write_table("Sales", "sales_lakehouse", "gold_customer_360", rows)
    ran = seed.run(PRODUCT, fresh.url, fresh.token)
    product = native.get("/api/v1/products/sales/customer-360")
    assert product.status_code == 200, ran["register_data_product"](ran["customer_360_product"], "again")
    assert product.json()["contract"]["sla"]["freshness"] == "24h"
    assert product.json()["table"] == "sales.sales_lakehouse.gold_customer_360"
    guid = uuid_of(product.json()["id"])
    purview = f"/purview/catalog/api/atlas/v2/entity/guid/{guid}"
    assert native.get(purview).json()["entity"]["attributes"]["qualifiedName"] == "sales/customer-360"

    # Discovery: the seed's search prints each hit's attributes.
    assert native.post("/api/v1/products/sales/customer-360/publish").status_code == 200
    capsys.readouterr()
    seed.run(DISCOVERY, fresh.url, fresh.token)
    printed = capsys.readouterr().out
    assert (
        "Name: Customer 360" in printed
        and "Domain: sales" in printed
        and "Owner: sales-data-team@company.com" in printed
    )

    # Cross-domain sharing: Sales' gold table and Marketing's lakehouse exist (set up natively), then the block.
    sales_id = native.get("/api/v1/domains/sales").json()["id"]
    body = {"name": "marketing_lakehouse", "description": "Marketing", "data_steward": "m@company.com"}
    target = native.post("/api/v1/domains/marketing/lakehouses", json=body).json()
    ids = {
        "marketing-workspace-id": uuid_of(marketing["id"]),
        "marketing-lakehouse-id": uuid_of(target["id"]),
        "sales-workspace-id": uuid_of(sales_id),
        "sales-lakehouse-id": uuid_of(lakehouse["id"]),
    }
    seed.run(SHARING, fresh.url, fresh.token, ids)
    assert "Shortcut created: {'path': 'Tables', 'name': 'shared_customer_360'" in capsys.readouterr().out
    shared = native.get(
        "/api/v1/domains/marketing/lakehouses/marketing_lakehouse/tables/shared_customer_360/data",
        params={"format": "json"},
    )
    source = native.get(
        "/api/v1/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360/data", params={"format": "json"}
    )
    assert shared.status_code == 200, shared.text
    assert sorted(shared.text.splitlines()) == sorted(source.text.splitlines()) and len(shared.text.splitlines()) == 20

    # Federated governance: the three policies, with the enforcement and scope the payload carries and no rule
    # (the payload has none): each says so, natively and in the compliance report, instead of inventing one.
    seed.run(GOVERNANCE, fresh.url, fresh.token)
    wanted = {"pii-classification": "block", "retention-minimum": "warn", "sales-data-freshness": "alert"}
    scopes = {"pii-classification": "GLOBAL", "retention-minimum": "GLOBAL", "sales-data-freshness": "WORKSPACE"}
    for name, enforcement in wanted.items():
        policy = native.get(f"/api/v1/policies/{name}").json()
        assert (policy["enforcement"], policy["scope"]) == (enforcement, scopes[name]), policy
        assert policy["note"] == "no rule: evaluates nothing" and policy["rule"] == ""
    report = {p["policy"]: p for p in native.get("/api/v1/governance/report").json()["policies"]}
    assert all(report[name]["note"] == "no rule: evaluates nothing" for name in wanted)


def test_serve_prints_the_compatible_base_urls(fresh: Server) -> None:
    log = (fresh.home.parent / f"server-{fresh.url.rsplit(':', 1)[1]}.log").read_text()
    assert f"Fabric compatible REST: {fresh.url}/fabric/v1" in log
    assert f"Power BI compatible REST: {fresh.url}/powerbi/v1.0/myorg" in log
    assert f"Purview compatible REST: {fresh.url}/purview" in log


def _by_name(members: list[dict[str, object]]) -> dict[str, object]:
    found = next(m for m in members if m["principal"] == "sales-steward@company.com")
    return {"principal": found["principal"], "role": found["role"]}
