"""Classification over REST through a real server: scan, suggestions without values, review, 404 for outsiders."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pyarrow as pa

from lakemesh import connect
from tests.integration.conftest import Server
from tests.unit.classification.test_scans import contacts


def test_classify_review_and_hide_from_outsiders(server: Server) -> None:
    domain = f"cl{uuid.uuid4().hex[:6]}"
    table = f"/api/v1/domains/{domain}/lakehouses/crm_lh/tables/contacts"
    with connect(server.url, server.token) as mesh:
        mesh.create_domain(domain)
        mesh.create_lakehouse(domain, "crm_lh")
        mesh.write_table(domain, "crm_lh", "contacts", contacts(200))
        mesh.create_principal(f"outsider-{domain}")
        outsider = mesh.create_token(principal=f"outsider-{domain}").secret
    with server.client() as http:
        scan = http.post(f"{table}/classify")
        assert scan.status_code == 200, scan.text
        assert "@" not in scan.text  # counts and confidences only
        found = {s["column"]: s for s in scan.json()["suggestions"]}
        assert found["contact"]["classification"] == "email" and found["contact"]["matched"] == 200
        accepted = http.post(f"/api/v1/classification/suggestions/{found['contact']['id']}/accept", json={})
        assert accepted.status_code == 200 and accepted.json()["label"] == "Confidential"
        again = http.post(f"/api/v1/classification/suggestions/{found['contact']['id']}/reject")
        assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
        audit = http.get("/api/v1/audit", params={"action": "classification.accepted", "domain": domain}).json()
        assert audit["items"], audit
        refused = http.put("/api/v1/classification/classifiers/evil2", json={"name": "evil2", "pattern": "(a)\\1"})
        assert refused.status_code == 422 and "RE2" in refused.json()["detail"]
    with server.client(outsider) as http:
        hidden = http.post(f"{table}/classify")
        missing = http.post(table.replace("contacts", "nothing") + "/classify")
        assert hidden.status_code == missing.status_code == 404
        assert http.get(f"{table}/classification-suggestions").status_code == 404
        decided = http.post(f"/api/v1/classification/suggestions/{found['phone']['id']}/accept", json={})
        assert decided.status_code == 404


def test_a_label_travels_along_a_column_facet_the_openlineage_client_sent(server: Server) -> None:
    """The real `openlineage-python` client posts a run with a columnLineage facet; labelling the source column
    makes the running server's propagation suggest the label on the derived column, with the path."""
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import column_lineage_dataset as columns
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    domain = f"ol{uuid.uuid4().hex[:6]}"
    source, target = f"{domain}.crm_lh.contacts", f"{domain}.crm_lh.mailing"
    with connect(server.url, server.token) as mesh:
        mesh.create_domain(domain)
        mesh.create_lakehouse(domain, "crm_lh")
        mesh.write_table(domain, "crm_lh", "contacts", contacts(20))
        mesh.write_table(domain, "crm_lh", "mailing", pa.table({"recipient": ["a@example.com"], "n": [1]}))
    config = HttpConfig(url=server.url, endpoint="api/v1/lineage", auth=ApiKeyTokenProvider({"apiKey": server.token}))
    derived = columns.Fields(inputFields=[columns.InputField(namespace="lakemesh", name=source, field="contact")])
    facet = columns.ColumnLineageDatasetFacet(fields={"recipient": derived})
    OpenLineageClient(transport=HttpTransport(config)).emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=str(uuid.uuid4())),
            job=Job(namespace=domain, name="dbt.mailing"),
            producer="https://example.com/dbt",
            inputs=[InputDataset(namespace="lakemesh", name=source)],
            outputs=[OutputDataset(namespace="lakemesh", name=target, facets={"columnLineage": facet})],
        )
    )
    with connect(server.url, server.token) as mesh:
        mesh.update_table(domain, "crm_lh", "contacts", columns={"contact": {"sensitivity_label": "Confidential"}})
    suggestions = f"/api/v1/domains/{domain}/lakehouses/crm_lh/tables/mailing/classification-suggestions"
    with server.client() as http:
        deadline = time.monotonic() + 120  # the server's propagation job runs every few seconds
        found: list[dict[str, object]] = []
        while not found and time.monotonic() < deadline:
            found = [s for s in http.get(suggestions).json() if s["source"] == "lineage"]
            time.sleep(0.5)
    assert [(s["column"], s["label"], s["status"]) for s in found] == [("recipient", "Confidential", "pending")]
    assert found[0]["path"] == f"derived from {source}.contact via job {domain}/dbt.mailing"
