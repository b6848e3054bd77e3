"""Classification over REST through a real server: scan, suggestions without values, review, 404 for outsiders."""

from __future__ import annotations

import uuid

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
