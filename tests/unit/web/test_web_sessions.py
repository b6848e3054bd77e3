"""Server-side web sessions (issue 25.10, 30.13): the cookie holds only a random id; sign-out, token revocation
and disabling the principal end every copy of it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from lakemesh.api.app import create_app
from lakemesh.auth.models import PrincipalCreate
from lakemesh.catalog.tables.auth import WebSessionRow
from lakemesh.mesh import Mesh
from lakemesh.web.session import COOKIE
from tests.unit.metrics.test_web_pages import csrf_of


def _signed_in(mesh: Mesh, secret: str) -> TestClient:
    client = TestClient(create_app(mesh.platform), follow_redirects=False)
    form = client.get("/login")
    response = client.post("/login", data={"token": secret, "csrf_token": csrf_of(form.text), "next": "/"})
    assert response.status_code == 303
    return client


def _copy(client: TestClient, mesh: Mesh) -> TestClient:
    thief = TestClient(create_app(mesh.platform), follow_redirects=False)
    thief.cookies.set(COOKIE, client.cookies[COOKIE])
    return thief


def test_the_cookie_never_carries_the_token_and_the_catalog_keeps_only_a_hash(mesh: Mesh) -> None:
    secret = mesh.create_token().secret
    client = _signed_in(mesh, secret)
    cookie = client.cookies[COOKIE]
    assert secret not in cookie and secret[3:] not in cookie
    with mesh.platform.catalog.read() as session:
        rows = session.scalars(select(WebSessionRow)).all()
    assert len(rows) == 1 and rows[0].revoked_at is None
    assert rows[0].id_hash not in cookie  # only the hash is stored, never the id


def test_a_cookie_copied_before_sign_out_no_longer_works(mesh: Mesh) -> None:
    client = _signed_in(mesh, mesh.create_token().secret)
    thief = _copy(client, mesh)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    signed_out = client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    assert signed_out.status_code == 303
    notice = client.get(signed_out.headers["location"])
    assert "You are signed out" in notice.text and 'role="status"' in notice.text
    assert thief.get("/").headers["location"] == "/login?next=/"
    assert thief.get("/marketplace").status_code == 303


def test_revoking_the_token_or_disabling_the_principal_signs_the_browser_out(mesh: Mesh) -> None:
    issued = mesh.create_token()
    client = _signed_in(mesh, issued.secret)
    assert client.get("/").status_code == 200
    mesh.platform.principals.revoke_token(mesh.platform.principals.bootstrap_admin(), issued.id)
    assert client.get("/").status_code == 303
    with mesh.platform.catalog.read() as session:
        assert session.scalars(select(WebSessionRow.revoked_at)).all()[0] is not None

    admin = mesh.platform.principals.bootstrap_admin()
    mesh.platform.principals.create_principal(admin, PrincipalCreate(name="ana@company.com"))
    ana = _signed_in(mesh, mesh.create_token(principal="ana@company.com").secret)
    assert ana.get("/").status_code == 200
    mesh.platform.principals.disable_principal(admin, "ana@company.com")
    assert ana.get("/").status_code == 303


def test_each_sign_in_gets_a_new_session_id_and_csrf_token(mesh: Mesh) -> None:
    client = TestClient(create_app(mesh.platform), follow_redirects=False)
    form = client.get("/login")
    before, anonymous_csrf = client.cookies[COOKIE], csrf_of(form.text)
    client.post("/login", data={"token": mesh.create_token().secret, "csrf_token": anonymous_csrf, "next": "/"})
    assert client.cookies[COOKIE] != before  # no session fixation: a planted cookie is never promoted
    assert csrf_of(client.get("/").text) != anonymous_csrf


def test_a_forged_or_unknown_session_id_is_refused(mesh: Mesh) -> None:
    client = TestClient(create_app(mesh.platform), follow_redirects=False)
    client.cookies.set(COOKIE, "not-a-signed-value")
    assert client.get("/").status_code == 303
    client.get("/login")  # an anonymous, validly signed id that never signed in
    assert client.get("/").status_code == 303
