"""Template versions over REST and the SDK: every change an admin makes is kept, newest first."""

from __future__ import annotations

import uuid

from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server


def test_template_versions_are_listed_newest_first(server: Server) -> None:
    name = f"team-lakehouse-{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        for days in (30, 60):
            body = {"type": "Lakehouse", "config": {"layers": ["bronze"], "retention_days": days}}
            assert http.put(f"/api/v1/templates/{name}", json=body).status_code == 200
        response = http.get(f"/api/v1/templates/{name}/versions")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [v["version"] for v in items] == [2, 1]
    assert items[0]["document"]["config"]["retention_days"] == 60 and items[0]["created_by"] == "admin"
    with RemoteMesh(server.url, server.token) as sdk:
        assert [v.version for v in sdk.template_versions(name)] == [2, 1]


def test_versions_of_an_unknown_template_are_404(server: Server) -> None:
    with server.client() as http:
        response = http.get("/api/v1/templates/no-such-template/versions")
        anonymous = http.get("/api/v1/templates/domain-lakehouse-template/versions", headers={"Authorization": ""})
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    assert anonymous.status_code == 401
