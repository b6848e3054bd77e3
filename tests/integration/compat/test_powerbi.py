"""Power BI `executeQueries` over plain HTTP runs the seed's DAX through the native semantic query path."""

from __future__ import annotations

import uuid

import pyarrow as pa
import yaml

from lakemesh.core.ids import uuid_of
from lakemesh.demo.semantic import CUSTOMER_ANALYTICS
from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server
from tests.unit.access.conftest import customers, product_document

PBI = "/powerbi/v1.0/myorg"
SEED_DAX = "EVALUATE SUMMARIZE(Customers, Customers[Segment])"


def _model(server: Server) -> tuple[str, str]:
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
        return domain, put.json()["id"]


def test_execute_queries_returns_the_seed_rows_like_the_native_query(server: Server) -> None:
    domain, model_id = _model(server)
    with server.client() as http:
        native_domain = http.get(f"/api/v1/domains/{domain}").json()
        group = uuid_of(native_domain["id"])
        groups = http.get(f"{PBI}/groups").json()["value"]
        assert {"id": group, "name": f"{domain}-Domain"}.items() <= next(g for g in groups if g["id"] == group).items()
        datasets = http.get(f"{PBI}/groups/{group}/datasets").json()["value"]
        assert [(d["id"], d["name"]) for d in datasets] == [(uuid_of(model_id), "Customer Analytics")]

        body = {"queries": [{"query": SEED_DAX}], "serializerSettings": {"includeNulls": True}}
        answer = http.post(f"{PBI}/groups/{group}/datasets/{uuid_of(model_id)}/executeQueries", json=body)
        assert answer.status_code == 200, answer.text
        rows = answer.json()["results"][0]["tables"][0]["rows"]
        assert sorted(r["Customers[Segment]"] for r in rows) == ["Consumer", "Enterprise", "SMB"]

        # Same engine, same masking: every row of the model equals the native query's answer.
        everything = {"queries": [{"query": "EVALUATE Customers"}], "serializerSettings": {"includeNulls": True}}
        compat = http.post(f"{PBI}/datasets/{uuid_of(model_id)}/executeQueries", json=everything).json()
        native = http.post(
            f"/api/v1/domains/{domain}/semantic-models/{uuid_of(model_id)}/query", json={"dax": "EVALUATE Customers"}
        ).json()
        names = [c["name"] for c in native["columns"]]
        assert compat["results"][0]["tables"][0]["rows"] == [dict(zip(names, r, strict=True)) for r in native["rows"]]

        bad = http.post(
            f"{PBI}/groups/{group}/datasets/{uuid_of(model_id)}/executeQueries",
            json={"queries": [{"query": "EVALUATE CROSSJOIN(Customers, Customers)"}]},
        )
        assert bad.status_code == 400
        assert (
            bad.json()["error"]["code"] == "DatasetExecuteQueriesError"
            and "CROSSJOIN" in bad.json()["error"]["message"]
        )

    name = f"stranger-{uuid.uuid4().hex[:6]}@company.com"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": name})
        token = http.post("/api/v1/tokens", json={"principal": name}).json()["secret"]
    with server.client(token) as stranger:
        denied = stranger.post(
            f"{PBI}/groups/{group}/datasets/{uuid_of(model_id)}/executeQueries", json={"queries": [{"query": SEED_DAX}]}
        )
        assert denied.status_code == 404 and denied.json()["error"]["code"] == "EntityNotFound"
