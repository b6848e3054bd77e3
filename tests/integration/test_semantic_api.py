"""Semantic models over REST through a real server: YAML documents, the seed's DAX, 422s and 404s."""

from __future__ import annotations

import uuid

import pyarrow as pa
import yaml

from lakemesh.demo.semantic import CUSTOMER_ANALYTICS
from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server
from tests.unit.access.conftest import customers, product_document


def test_semantic_models_over_rest(server: Server) -> None:
    domain = f"Sales{uuid.uuid4().hex[:6]}"
    admin = RemoteMesh(server.url, server.token)
    admin.create_domain(domain, display_name=f"{domain}-Domain")
    admin.create_lakehouse(domain, "sales_lakehouse")
    admin.write_table(domain, "sales_lakehouse", "gold_customer_360", pa.Table.from_batches(customers().to_batches()))
    admin.create_product(product_document() | {"domain": domain, "owner": admin.whoami().name})
    document = dict(CUSTOMER_ANALYTICS)
    document["tables"] = [dict(document["tables"][0], source={"product": f"{domain}/customer-360"})]
    with server.client() as http:
        put = http.put(
            f"/api/v1/domains/{domain}/semantic-models/customer-analytics",
            content=yaml.safe_dump(document),
            headers={"Content-Type": "application/yaml"},
        )
        assert put.status_code == 200, put.text
        assert put.json()["version"] == "1.0.0" and put.headers["ETag"]
        base = f"/api/v1/domains/{domain}-Domain/semantic-models/Customer Analytics"
        seed = http.post(f"{base}/query", json={"dax": "EVALUATE SUMMARIZE(Customers, Customers[Segment])"})
        assert seed.status_code == 200, seed.text
        assert seed.json()["columns"][0]["name"] == "Customers[Segment]" and seed.json()["row_count"] == 3
        form = http.post(f"{base}/query", json={"dimensions": ["Customers[Segment]"], "measures": ["Customers"]})
        assert sorted(r[1] for r in form.json()["rows"]) == [2, 2, 2]
        bad = http.post(f"{base}/query", json={"dax": "EVALUATE CROSSJOIN(Customers, Customers)"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert "CROSSJOIN" in bad.json()["detail"] and bad.json()["errors"][0]["column"] == 10
        both = http.post(f"{base}/query", json={"dax": "EVALUATE Customers", "measures": ["Customers"]})
        assert both.status_code == 422
        assert http.get(f"/api/v1/domains/{domain}/semantic-models").json()["items"][0]["name"] == "Customer Analytics"
    frame = admin.evaluate_dax(
        dataset="Customer Analytics",
        dax_string="EVALUATE SUMMARIZE(Customers, Customers[Segment])",
        workspace=f"{domain}-Domain",
    )
    assert sorted(frame["Customers[Segment]"]) == ["Consumer", "Enterprise", "SMB"]
    name = f"stranger-{uuid.uuid4().hex[:6]}@company.com"
    admin.create_principal(name)
    token = admin.create_token(principal=name).secret
    with server.client(token) as stranger:
        assert stranger.get(f"/api/v1/domains/{domain}/semantic-models/customer-analytics").status_code == 404
        response = stranger.post(
            f"/api/v1/domains/{domain}/semantic-models/customer-analytics/query", json={"dax": "EVALUATE Customers"}
        )
        assert response.status_code == 404
    with server.client(token="not-a-token") as anonymous:
        assert anonymous.get(f"/api/v1/domains/{domain}/semantic-models").status_code == 401
    admin.close()
