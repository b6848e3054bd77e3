"""Unknown URLs (30.10): a browser gets the styled 404 page, signed in or out; API paths keep problem JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lakemesh.api.app import create_app
from lakemesh.mesh import Mesh
from tests.unit.metrics.test_web_pages import sign_in

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.mark.parametrize("signed", [False, True])
def test_a_browser_gets_the_styled_404_page(mesh: Mesh, signed: bool) -> None:
    client = sign_in(mesh) if signed else TestClient(create_app(mesh.platform), follow_redirects=False)
    response = client.get("/no/such/page", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text and "Skip to content" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert ("Sign out" in response.text) is signed


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/delta-sharing/nope"])
def test_api_paths_keep_problem_json_even_for_a_browser(mesh: Mesh, path: str) -> None:
    response = TestClient(create_app(mesh.platform)).get(path, headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_an_api_client_asking_for_json_gets_problem_json(mesh: Mesh) -> None:
    response = TestClient(create_app(mesh.platform)).get("/no/such/page", headers={"Accept": "application/json"})
    assert response.headers["content-type"] == "application/problem+json"
