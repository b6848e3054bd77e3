"""The operators' Prometheus endpoint: request counts and latencies per route template, scheduled job runs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lakemesh.api.app import create_app
from lakemesh.mesh import Mesh


def test_requests_and_jobs_are_counted_by_route_template(mesh: Mesh) -> None:
    client = TestClient(create_app(mesh.platform))
    admin = {"Authorization": f"Bearer {mesh.create_token().secret}"}
    assert client.get("/api/v1/products/sales/customer-360", headers=admin).status_code == 200
    assert client.get("/api/v1/products/sales/nope", headers=admin).status_code == 404
    assert client.get("/no/such/path").status_code == 404
    mesh.platform.scheduler.run_due(now=float("inf"))
    response = client.get("/metrics", headers=admin)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = 'route="/api/v1/products/{domain}/{product}"'
    assert f'lakemesh_http_requests_total{{method="GET",{route},status="200"}} 1.0' in text
    assert f'lakemesh_http_requests_total{{method="GET",{route},status="404"}} 1.0' in text
    assert 'route="unmatched"' in text and "/no/such/path" not in text  # raw paths never become labels
    assert "lakemesh_http_request_duration_seconds_bucket" in text
    assert 'lakemesh_job_runs_total{job="mesh-metrics-snapshot"} 1.0' in text


def test_only_platform_admins_scrape(mesh: Mesh) -> None:
    client = TestClient(create_app(mesh.platform))
    assert client.get("/metrics").status_code == 401
    viewer = mesh.create_token(principal="viewer@company.com").secret
    assert client.get("/metrics", headers={"Authorization": f"Bearer {viewer}"}).status_code == 403
