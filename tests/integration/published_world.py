"""A fresh owning domain with a published Customer 360 and an analyst in another domain, built over REST: the
world of the access and query-freshness tests (each call makes its own, with unique names)."""

from __future__ import annotations

import copy
import io
import uuid
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tests.integration.conftest import Server
from tests.unit.access.conftest import customers, product_document

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}


def arrow_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@dataclass(frozen=True)
class PublishedWorld:
    owning: str  # the domain's name as created (mixed case); its slug is `owning.lower()`
    consuming: str
    owner: str
    analyst: str
    data: str  # the table's data URL
    tokens: dict[str, dict[str, Any]]  # principal name -> the token as created (id, secret, ...)


def published_customer_360(server: Server) -> PublishedWorld:
    suffix = uuid.uuid4().hex[:6]
    owning, consuming = f"Sales{suffix}", f"Mkt{suffix}"
    owner, analyst = f"owner-{suffix}@company.com", f"analyst-{suffix}@company.com"
    with server.client() as http:
        for name in (owner, analyst):
            assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
        for domain in (owning, consuming):
            assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        http.post(f"/api/v1/domains/{owning}/members", json={"principal": owner, "role": "Admin"})
        http.post(f"/api/v1/domains/{consuming}/members", json={"principal": analyst, "role": "Member"})
        assert http.post(f"/api/v1/domains/{owning}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        data = f"/api/v1/domains/{owning}/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
        assert http.post(data, content=arrow_bytes(customers()), headers=ARROW).status_code == 200
        document = {**copy.deepcopy(product_document()), "domain": owning, "owner": owner}
        assert http.post("/api/v1/products", json=document).status_code == 201
        assert http.post(f"/api/v1/products/{owning.lower()}/customer-360/publish").status_code == 200
        tokens = {who: http.post("/api/v1/tokens", json={"principal": who}).json() for who in (owner, analyst)}
    return PublishedWorld(owning, consuming, owner, analyst, data, tokens)
