"""The Unity Catalog REST read subset against a real `lakemesh serve`, with the official clients of the protocol."""

from __future__ import annotations

import copy
import io
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

import pyarrow as pa
import pytest
from unitycatalog.client import ApiClient, CatalogsApi, Configuration, SchemasApi, TablesApi, TemporaryCredentialsApi
from unitycatalog.client.exceptions import ApiException
from unitycatalog.client.models import GenerateTemporaryTableCredential, TableOperation

from tests.asyncio_support import run_coroutine
from tests.integration.conftest import Server
from tests.unit.access.conftest import customers, product_document

UC = "/api/2.1/unity-catalog"
ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}
T = TypeVar("T")


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def orders() -> pa.Table:
    return pa.table(
        {
            "order_id": pa.array([1, 2, 3], pa.int64()),
            "region": ["eu", "us", "eu"],
            "amount": pa.array([10.5, 20.0, 7.25]),
            "placed": pa.array([pa.scalar(0, pa.date32()).as_py()] * 3, pa.date32()),
        }
    )


@pytest.fixture(scope="module")
def mesh(server: Server) -> dict[str, str]:
    """Sales (owner + published Customer 360 with a Confidential email, plus an orders table) and a viewer in no
    domain, with their tokens."""
    suffix = uuid.uuid4().hex[:6]
    sales, owner, viewer = f"Sales{suffix}", f"owner-{suffix}@company.com", f"viewer-{suffix}@company.com"
    with server.client() as http:
        for name in (owner, viewer):
            assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
        assert http.post("/api/v1/domains", json={"name": sales}).status_code == 201
        http.post(f"/api/v1/domains/{sales}/members", json={"principal": owner, "role": "Admin"})
        assert http.post(f"/api/v1/domains/{sales}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        base = f"/api/v1/domains/{sales}/lakehouses/sales_lakehouse/tables"
        assert (
            http.post(f"{base}/gold_customer_360/data", content=_arrow(customers()), headers=ARROW).status_code == 200
        )
        assert http.post(f"{base}/orders/data", content=_arrow(orders()), headers=ARROW).status_code == 200
        document = {**copy.deepcopy(product_document()), "domain": sales, "owner": owner}
        assert http.post("/api/v1/products", json=document).status_code == 201
        assert http.post(f"/api/v1/products/{sales.lower()}/customer-360/publish").status_code == 200
        tokens = {who: http.post("/api/v1/tokens", json={"principal": who}).json()["secret"] for who in (owner, viewer)}
    return {"catalog": sales.lower(), "owner": tokens[owner], "viewer": tokens[viewer], "viewer_name": viewer}


def run(coroutine: Awaitable[T]) -> T:
    return run_coroutine(_run(coroutine))


async def _run(coroutine: Awaitable[T]) -> T:
    return await coroutine


def sdk(server: Server, token: str) -> ApiClient:
    client = ApiClient(Configuration(host=f"{server.url}{UC}"))
    client.set_default_header("Authorization", f"Bearer {token}")
    return client


def test_the_official_sdk_lists_catalogs_schemas_tables_and_gets_a_table(server: Server, mesh: dict[str, str]) -> None:
    catalog = mesh["catalog"]

    async def scenario() -> dict[str, Any]:
        async with sdk(server, server.token) as client:
            catalogs = await CatalogsApi(client).list_catalogs()
            one = await CatalogsApi(client).get_catalog(catalog)
            schemas = await SchemasApi(client).list_schemas(catalog_name=catalog)
            schema = await SchemasApi(client).get_schema(f"{catalog}.sales_lakehouse")
            tables = await TablesApi(client).list_tables(catalog_name=catalog, schema_name="sales_lakehouse")
            table = await TablesApi(client).get_table(f"{catalog}.sales_lakehouse.orders")
            with pytest.raises(ApiException) as missing:
                await TablesApi(client).get_table(f"{catalog}.sales_lakehouse.nothing")
            assert missing.value.status == 404 and "NOT_FOUND" in str(missing.value.body)
            return {
                "catalogs": catalogs,
                "one": one,
                "schemas": schemas,
                "schema": schema,
                "tables": tables,
                "t": table,
            }

    got = run(scenario())
    assert catalog in [c.name for c in got["catalogs"].catalogs]
    assert got["one"].name == catalog and got["one"].id
    assert [s.full_name for s in got["schemas"].schemas] == [f"{catalog}.sales_lakehouse", f"{catalog}._data_products"]
    assert got["schema"].catalog_name == catalog and got["schema"].name == "sales_lakehouse"
    assert [t.name for t in got["tables"].tables] == ["gold_customer_360", "orders"]
    assert got["tables"].next_page_token is None
    table = got["t"]
    assert (table.catalog_name, table.schema_name, table.name) == (catalog, "sales_lakehouse", "orders")
    assert table.table_type.value == "EXTERNAL" and table.data_source_format.value == "DELTA"
    assert table.table_id and table.storage_location.startswith("file:///")
    assert table.storage_location.endswith(f"/{catalog}/sales_lakehouse/Tables/orders")
    columns = {c.name: c for c in table.columns}
    assert [c.name for c in table.columns] == ["order_id", "region", "amount", "placed"]
    assert [c.position for c in table.columns] == [0, 1, 2, 3]
    assert (columns["order_id"].type_name.value, columns["order_id"].type_text) == ("LONG", "bigint")
    assert columns["region"].type_name.value == "STRING" and columns["placed"].type_name.value == "DATE"
    assert '"type": "double"' in columns["amount"].type_json and columns["amount"].nullable is True
    assert table.properties["lakemesh.qualified_name"] == f"{catalog}.sales_lakehouse.orders"


def test_data_products_are_listed_as_tables_over_their_bound_tables(server: Server, mesh: dict[str, str]) -> None:
    catalog = mesh["catalog"]
    with server.client() as http:
        listed = http.get(f"{UC}/tables", params={"catalog_name": catalog, "schema_name": "_data_products"}).json()
        bound = http.get(f"{UC}/tables/{catalog}.sales_lakehouse.gold_customer_360").json()
        product = http.get(f"{UC}/tables/{catalog}._data_products.customer_360")
        assert http.get(f"{UC}/schemas/{catalog}._data_products").json()["name"] == "_data_products"
        assert http.get(f"{UC}/tables/{catalog}._data_products.nothing").status_code == 404
    assert [t["name"] for t in listed["tables"]] == ["customer_360"]
    assert product.status_code == 200 and product.json() == listed["tables"][0]
    entry = product.json()
    assert entry["table_id"] == bound["table_id"] and entry["storage_location"] == bound["storage_location"]
    assert entry["properties"]["lakemesh.product"] == f"{catalog}/customer-360"
    assert [c["name"] for c in entry["columns"]] == [c["name"] for c in bound["columns"]]


def test_tables_page_with_max_results_and_page_token(server: Server, mesh: dict[str, str]) -> None:
    params = {"catalog_name": mesh["catalog"], "schema_name": "sales_lakehouse", "max_results": 1}
    with server.client() as http:
        first = http.get(f"{UC}/tables", params=params).json()
        assert [t["name"] for t in first["tables"]] == ["gold_customer_360"] and first["next_page_token"]
        second = http.get(f"{UC}/tables", params={**params, "page_token": first["next_page_token"]}).json()
        assert [t["name"] for t in second["tables"]] == ["orders"] and "next_page_token" not in second
        everything = http.get(f"{UC}/tables", params={**params, "max_results": 0}).json()
        assert len(everything["tables"]) == 2


@pytest.mark.parametrize("token", ["garbage!", "eyJub3QiOiAidGhpcyJ9", "MQ", "%00"])
def test_a_malformed_page_token_is_a_clear_400(server: Server, mesh: dict[str, str], token: str) -> None:
    params = {"catalog_name": mesh["catalog"], "schema_name": "sales_lakehouse", "page_token": token}
    with server.client() as http:
        for path, query in (("tables", params), ("schemas", {"catalog_name": mesh["catalog"], "page_token": token})):
            answer = http.get(f"{UC}/{path}", params=query)
            assert answer.status_code == 400, answer.text
            assert answer.json()["error_code"] == "INVALID_ARGUMENT"
            assert "page_token" in answer.json()["message"]
        assert http.get(f"{UC}/catalogs", params={"page_token": token}).status_code == 400


def test_unknown_names_are_404_in_unity_catalog_shape(server: Server, mesh: dict[str, str]) -> None:
    catalog = mesh["catalog"]
    with server.client() as http:
        for path in (
            "/catalogs/nowhere",
            f"/schemas/{catalog}.nothing",
            f"/tables/{catalog}.sales_lakehouse.nothing",
            f"/tables/{catalog}.nothing.orders",
            "/tables/nowhere.sales_lakehouse.orders",
        ):
            answer = http.get(f"{UC}{path}")
            assert answer.status_code == 404, (path, answer.text)
            body = answer.json()
            assert body["error_code"] == "NOT_FOUND" and "not found" in body["message"]
        missing = http.get(f"{UC}/tables", params={"catalog_name": catalog, "schema_name": "nothing"})
        assert missing.status_code == 404 and missing.json()["error_code"] == "NOT_FOUND"
        assert http.get(f"{UC}/tables/only.two").json()["error_code"] == "INVALID_ARGUMENT"
        assert http.get(f"{UC}/tables", params={"catalog_name": catalog}).status_code == 400  # schema_name required
        assert http.get(f"{UC}/catalogs", params={"max_results": -1}).status_code == 400
        credentials = http.post(f"{UC}/temporary-table-credentials", json={"table_id": "tbl_nope", "operation": "READ"})
        assert credentials.status_code == 404 and credentials.json()["error_code"] == "NOT_FOUND"
        bad = http.post(f"{UC}/temporary-table-credentials", json={"table_id": "x", "operation": "SCRIBBLE"})
        assert bad.status_code == 400 and bad.json()["error_code"] == "INVALID_ARGUMENT"
        assert http.post(f"{UC}/temporary-table-credentials", json={"operation": "READ"}).status_code == 400
        assert http.post(f"{UC}/catalogs", json={"name": "x"}).json()["error_code"] == "UNIMPLEMENTED"
    anonymous = server.client(token="nope").get(f"{UC}/catalogs")
    assert anonymous.status_code == 401 and anonymous.json()["error_code"] == "UNAUTHENTICATED"


def _table_id(server: Server, mesh: dict[str, str], name: str) -> str:
    with server.client() as http:
        return str(http.get(f"{UC}/tables/{mesh['catalog']}.sales_lakehouse.{name}").json()["table_id"])


def test_read_credentials_on_a_local_root_are_the_path_and_audited(server: Server, mesh: dict[str, str]) -> None:
    table_id = _table_id(server, mesh, "orders")

    async def vend() -> Any:
        async with sdk(server, mesh["owner"]) as client:
            request = GenerateTemporaryTableCredential(table_id=table_id, operation=TableOperation.READ)
            return await TemporaryCredentialsApi(client).generate_temporary_table_credentials(request)

    credentials = run(vend())
    assert credentials.url.startswith("file:///") and credentials.url.endswith("/sales_lakehouse/Tables/orders")
    assert credentials.aws_temp_credentials is None and credentials.expiration_time > 0
    with server.client() as http:
        audit = http.get("/api/v1/audit", params={"action": "table.credentials_vended", "limit": 50}).json()["items"]
    entry = next(a for a in audit if a["resource_id"] == table_id)
    assert entry["actor"].startswith("owner-") and entry["resource_name"].endswith(".sales_lakehouse.orders")
    assert entry["summary"]["expires_at"] and entry["summary"]["kind"] == "local-path"


def test_read_write_credentials_are_refused_with_403(server: Server, mesh: dict[str, str]) -> None:
    table_id = _table_id(server, mesh, "orders")
    with server.client(mesh["owner"]) as http:
        answer = http.post(f"{UC}/temporary-table-credentials", json={"table_id": table_id, "operation": "READ_WRITE"})
    assert answer.status_code == 403 and answer.json()["error_code"] == "PERMISSION_DENIED"
    assert "write through Lakemesh" in answer.json()["message"]


def test_governance_listing_masks_and_revocation(server: Server, mesh: dict[str, str]) -> None:
    catalog, product = mesh["catalog"], f"{mesh['catalog']}/customer-360"
    table_id = _table_id(server, mesh, "gold_customer_360")
    body = {"table_id": table_id, "operation": "READ"}
    with server.client(mesh["viewer"]) as viewer, server.client(mesh["owner"]) as owner:
        # without a grant: no Sales tables at all
        assert viewer.get(f"{UC}/schemas", params={"catalog_name": catalog}).json()["schemas"] == []
        assert viewer.get(f"{UC}/tables/{catalog}.sales_lakehouse.gold_customer_360").status_code == 404
        assert viewer.post(f"{UC}/temporary-table-credentials", json=body).status_code == 404

        def grant(**request: Any) -> str:
            created = viewer.post("/api/v1/access-requests", json={"product": product, "purpose": "p", **request})
            assert created.status_code == 201, created.text
            approved = owner.post(f"/api/v1/access-requests/{created.json()['id']}/approve", json={})
            assert approved.status_code == 200, approved.text
            return str(viewer.get("/api/v1/grants").json()["items"][0]["id"])

        # a grant naming every column (email included): listed, and credentials are vended
        every = [f.name for f in customers().schema]
        grant_id = grant(columns=every)
        listed = viewer.get(f"{UC}/tables", params={"catalog_name": catalog, "schema_name": "sales_lakehouse"})
        assert [t["name"] for t in listed.json()["tables"]] == ["gold_customer_360"]  # not orders: no grant
        assert viewer.post(f"{UC}/temporary-table-credentials", json=body).status_code == 200
        # revoked: no new credentials, and the table is gone from the listing
        assert owner.delete(f"/api/v1/grants/{grant_id}", params={"reason": "done"}).status_code == 200
        assert viewer.post(f"{UC}/temporary-table-credentials", json=body).status_code == 404
        assert viewer.get(f"{UC}/schemas", params={"catalog_name": catalog}).json()["schemas"] == []

        # a grant that leaves the Confidential email masked: listed, but credentials are refused with a pointer
        grant()
        assert viewer.get(f"{UC}/tables/{catalog}.sales_lakehouse.gold_customer_360").status_code == 200
        refused = viewer.post(f"{UC}/temporary-table-credentials", json=body)
        assert refused.status_code == 403 and refused.json()["error_code"] == "PERMISSION_DENIED"
        message = refused.json()["message"]
        assert "email" in message and "governed SQL" in message and "Delta Sharing" in message


@pytest.mark.filterwarnings("ignore:Credentials for scheme file:UserWarning")  # local root: no credentials
def test_daft_loads_a_table_by_name_and_reads_the_rows_of_the_native_api(server: Server, mesh: dict[str, str]) -> None:
    import daft
    import pyarrow.parquet as pq
    from daft.catalog.__unity import UnityCatalogClient

    catalog = mesh["catalog"]
    client = UnityCatalogClient(server.url, token=mesh["owner"])
    assert client.list_schemas(catalog) == [f"{catalog}.sales_lakehouse", f"{catalog}._data_products"]
    assert f"{catalog}.sales_lakehouse.orders" in client.list_tables(f"{catalog}.sales_lakehouse")
    table = client.load_table(f"{catalog}.sales_lakehouse.orders", operation="READ")
    through_catalog = daft.read_deltalake(table).sort("order_id").to_arrow()
    with server.client(mesh["owner"]) as http:
        native = http.get(
            f"/api/v1/domains/{catalog}/lakehouses/sales_lakehouse/tables/orders/data", params={"format": "parquet"}
        )
    expected = pq.read_table(pa.BufferReader(native.content)).sort_by("order_id")
    assert through_catalog.to_pylist() == expected.to_pylist() and through_catalog.num_rows == 3
    # Daft's Catalog wrapper asks for READ_WRITE credentials, which are refused: writes go through Lakemesh
    with pytest.raises(Exception, match="READ_WRITE"):
        daft.Catalog.from_unity(client).get_table(f"{catalog}.sales_lakehouse.orders")


@pytest.mark.filterwarnings("ignore::UserWarning")  # Polars marks `Catalog` unstable
def test_polars_catalog_scans_a_table_by_name(server: Server, mesh: dict[str, str]) -> None:
    pl = pytest.importorskip("polars")
    catalog = mesh["catalog"]
    client = pl.Catalog(server.url, bearer_token=mesh["owner"], require_https=False)
    assert catalog in [c.name for c in client.list_catalogs()]
    assert "sales_lakehouse" in [s.name for s in client.list_namespaces(catalog)]
    assert "orders" in [t.name for t in client.list_tables(catalog, "sales_lakehouse")]
    info = client.get_table_info(catalog, "sales_lakehouse", "orders")
    assert [c.name for c in info.columns] == ["order_id", "region", "amount", "placed"]
    frame = client.scan_table(catalog, "sales_lakehouse", "orders").sort("order_id").collect()
    assert frame["order_id"].to_list() == [1, 2, 3] and frame["region"].to_list() == ["eu", "us", "eu"]
