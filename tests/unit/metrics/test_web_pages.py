"""The web UI in-process: sign-in, pages, escaping, CSRF, roles and identical 404s."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lakemesh.api.app import create_app
from lakemesh.mesh import Mesh
from tests.unit.metrics.conftest import bare_metrics, draft

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
XSS = "<img src=x onerror=alert(1)>"


def browser(mesh: Mesh) -> TestClient:
    return TestClient(create_app(mesh.platform), follow_redirects=False)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "every page with a form carries a CSRF token"
    return found.group(1)


def sign_in(mesh: Mesh, name: str | None = None) -> TestClient:
    client = browser(mesh)
    token = mesh.create_token(principal=name).secret if name else mesh.create_token().secret
    form = client.get("/login")
    response = client.post("/login", data={"token": token, "csrf_token": csrf_of(form.text), "next": "/"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def test_pages_need_a_session_and_sign_in_sets_a_safe_cookie(mesh: Mesh) -> None:
    client = browser(mesh)
    assert client.get("/").headers["location"] == "/login?next=/"
    assert client.get("/marketplace").status_code == 303
    form = client.get("/login")
    assert 'label for="token"' in form.text
    token = mesh.create_token().secret
    signed = client.post("/login", data={"token": token, "csrf_token": csrf_of(form.text), "next": "//evil.example"})
    assert signed.headers["location"] == "/"  # never an open redirect
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200 and "Mesh health" in home.text
    assert "default-src 'self'" in home.headers["content-security-policy"]
    # the API keeps requiring its bearer token: a browser session is not an API credential
    assert client.get("/api/v1/products").status_code == 401


def test_a_bad_token_or_a_missing_csrf_token_is_refused(mesh: Mesh) -> None:
    client = browser(mesh)
    form = client.get("/login")
    bad = client.post("/login", data={"token": "lm_nope", "csrf_token": csrf_of(form.text)})
    assert bad.status_code == 401 and "not valid" in bad.text
    forged = client.post("/login", data={"token": mesh.create_token().secret})
    assert forged.status_code == 403 and "Form refused" in forged.text


def test_home_shows_tiles_and_svg_charts(mesh: Mesh) -> None:
    client = sign_in(mesh)
    mesh.platform.metrics = bare_metrics(mesh)  # as before quality and governance were installed
    page = client.get("/").text
    assert "Data products" in page and "5 days" in page and "50%" in page
    assert page.count("<svg") >= 4 and "Products by domain" in page
    assert "not available yet" in page  # governance compliance before governance is installed


def test_marketplace_lists_what_you_may_see_with_facets(mesh: Mesh) -> None:
    draft(mesh, "Churn Scores", tags=["churn"])
    admin_view = sign_in(mesh).get("/marketplace").text
    assert "Customer 360" in admin_view and "Churn Scores" in admin_view
    outsider = sign_in(mesh, "analyst@company.com")
    seen = outsider.get("/marketplace").text
    assert "Customer 360" in seen and "Churn Scores" not in seen
    assert "sales (1)" in seen  # facet counts over what the caller may see
    filtered = outsider.get("/marketplace", params={"q": "unified customer", "domain": "sales"}).text
    assert "Customer 360" in filtered
    assert "No products match" in outsider.get("/marketplace", params={"q": "zebra"}).text


def test_product_page_shows_contract_versions_and_preview(mesh: Mesh) -> None:
    page = sign_in(mesh).get("/products/sales/customer-360")
    assert page.status_code == 200
    text = page.text
    assert "Unique customer identifier" in text and "one of Enterprise, SMB, Consumer" in text
    assert "freshness" in text and "v1.0.0" in text
    assert "First 20 rows" in text


def test_html_in_names_and_descriptions_is_escaped(mesh: Mesh) -> None:
    document_name = f"Evil {XSS}"
    draft(mesh, document_name, description=f"desc {XSS}")
    mesh.update_domain("Sales", description=f"domain {XSS}")
    client = sign_in(mesh)
    slug = mesh.list_products(status="draft")[0].slug
    for path in ("/marketplace", f"/products/sales/{slug}", "/domains", "/domains/sales"):
        text = client.get(path).text
        assert XSS not in text, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(f"/products/sales/{slug}").text


def test_forms_without_the_csrf_token_are_refused(mesh: Mesh) -> None:
    draft(mesh, "Churn Scores")
    client = sign_in(mesh)
    refused = client.post("/products/sales/churn-scores/publish")
    assert refused.status_code == 403
    wrong = client.post("/products/sales/churn-scores/publish", data={"csrf_token": "forged"})
    assert wrong.status_code == 403
    assert mesh.get_product("Sales", "Churn Scores").status == "draft"
    token = csrf_of(client.get("/products/sales/churn-scores").text)
    done = client.post("/products/sales/churn-scores/publish", data={"csrf_token": token})
    assert done.status_code == 303 and mesh.get_product("Sales", "Churn Scores").status == "published"


def test_a_viewer_sees_no_mutating_buttons_and_gets_403_when_posting(mesh: Mesh) -> None:
    draft(mesh, "Churn Scores")
    viewer = sign_in(mesh, "viewer@company.com")
    product = viewer.get("/products/sales/churn-scores").text
    assert "Publish" not in product
    domain = viewer.get("/domains/sales").text
    assert "Add member" not in domain and "Remove" not in domain and "viewer@company.com" in domain
    token = csrf_of(product)
    assert viewer.post("/products/sales/churn-scores/publish", data={"csrf_token": token}).status_code == 403
    added = viewer.post("/domains/sales/members", data={"csrf_token": token, "principal": "x", "role": "Admin"})
    assert added.status_code == 403
    assert mesh.get_product("Sales", "Churn Scores").status == "draft"


@pytest.mark.parametrize(
    "hidden, missing",
    [
        ("/products/sales/churn-scores", "/products/sales/no-such-product"),
        ("/products/sales/churn-scores/diff?old=1.0.0&new=1.0.0", "/products/nowhere/x/diff?old=1&new=2"),
        ("/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360", "/domains/sales/lakehouses/x/tables/y"),
    ],
)
def test_hidden_objects_give_the_same_404_as_missing_ones(mesh: Mesh, hidden: str, missing: str) -> None:
    draft(mesh, "Churn Scores")
    outsider = sign_in(mesh, "analyst@company.com")
    first, second = outsider.get(hidden), outsider.get(missing)
    assert first.status_code == second.status_code == 404
    assert first.text == second.text


def test_domain_and_table_pages(mesh: Mesh) -> None:
    client = sign_in(mesh)
    domain = client.get("/domains/sales").text
    assert "sales_lakehouse" in domain and "from domain-lakehouse-template" in domain and "gold_customer_360" in domain
    table = client.get("/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360").text
    assert "customer_id" in table and "gold" in table and "CREATE TABLE" in table
    token = csrf_of(domain)
    added = client.post("/domains/sales/members", data={"csrf_token": token, "principal": "analyst@company.com",
                                                        "role": "Viewer"})  # fmt: skip
    assert added.status_code == 303
    assert "analyst@company.com" in client.get(added.headers["location"]).text


def test_capability_pages_say_not_available_yet(mesh: Mesh, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("governance", "access", "query", "queries"):
        if hasattr(mesh.platform, name):
            monkeypatch.delattr(mesh.platform, name)  # put back before the platform closes
    client = sign_in(mesh)
    for path in ("/governance", "/access", "/query"):
        response = client.get(path)
        assert response.status_code == 200 and "not available yet" in response.text, path


def test_sign_out_ends_the_session(mesh: Mesh) -> None:
    client = sign_in(mesh)
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303
