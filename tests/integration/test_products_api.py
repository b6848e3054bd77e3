"""Data products over REST through a real server: the seed's document, ODCS YAML, enforcement, versions."""

from __future__ import annotations

import copy
import io
import uuid
from datetime import UTC, datetime

import pyarrow as pa
import pytest
import yaml

from lakemesh import connect
from lakemesh.demo.data import customer_360
from tests.integration.conftest import Server
from tests.unit.products.seed import CUSTOMER_360

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.fixture(scope="module")
def product(server: Server) -> tuple[str, str]:
    """A fresh domain holding the seed's Customer 360 (registered, not published)."""
    domain = f"Sales{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "sales-data-team@company.com"})
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        data = _arrow(customer_360(100, now=datetime.now(UTC)))
        url = f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
        assert http.post(url, content=data, headers=ARROW).status_code == 200
        document = {**copy.deepcopy(CUSTOMER_360), "domain": domain}
        response = http.post("/api/v1/products", json=document)
        assert response.status_code == 201, response.text
        assert response.headers["Location"] == f"/api/v1/products/{domain.lower()}/customer-360"
    return domain.lower(), f"/api/v1/products/{domain.lower()}/customer-360"


def test_invalid_document_is_one_422_with_every_problem(server: Server, product: tuple[str, str]) -> None:
    domain, _ = product
    document = {**copy.deepcopy(CUSTOMER_360), "domain": domain, "name": "Broken", "owner": "ghost@x.com"}
    document["quality_rules"] = ["nope_column > 0", "1=1; DROP TABLE x"]
    document["storage"]["table"] = "gold_missing"
    with server.client() as http:
        response = http.post("/api/v1/products", json=document)
        assert response.status_code == 422
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        locs = [tuple(e["loc"]) for e in body["errors"]]
        assert ("owner",) in locs and ("storage", "table") in locs and ("quality_rules", 1) in locs
        unknown = http.post("/api/v1/products", json={**document, "colour": "blue"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["message"] == "unknown field"


def test_enforcement_over_rest_and_the_problem_it_returns(server: Server, product: tuple[str, str]) -> None:
    domain, path = product
    with server.client() as http:
        assert http.post(f"{path}/publish").json()["status"] == "published"
        bad = customer_360(3, now=datetime.now(UTC), seed=2)
        bad = bad.set_column(2, "segment", pa.array(["Gold", "SMB", "Gold"]))
        url = f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
        version = http.get(url.removesuffix("/data")).json()["version"]
        response = http.post(url, content=_arrow(bad), headers=ARROW)
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"].endswith("contract-violation")
        assert problem["errors"][0]["rule"] == "enum" and problem["errors"][0]["failed_rows"] == 2
        assert http.get(url.removesuffix("/data")).json()["version"] == version


def test_odcs_yaml_out_and_in(server: Server, product: tuple[str, str]) -> None:
    _, path = product
    with server.client() as http:
        exported = http.get(f"{path}/contract", headers={"Accept": "application/yaml"})
        assert exported.headers["content-type"].startswith("application/yaml")
        document = yaml.safe_load(exported.text)
        assert document["kind"] == "DataContract" and document["apiVersion"].startswith("v3")
        names = [p["name"] for p in document["schema"][0]["properties"]]
        assert names == list(CUSTOMER_360["contract"]["schema"])  # column order survives the catalog
        document["schema"][0]["properties"][names.index("customer_name")]["description"] = "The customer's full name"
        response = http.put(
            f"{path}/contract", content=yaml.safe_dump(document), headers={"Content-Type": "application/yaml"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["contract"]["schema"]["customer_name"]["description"] == "The customer's full name"
        for bad in ["{{{", "apiVersion: v3.1.0\nkind: Table\n"]:
            refused = http.put(f"{path}/contract", content=bad, headers={"Content-Type": "application/yaml"})
            assert refused.status_code == 422
        assert http.put(f"{path}/contract", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_breaking_change_is_409_until_major_bump(server: Server, product: tuple[str, str]) -> None:
    domain, path = product
    with server.client() as http:
        http.post(f"{path}/publish")
        contract = http.get(f"{path}/contract").json()["contract"]
        del contract["schema"]["churn_risk"]
        refused = http.put(f"{path}/contract", json={"contract": contract})
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["kind"] == "column-removed"
        accepted = http.put(f"{path}/contract", json={"contract": contract, "version": "2.0.0"})
        assert accepted.json()["version"] == "2.0.0"
        diff = http.get(f"{path}/versions/diff", params={"from": "1.0.0", "to": "2.0.0"}).json()
        assert diff["breaking"] is True
    with connect(server.url, server.token) as mesh:
        assert mesh.list_versions(domain, "customer-360")[0].version == "2.0.0"
        assert mesh.get_product(domain, "customer-360").qualified_name == f"{domain}/customer-360"


def test_severity_info_is_accepted_and_a_422_names_each_location_once(server: Server, product: tuple[str, str]) -> None:
    """Issue 28.7: the docs allow severity `info`; every 422 prints `location: message` once."""
    domain, _ = product
    rule = {"condition": "churn_risk between 0 and 1", "severity": "info"}
    document = {**copy.deepcopy(CUSTOMER_360), "domain": domain, "name": "Info Rules", "quality_rules": [rule]}
    with server.client() as http:
        created = http.post("/api/v1/products", json=document)
        assert created.status_code == 201, created.text
        bad = {**document, "name": "Bad Rules", "quality_rules": [{**rule, "severity": "fatal"}]}
        refused = http.post("/api/v1/products", json=bad)
        assert refused.status_code == 422
        detail = refused.json()["detail"]
        assert detail.count("quality_rules.0.rule.severity") == 1
        assert "quality_rules.0.rule.severity: Input should be 'error', 'warning' or 'info'" in detail
        missing = http.post("/api/v1/domains", json={})
        assert missing.json()["detail"] == "The request is not valid: name: Field required"
