"""Issue 24.5 through a real server: a product out as ODPS v4.1 and back in, and bad ODPS refused with a 422."""

from __future__ import annotations

import json
import uuid
from importlib.resources import files

import jsonschema
import yaml

from tests.integration.conftest import Server
from tests.unit.product_service.test_odps import FIXTURE

YAML = {"Content-Type": "application/yaml"}
SCHEMA = json.loads(files("lakemesh.products").joinpath("schemas/odps-v4.1.schema.json").read_text())


def test_export_then_import_through_rest(server: Server) -> None:
    domain = f"Seller{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "daustin"})
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "events"}).status_code == 201
        odcs = {
            "apiVersion": "v3.1.0",
            "kind": "DataContract",
            "id": "orders",
            "version": "1.0.0",
            "status": "draft",
            "team": {"members": [{"username": "daustin", "role": "owner"}]},
            "schema": [{"name": "orders", "properties": [{"name": "id", "logicalType": "string", "required": True}]}],
        }
        params = {"domain": domain, "lakehouse": "events", "create_table": "true"}
        created = http.post("/api/v1/products", json=odcs, params=params)
        assert created.status_code == 201, created.text
        path = created.headers["Location"]
        exported = http.get(f"{path}/odps")
        assert exported.status_code == 200, exported.text
        document = exported.json()
        jsonschema.Draft202012Validator(SCHEMA).validate(document)
        assert http.delete(path).status_code == 204
        again = http.post("/api/v1/products", content=yaml.safe_dump(document), headers=YAML)
        assert again.status_code == 201, again.text
        assert again.json()["contract"] == created.json()["contract"]


def test_invalid_odps_is_a_422_listing_each_error(server: Server) -> None:
    document = yaml.safe_load(FIXTURE.read_text())
    document["version"] = 4.1
    document["product"]["details"]["en"]["status"] = "shipped"
    del document["product"]["dataHolder"]["legalName"]
    with server.client() as http:
        response = http.post("/api/v1/products", json=document, params={"domain": "nowhere"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert "not valid ODPS 4.1" in problem["detail"]
    assert len(problem["errors"]) == 3, problem["errors"]
