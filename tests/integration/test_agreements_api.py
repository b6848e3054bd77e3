"""Usage agreements over REST through a real server: the seed's request, accepted terms, approved for 30 days, is
an agreement both sides read and nobody else; a breaking change's 409 names it; renewal and revocation."""

from __future__ import annotations

import copy
import io
import uuid
from datetime import UTC, datetime

import pyarrow as pa

from lakemesh.demo.data import customer_360
from tests.integration.conftest import Server
from tests.unit.products.seed import CUSTOMER_360

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}
TERMS = ["No re-sharing outside your domain", "Delete extracts 30 days after the agreement ends"]


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _principal(http: object, name: str) -> str:
    assert http.post("/api/v1/principals", json={"name": name}).status_code == 201  # type: ignore[attr-defined]
    return str(http.post("/api/v1/tokens", json={"principal": name}).json()["secret"])  # type: ignore[attr-defined]


def test_an_approved_request_is_an_agreement_only_its_parties_read(server: Server) -> None:
    domain = f"Sales{uuid.uuid4().hex[:6]}"
    analyst = f"analyst-{uuid.uuid4().hex[:6]}@company.com"
    data = f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "sales-data-team@company.com"})
        consumer_token = _principal(http, analyst)
        stranger_token = _principal(http, f"stranger-{uuid.uuid4().hex[:6]}@company.com")
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        rows = customer_360(50, now=datetime.now(UTC))
        assert http.post(data, content=_arrow(rows), headers=ARROW).status_code == 200
        document = {**copy.deepcopy(CUSTOMER_360), "domain": domain, "usage_terms": TERMS}
        assert http.post("/api/v1/products", json=document).status_code == 201
        product = f"{domain.lower()}/customer-360"
        assert http.post(f"/api/v1/products/{product}/publish").status_code == 200

        with server.client(consumer_token) as consumer, server.client(stranger_token) as stranger:
            ask = {"product": product, "purpose": "Need for campaign targeting analysis", "duration": "30d"}
            refused = consumer.post("/api/v1/access-requests", json=ask)
            assert refused.status_code == 422 and [e["message"] for e in refused.json()["errors"]] == TERMS
            created = consumer.post("/api/v1/access-requests", json={**ask, "accept_terms": True})
            assert created.status_code == 201 and created.json()["terms"] == TERMS
            approved = http.post(
                f"/api/v1/access-requests/{created.json()['id']}/approve", json={"obligations": ["Report misuse"]}
            )
            agreement_id = approved.json()["agreement_id"]
            path = f"/api/v1/agreements/{agreement_id}"

            mine, theirs = consumer.get(path), http.get(path)
            assert mine.status_code == 200 and mine.json() == theirs.json()
            agreement = mine.json()
            assert agreement["consumer"] == analyst and agreement["obligations"] == [*TERMS, "Report misuse"]
            assert agreement["state"] == "active" and agreement["contract_version"] == "1.0.0"
            assert [a["id"] for a in consumer.get("/api/v1/agreements").json()["items"]] == [agreement_id]

            hidden = stranger.get(path)
            assert hidden.status_code == 404 and hidden.json() == {
                **stranger.get("/api/v1/agreements/agr_missing").json(),
                "detail": f"Usage agreement {agreement_id!r} not found",
            }
            assert stranger.get("/api/v1/agreements").json()["items"] == []
            assert consumer.post(f"{path}/renew", json={}).status_code == 403

            contract = copy.deepcopy(http.get(f"/api/v1/products/{product}").json()["contract"])
            del contract["schema"]["segment"]
            breaking = http.patch(f"/api/v1/products/{product}", json={"contract": contract})
            assert breaking.status_code == 409 and agreement_id in breaking.json()["detail"]
            assert [a["agreement"] for a in breaking.json()["errors"][0]["agreements"]] == [agreement_id]

            renewed = http.post(f"{path}/renew", json={"duration": "30d"})
            assert renewed.status_code == 200 and renewed.json()["version"] == 2
            grant = consumer.get("/api/v1/grants").json()["items"][0]
            assert (grant["agreement_id"], grant["agreement_version"]) == (agreement_id, 2)
            assert http.delete(f"/api/v1/grants/{grant['id']}", params={"reason": "campaign over"}).is_success
            assert consumer.get(path).json()["state"] == "ended"
            assert http.post(f"{path}/renew", json={}).status_code == 409
            titles = [n["title"] for n in consumer.get("/api/v1/me/notifications").json()]
            assert any(t.startswith("Usage agreement ended") for t in titles)
