"""HTTP behaviour users and scripts rely on: problems, auth, limits, pagination, ETags."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.integration.conftest import Server


def unique(prefix: str = "Domain") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def make_user(server: Server, role: str | None = None, domain: str | None = None) -> str:
    name = f"user-{uuid.uuid4().hex[:8]}@company.com"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": name}).raise_for_status()
        if role and domain:
            http.post(f"/api/v1/domains/{domain}/members", json={"principal": name, "role": role}).raise_for_status()
        return str(http.post("/api/v1/tokens", json={"principal": name}).json()["secret"])


def test_health_and_openapi_need_no_token(server: Server) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready"}
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/v1/domains/{domain}/members" in spec["paths"]
    assert httpx.get(f"{server.url}/docs").status_code == 200


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "empty"), ("x" * 129, "128"), ("a/b", "/"), ("..", ".."), ("bell\u0007", "control"), ("!!!", "letter")],
)
def test_bad_names_are_422_naming_the_field(server: Server, name: str, reason: str) -> None:
    with server.client() as http:
        body = problem(http.post("/api/v1/domains", json={"name": name}), 422)
    assert body["errors"][0]["loc"] == ["name"]  # type: ignore[index]
    assert reason in str(body["detail"])


def test_unknown_fields_and_wrong_types_are_422(server: Server) -> None:
    with server.client() as http:
        body = problem(http.post("/api/v1/domains", json={"name": unique(), "colour": "red"}), 422)
        assert body["errors"] == [{"loc": ["colour"], "message": "unknown field"}]
        problem(http.post("/api/v1/domains", json={"name": ["not", "a", "string"]}), 422)
        problem(http.post("/api/v1/domains", content=b"{not json", headers={"content-type": "application/json"}), 422)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer lm_nope", "Basic YWRtaW46YWRtaW4=", "token abc"])
def test_missing_or_invalid_tokens_are_401(server: Server, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{server.url}/api/v1/domains", headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_expired_and_revoked_tokens_are_401(server: Server) -> None:
    with server.client() as http:
        short = http.post("/api/v1/tokens", json={"name": "short", "expires_in": "1s"}).json()
        revoked = http.post("/api/v1/tokens", json={"name": "gone"}).json()
        http.delete(f"/api/v1/tokens/{revoked['id']}").raise_for_status()
    problem(httpx.get(f"{server.url}/api/v1/domains", headers={"Authorization": f"Bearer {revoked['secret']}"}), 401)
    time.sleep(1.2)
    problem(httpx.get(f"{server.url}/api/v1/domains", headers={"Authorization": f"Bearer {short['secret']}"}), 401)


def test_a_viewer_cannot_change_anything(server: Server) -> None:
    name = unique()
    with server.client() as http:
        slug = http.post("/api/v1/domains", json={"name": name}).json()["slug"]
    viewer = make_user(server, "Viewer", slug)
    with server.client(viewer) as http:
        assert http.get(f"/api/v1/domains/{slug}/members").status_code == 200
        problem(http.patch(f"/api/v1/domains/{slug}", json={"description": "x"}), 403)
        problem(http.post(f"/api/v1/domains/{slug}/members", json={"principal": "admin", "role": "Admin"}), 403)
        problem(http.delete(f"/api/v1/domains/{slug}"), 403)
        problem(http.post("/api/v1/domains", json={"name": unique()}), 403)
        problem(http.post("/api/v1/principals", json={"name": "x@y.com"}), 403)


def test_objects_of_others_are_404_not_403(server: Server) -> None:
    with server.client() as http:
        admin_token = http.post("/api/v1/tokens", json={"name": "private"}).json()
    other = make_user(server)
    with server.client(other) as http:
        body = problem(http.delete(f"/api/v1/tokens/{admin_token['id']}"), 404)
        assert body["detail"] == problem(http.delete("/api/v1/tokens/tok_doesnotexist"), 404)["detail"].replace(
            "tok_doesnotexist", admin_token["id"]
        )
        problem(http.get("/api/v1/domains/never-created"), 404)


def test_duplicate_names_in_any_case_are_409(server: Server) -> None:
    name = unique()
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": name}).status_code == 201
        problem(http.post("/api/v1/domains", json={"name": name.upper()}), 409)


def test_oversized_bodies_are_413_and_wrong_media_types_415(server: Server) -> None:
    with server.client() as http:
        big = {"name": unique(), "description": "x" * (3 * 1024 * 1024)}
        problem(http.post("/api/v1/domains", json=big), 413)

        def chunks():  # no Content-Length: the guard counts what arrives
            for _ in range(40):
                yield b" " * 100_000

        problem(http.post("/api/v1/domains", content=chunks(), headers={"content-type": "application/json"}), 413)
        problem(
            http.post(
                "/api/v1/domains", content=b"name=x", headers={"content-type": "application/x-www-form-urlencoded"}
            ),
            415,
        )
        problem(http.post("/api/v1/domains", content=b"<name/>", headers={"content-type": "text/xml"}), 415)


def test_updates_honour_if_match(server: Server) -> None:
    with server.client() as http:
        created = http.post("/api/v1/domains", json={"name": unique()})
        etag, slug = created.headers["etag"], created.json()["slug"]
        assert http.get(f"/api/v1/domains/{slug}").headers["etag"] == etag
        ok = http.patch(f"/api/v1/domains/{slug}", json={"description": "v2"}, headers={"If-Match": etag})
        assert ok.status_code == 200 and ok.headers["etag"] != etag
        problem(http.patch(f"/api/v1/domains/{slug}", json={"description": "v3"}, headers={"If-Match": etag}), 412)
        assert http.get(f"/api/v1/domains/{slug}").json()["description"] == "v2"


def test_lists_are_paginated(server: Server) -> None:
    prefix = f"Page{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        for index in range(5):
            http.post("/api/v1/domains", json={"name": f"{prefix} {index}"}).raise_for_status()
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = http.get("/api/v1/domains", params=params).json()
            assert len(page["items"]) <= 2
            seen += [d["name"] for d in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert [n for n in seen if n.startswith(prefix)] == [f"{prefix} {i}" for i in range(5)]
        problem(http.get("/api/v1/domains", params={"limit": 501}), 422)
        problem(http.get("/api/v1/domains", params={"cursor": "%%%"}), 422)


def test_audit_log_is_filtered_and_admin_only(server: Server) -> None:
    name = unique()
    with server.client() as http:
        slug = http.post("/api/v1/domains", json={"name": name}).json()["slug"]
        entries = http.get("/api/v1/audit", params={"domain": slug}).json()["items"]
        assert [e["action"] for e in entries] == ["domain.created"]
        assert entries[0]["actor"] == "admin"
    with server.client(make_user(server)) as http:
        problem(http.get("/api/v1/audit"), 403)


def test_unknown_routes_are_problems_too(server: Server) -> None:
    with server.client() as http:
        problem(http.get("/api/v1/nothing-here"), 404)
        problem(http.put("/api/v1/domains", json={}), 405)
