"""Mesh metrics, the Prometheus endpoint and the web UI through a real `lakemesh serve` process."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import httpx
import pytest

from lakemesh import connect
from lakemesh.core.errors import Forbidden
from tests.integration.conftest import Server


def test_metrics_need_a_token_and_return_the_seed_metrics_with_series(server: Server) -> None:
    assert httpx.get(f"{server.url}/api/v1/metrics").status_code == 401
    with server.client() as http:
        http.post("/api/v1/domains", json={"name": f"Metrics{uuid.uuid4().hex[:6]}"})
        response = http.get("/api/v1/metrics", params={"days": 7})
        assert response.status_code == 200
        body = response.json()
        assert set(body["summary"]) == {
            "data_products_count",
            "domains_active",
            "cross_domain_shares",
            "avg_quality_score",
            "time_to_new_product",
            "self_serve_adoption",
            "governance_compliance",
        }
        assert body["current"]["domains_total"] >= 1
        assert body["series"]["data_products_count"][-1]["value"] == body["current"]["data_products_count"]
        bad = http.get("/api/v1/metrics", params={"days": 0})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_the_sdk_and_the_cli_read_the_same_metrics(server: Server) -> None:
    with connect(server.url, server.token) as remote:
        report = remote.metrics_report(days=3)
        assert remote.mesh_metrics().domains_total == report.current.domains_total
    env = {**server.env, "LAKEMESH_URL": server.url, "LAKEMESH_TOKEN": server.token}
    result = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "metrics"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Data products" in result.stdout and "Self-serve adoption" in result.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "metrics", "--days", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert failed.returncode == 1 and failed.stderr.startswith("error:")


def test_prometheus_endpoint_is_for_platform_admins(server: Server) -> None:
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    with server.client() as http:
        http.get("/api/v1/domains")
        text = http.get("/metrics").text
    assert 'lakemesh_http_requests_total{method="GET",route="/api/v1/domains",status="200"}' in text
    assert "lakemesh_job_runs_total" in text


def test_the_web_ui_signs_in_with_a_token(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as browser:
        assert browser.get("/").status_code == 303
        form = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        signed = browser.post("/login", data={"token": server.token, "csrf_token": csrf.group(1), "next": "/"})
        assert signed.status_code == 303
        home = browser.get("/")
        assert home.status_code == 200 and "Mesh health" in home.text
        assert browser.get("/static/htmx.min.js").status_code == 200


def test_platform_admins_snapshot_the_metrics_remotely(server: Server) -> None:
    name = f"m{uuid.uuid4().hex[:6]}@company.com"
    with connect(server.url, server.token) as remote:
        assert remote.snapshot_metrics() > 0
        remote.create_principal(name)
        other = remote.create_token(principal=name).secret
    with connect(server.url, other) as viewer, pytest.raises(Forbidden):
        viewer.snapshot_metrics()
