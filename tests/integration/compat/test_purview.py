"""Purview's Atlas entities and search over plain HTTP: reads, updates, and bad input in Atlas's shape."""

from __future__ import annotations

import json
import uuid

import httpx
import pyarrow as pa

from lakemesh.core.ids import uuid_of
from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server
from tests.unit.access.conftest import customers, product_document

ATLAS = "/purview/datamap/api/atlas/v2"


def _entity(domain: str) -> dict[str, object]:
    document = product_document()
    return {
        "typeName": "DataProduct",
        "guid": "-1",
        "attributes": {
            "name": document["name"],
            "qualifiedName": f"{domain}/{document['name']}",
            "description": document["description"],
            "owner": document["owner"],
            "contract": json.dumps(document["contract"]),
            "storage": json.dumps(document["storage"]),
        },
    }


def _atlas_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code and body["errorMessage"] and body["requestId"]


def test_entities_register_read_update_and_refuse_bad_input(server: Server) -> None:
    domain = f"Sales{uuid.uuid4().hex[:6]}"
    admin = RemoteMesh(server.url, server.token)
    admin.create_domain(domain)
    admin.create_lakehouse(domain, "sales_lakehouse")
    admin.write_table(domain, "sales_lakehouse", "gold_customer_360", pa.Table.from_batches(customers().to_batches()))
    with server.client() as http:
        team = http.post("/api/v1/principals", json={"name": "sales-data-team@company.com"})
        assert team.status_code in (201, 409)  # another test on this server may have created the team
        unknown = http.post(f"{ATLAS}/entity", json={"entity": {"typeName": "azure_sql_table", "attributes": {}}})
        _atlas_error(unknown, 400, "ATLAS-400-00-010")
        mixed = {"entities": [_entity(domain), {"typeName": "Nope", "attributes": {}}]}
        _atlas_error(http.post(f"{ATLAS}/entity/bulk", json=mixed), 400, "ATLAS-400-00-010")
        assert http.get(f"/api/v1/products/{domain}/customer-360").status_code == 404  # nothing half-created

        made = http.post(f"{ATLAS}/entity/bulk", json={"entities": [_entity(domain)]})
        assert made.status_code == 200, made.text
        guid = made.json()["guidAssignments"]["-1"]
        assert made.json()["mutatedEntities"]["CREATE"][0]["guid"] == guid
        native = http.get(f"/api/v1/products/{domain}/customer-360").json()
        assert uuid_of(native["id"]) == guid and native["contract"]["sla"]["freshness"] == "24h"
        by_name = http.get(
            f"{ATLAS}/entity/uniqueAttribute/type/DataProduct",
            params={"attr:qualifiedName": native["qualified_name"]},
        )
        assert by_name.json()["entity"]["guid"] == guid
        assert (
            http.get(f"/purview/catalog/api/atlas/v2/entity/guid/{guid}").json()["entity"]["typeName"] == "DataProduct"
        )

        changed = _entity(domain)
        changed["attributes"]["description"] = "Now documented."  # type: ignore[index]
        again = http.post(f"{ATLAS}/entity", json={"entity": changed})
        assert again.json()["mutatedEntities"]["UPDATE"][0]["guid"] == guid
        assert http.get(f"/api/v1/products/{domain}/customer-360").json()["description"] == "Now documented."

        _atlas_error(http.get(f"{ATLAS}/entity/guid/{uuid.uuid4()}"), 404, "ATLAS-404-00-005")
        viewer = f"viewer-{uuid.uuid4().hex[:6]}@company.com"
        assert http.post("/api/v1/principals", json={"name": viewer}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/members", json={"principal": viewer, "role": "Viewer"}).is_success
        token = http.post("/api/v1/tokens", json={"principal": viewer}).json()["secret"]
        with server.client(token) as as_viewer:
            edit = _entity(domain)
            edit["attributes"]["description"] = "A viewer's edit."  # type: ignore[index]
            _atlas_error(as_viewer.post(f"{ATLAS}/entity", json={"entity": edit}), 403, "ATLAS-403-00-001")
            native = as_viewer.patch(f"/api/v1/products/{domain}/customer-360", json={"description": "x"})
            assert native.status_code == 403
        bad_json = _entity(domain)
        bad_json["attributes"]["contract"] = "{not json"  # type: ignore[index]
        _atlas_error(http.post(f"{ATLAS}/entity", json={"entity": bad_json}), 400, "ATLAS-400-00-001")

        search = "/purview/catalog/api/search/query"
        for bad in (
            {"or": [{"typeName": "DataProduct"}, {"attributeName": "domain", "attributeValue": "x"}]},
            {"attributeName": "domain", "operator": "gt", "attributeValue": "x"},
            {"typeName": "Spaceship"},
            {"and": ["text"]},
        ):
            _atlas_error(http.post(search, json={"keywords": "customer", "filter": bad}), 400, "ATLAS-400-00-001")
        filtered = {
            "and": [
                {"typeName": "DataProduct"},
                {"attributeName": "domain", "operator": "in", "attributeValue": [domain]},
            ]
        }
        found = http.post(search, json={"keywords": "customer", "filter": filtered, "facets": [{"facet": "domain"}]})
        assert found.status_code == 200, found.text
        assert found.json()["@search.count"] >= 0 and "domain" in found.json()["@search.facets"]

        assert http.delete(f"{ATLAS}/entity/guid/{guid}").json()["mutatedEntities"]["DELETE"][0]["guid"] == guid
        assert http.get(f"/api/v1/products/{domain}/customer-360").status_code == 404


def test_lakemesh_tables_are_atlas_entities_by_guid_and_qualified_name_for_those_who_may_see_them(
    server: Server,
) -> None:
    domain = f"Tabs{uuid.uuid4().hex[:6]}"
    admin = RemoteMesh(server.url, server.token)
    admin.create_domain(domain)
    admin.create_lakehouse(domain, "sales_lakehouse")
    admin.write_table(domain, "sales_lakehouse", "gold_customers", pa.Table.from_batches(customers().to_batches()))
    with server.client() as http:
        native = http.get(f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customers").json()
        guid = uuid_of(native["id"])
        by_guid = http.get(f"{ATLAS}/entity/guid/{guid}")
        assert by_guid.status_code == 200, by_guid.text
        entity = by_guid.json()["entity"]
        assert (entity["typeName"], entity["guid"]) == ("Table", guid)
        assert entity["attributes"]["qualifiedName"] == native["qualified_name"]
        assert [c["name"] for c in entity["attributes"]["columns"]] == [c["name"] for c in native["columns"]]
        by_name = http.get(
            "/purview/catalog/api/atlas/v2/entity/uniqueAttribute/type/Table",
            params={"attr:qualifiedName": native["qualified_name"]},
        )
        assert by_name.status_code == 200 and by_name.json()["entity"]["guid"] == guid
        missing = http.get(
            f"{ATLAS}/entity/uniqueAttribute/type/Table", params={"attr:qualifiedName": f"{domain}.nope.nope"}
        )
        _atlas_error(missing, 404, "ATLAS-404-00-009")
        _atlas_error(http.get(f"{ATLAS}/entity/guid/{uuid.uuid4()}"), 404, "ATLAS-404-00-005")
        _atlas_error(http.delete(f"{ATLAS}/entity/guid/{guid}"), 501, "ATLAS-501-00-001")
        assert http.get(f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customers").is_success

        outsider = f"outsider-{uuid.uuid4().hex[:6]}@company.com"
        assert http.post("/api/v1/principals", json={"name": outsider}).status_code == 201
        token = http.post("/api/v1/tokens", json={"principal": outsider}).json()["secret"]
    with server.client(token) as as_outsider:  # no role in the domain, no grant: the table is not there for them
        hidden = as_outsider.get(f"{ATLAS}/entity/guid/{guid}")
        _atlas_error(hidden, 404, "ATLAS-404-00-005")
        assert "gold_customers" not in hidden.text
        hidden = as_outsider.get(
            f"{ATLAS}/entity/uniqueAttribute/type/Table", params={"attr:qualifiedName": native["qualified_name"]}
        )
        _atlas_error(hidden, 404, "ATLAS-404-00-009")
