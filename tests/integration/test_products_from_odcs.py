"""Issue 28.14 through a real server: `POST /api/v1/products` with the ODCS project's full example."""

from __future__ import annotations

import uuid

import yaml

from lakemesh import connect
from tests.integration.conftest import Server
from tests.unit.products.test_product_from_odcs import FULL_V30, FULL_V31

YAML = {"Content-Type": "application/yaml"}


def _domain(server: Server, lakehouse: str | None = None) -> str:
    name = f"Seller{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "daustin"})
        assert http.post("/api/v1/domains", json={"name": name}).status_code == 201
        body = {"name": lakehouse or f"{name}_lakehouse"}
        assert http.post(f"/api/v1/domains/{name}/lakehouses", json=body).status_code == 201
    return name


def test_the_full_example_as_yaml_creates_a_product(server: Server) -> None:
    domain = _domain(server)
    with server.client() as http:
        response = http.post(
            "/api/v1/products", content=FULL_V30, headers=YAML, params={"domain": domain, "create_table": "true"}
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["name"], created["owner"], created["status"]) == ("my quantum", "daustin", "draft")
        assert created["table"].lower() == f"{domain}.{domain}_lakehouse.tbl_1".lower()
        key = created["contract"]["schema"]["rcvr_id"]
        assert (key["required"], key["unique"]) == (True, True)
        assert created["quality_rules"] == ["rcvr_cntry_code is not null"]
        dropped = {item["path"]: item["reason"] for item in created["not_imported"]}
        assert "without a comparison" in dropped["$.schema[0].quality[0]"]
        assert "$.price" in dropped and "$.roles" in dropped
        shown = http.get(response.headers["Location"]).json()
        assert shown["not_imported"] == []  # a property of the import, not of the product


def test_the_v31_example_as_json_with_an_explicit_lakehouse_and_table(server: Server) -> None:
    domain = _domain(server, lakehouse="payments")
    document = yaml.safe_load(FULL_V31)
    params = {"domain": domain, "lakehouse": "payments", "table": "tbl_1", "create_table": "true", "name": "Pay"}
    with server.client() as http:
        response = http.post("/api/v1/products", json=document, params=params)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["quality_rules"] == ["row_count > 1000000", "rcvr_cntry_code is not null"]
        assert created["storage"]["lakehouse"] == "payments"
        assert any(item["path"] == "$.schema[1]" for item in created["not_imported"])


def test_a_document_neither_native_nor_odcs_is_a_problem_naming_the_field(server: Server) -> None:
    with server.client() as http:
        broken = FULL_V30.replace("apiVersion: v3.0.1", "apiVersion: v9")
        refused = http.post("/api/v1/products", content=broken, headers=YAML)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["loc"] == ["apiVersion"]
        unknown = http.post("/api/v1/products", json={"title": "Invoices"})
        assert unknown.status_code == 422
        assert {"title", "name"} <= {e["loc"][0] for e in unknown.json()["errors"]}
        assert http.post("/api/v1/products", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_the_remote_sdk_takes_odcs_text_and_overrides(server: Server) -> None:
    domain = _domain(server)
    with connect(server.url, server.token) as mesh:
        created = mesh.create_product(FULL_V30, domain=domain, name="Quantum", create_table=True)
    assert created.name == "Quantum"
    assert any(item.path == "$.servers[0]" for item in created.not_imported)
