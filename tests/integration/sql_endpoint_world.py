"""The data of the SQL endpoint tests' server (`sql_server` and `sql_world` in conftest.py, one per session)."""

from __future__ import annotations

import copy
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pyarrow as pa

from tests.unit.access.conftest import customers, product_document

if TYPE_CHECKING:
    from tests.integration.conftest import Server

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}
MAX_ROWS = 1000


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def typed_values() -> pa.Table:
    """One column per type the wire encodes in binary, with a NULL in every column."""
    moment = datetime(2024, 3, 9, 13, 14, 15, 123456)
    return pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "label": pa.array(["alpha", "béta ✓", None]),
            "small": pa.array([1, -2, None], pa.int16()),
            "medium": pa.array([100_000, -7, None], pa.int32()),
            "big": pa.array([2**40, -(2**40), None], pa.int64()),
            "amount": pa.array([Decimal("1234.56"), Decimal("-0.01"), None], pa.decimal128(12, 2)),
            "ratio": pa.array([0.125, -1e-9, None], pa.float64()),
            "flag": pa.array([True, False, None]),
            "day": pa.array([date(2024, 2, 29), date(1999, 12, 31), None]),
            "local_ts": pa.array([moment, datetime(1970, 1, 1), None], pa.timestamp("us")),
            "utc_ts": pa.array([moment.replace(tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC), None],
                               pa.timestamp("us", tz="UTC")),
        }
    )  # fmt: skip


def build_sql_world(sql_server: Server) -> dict[str, str]:
    """Sales (owner: published Customer 360, a secret table, typed values), Marketing (analyst with a grant,
    a viewer without one)."""
    suffix = uuid.uuid4().hex[:6]
    owning, consuming = f"Sales{suffix}", f"Mkt{suffix}"
    people = {k: f"{k}-{suffix}@company.com" for k in ("owner", "analyst", "viewer")}
    with sql_server.client() as http:
        for name in people.values():
            assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
        for domain in (owning, consuming):
            assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        http.post(f"/api/v1/domains/{owning}/members", json={"principal": people["owner"], "role": "Admin"})
        http.post(f"/api/v1/domains/{consuming}/members", json={"principal": people["analyst"], "role": "Member"})
        http.post(f"/api/v1/domains/{consuming}/members", json={"principal": people["viewer"], "role": "Viewer"})
        assert http.post(f"/api/v1/domains/{owning}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        assert http.post(f"/api/v1/domains/{consuming}/lakehouses", json={"name": "mkt_lakehouse"}).status_code == 201
        base = f"/api/v1/domains/{owning}/lakehouses/sales_lakehouse/tables"
        secret = pa.table({"deal": ["d1"], "amount": [1_000_000.0]})
        campaigns = pa.table({"campaign": ["spring", "b2b"], "segment": ["Consumer", "Enterprise"]})
        for url, table in (
            (f"{base}/gold_customer_360/data", customers()),
            (f"{base}/silver_secret_deals/data", secret),
            (f"{base}/typed_values/data", typed_values()),
            (f"/api/v1/domains/{consuming}/lakehouses/mkt_lakehouse/tables/silver_campaigns/data", campaigns),
        ):
            assert http.post(url, content=_arrow(table), headers=ARROW).status_code == 200, url
        document = {**copy.deepcopy(product_document()), "domain": owning, "owner": people["owner"]}
        assert http.post("/api/v1/products", json=document).status_code == 201
        assert http.post(f"/api/v1/products/{owning.lower()}/customer-360/publish").status_code == 200
        tokens = {k: http.post("/api/v1/tokens", json={"principal": v}).json()["secret"] for k, v in people.items()}
    with sql_server.client(tokens["analyst"]) as analyst, sql_server.client(tokens["owner"]) as owner:
        product = f"{owning.lower()}/customer-360"
        created = analyst.post("/api/v1/access-requests", json={"product": product, "purpose": "targeting"})
        assert owner.post(f"/api/v1/access-requests/{created.json()['id']}/approve", json={}).status_code == 200
    return {
        "sales": owning.lower(), "mkt": consuming.lower(), **tokens, **{f"{k}_name": v for k, v in people.items()},
        "port": sql_server.env["LAKEMESH_SQL_PORT"],
    }  # fmt: skip
