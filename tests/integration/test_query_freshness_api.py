"""Over REST and the SQL endpoint, a governed query answered a moment ago never outlives a change: a revoked grant,
a masking policy change, a new table version and a revoked token all apply to the very next query (the server
keeps each reader's resolved tables and masks between queries, and the table's latest snapshot)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import Server
from tests.integration.published_world import ARROW, arrow_bytes, published_customer_360
from tests.unit.access.conftest import customers


@pytest.fixture
def mesh(server: Server) -> dict[str, Any]:
    """A fresh owning domain with a published Customer 360 and an analyst of another domain holding a grant."""
    world = published_customer_360(server)
    owning, owner, analyst, tokens, data = world.owning, world.owner, world.analyst, world.tokens, world.data
    with server.client(tokens[analyst]["secret"]) as asking, server.client(tokens[owner]["secret"]) as approving:
        product = f"{owning.lower()}/customer-360"
        created = asking.post("/api/v1/access-requests", json={"product": product, "purpose": "targeting"})
        approved = approving.post(f"/api/v1/access-requests/{created.json()['id']}/approve", json={})
        assert approved.status_code == 200
    return {
        "table": f"{owning.lower()}.sales_lakehouse.gold_customer_360",
        "data": data,
        "grant": approved.json()["grant_id"],
        "owner": tokens[owner]["secret"],
        "analyst": tokens[analyst]["secret"],
        "analyst_token": tokens[analyst],
        "analyst_name": analyst,
        "product": f"product.{owning.lower()}.customer_360",
    }


def _query(server: Server, token: str, sql: str) -> tuple[int, Any]:
    with server.client(token) as http:
        response = http.post("/api/v1/query", json={"sql": sql})
    return response.status_code, response.json()


def _warm(server: Server, token: str, sql: str) -> list[list[Any]]:
    """The rows, asked twice so the second answer comes from what the server kept."""
    first = _query(server, token, sql)
    assert first[0] == 200, first
    again = _query(server, token, sql)
    assert again[0] == 200 and again[1]["rows"] == first[1]["rows"]
    rows: list[list[Any]] = first[1]["rows"]
    return rows


@pytest.fixture
def restore_policy(server: Server) -> Iterator[None]:
    with server.client() as http:
        before = http.get("/api/v1/masking").json()
    yield
    with server.client() as http:
        assert http.put("/api/v1/masking", json=before).status_code == 200


def test_a_revoked_grant_stops_the_next_rest_query(server: Server, mesh: dict[str, Any]) -> None:
    sql = f"SELECT email FROM {mesh['table']} WHERE customer_id = 'c1'"
    assert _warm(server, mesh["analyst"], sql) == [["a***@x.com"]]
    with server.client(mesh["owner"]) as owner:
        assert owner.delete(f"/api/v1/grants/{mesh['grant']}").status_code == 200
    assert _query(server, mesh["analyst"], sql)[0] == 404


def test_a_masking_policy_change_applies_to_the_next_rest_query(
    server: Server, mesh: dict[str, Any], restore_policy: None
) -> None:
    sql = f"SELECT email FROM {mesh['table']} WHERE customer_id = 'c1'"
    assert _warm(server, mesh["analyst"], sql) == [["a***@x.com"]]
    with server.client() as admin:
        labels = {"confidential": "redact", "highly confidential": "hash"}
        assert admin.put("/api/v1/masking", json={"labels": labels}).status_code == 200
    assert _query(server, mesh["analyst"], sql)[1]["rows"] == [["***"]]


def test_a_new_table_version_is_read_by_the_next_rest_query(server: Server, mesh: dict[str, Any]) -> None:
    sql = f"SELECT count(*) AS n FROM {mesh['table']} WHERE segment = 'SMB'"
    assert _warm(server, mesh["owner"], sql) == [[2]]
    more = customers().slice(1, 1)  # c2, SMB
    with server.client(mesh["owner"]) as owner:
        assert owner.post(mesh["data"], content=arrow_bytes(more), headers=ARROW).status_code == 200
    assert _query(server, mesh["owner"], sql)[1]["rows"] == [[3]]


def test_a_revoked_token_stops_the_next_rest_query(server: Server, mesh: dict[str, Any]) -> None:
    sql = f"SELECT count(*) AS n FROM {mesh['table']}"
    assert _warm(server, mesh["analyst"], sql) == [[6]]
    with server.client() as admin:
        assert admin.delete(f"/api/v1/tokens/{mesh['analyst_token']['id']}").status_code in (200, 204)
    assert _query(server, mesh["analyst"], sql)[0] == 401


def test_a_revoked_grant_stops_the_next_prepared_statement_on_an_open_connection(
    server: Server, mesh: dict[str, Any]
) -> None:
    dsn = (
        f"host=127.0.0.1 port={server.env['LAKEMESH_SQL_PORT']} user='{mesh['analyst_name']}' dbname=lakemesh "
        f"password='{mesh['analyst']}' sslmode=disable"
    )
    lookup = f"SELECT email FROM {mesh['product']} WHERE customer_id = %s"
    with psycopg.connect(dsn, autocommit=True) as connection:
        for customer, email in (("c1", "a***@x.com"), ("c2", "a***@y.org"), ("c1", "a***@x.com")):
            assert connection.execute(lookup, (customer,), prepare=True).fetchall() == [(email,)]
        with server.client(mesh["owner"]) as owner:
            assert owner.delete(f"/api/v1/grants/{mesh['grant']}").status_code == 200
        with pytest.raises(psycopg.Error) as refused:
            connection.execute(lookup, ("c1",), prepare=True).fetchall()
        assert refused.value.sqlstate == "42501" and "no grant" in str(refused.value)  # a published product: 403
