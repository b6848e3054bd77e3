"""The query page (30.1): errors inline above the editor with the SQL kept, the position of syntax errors, and
the tables and products the viewer may query."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from lakemesh.mesh import Mesh
from tests.unit.metrics.test_web_pages import csrf_of, sign_in


def _run(client: TestClient, sql: str) -> tuple[int, str]:
    response = client.post(
        "/query", data={"sql": sql, "format": "html", "csrf_token": csrf_of(client.get("/query").text)}
    )
    return response.status_code, response.text


def test_a_misspelt_table_is_shown_inline_and_the_sql_is_kept(mesh: Mesh) -> None:
    client = sign_in(mesh)
    status, html = _run(client, "SELECT * FROM sales.sales_lakehouse.gold_custmer_360")
    assert status == 404
    assert 'role="alert"' in html and "Table sales.sales_lakehouse.gold_custmer_360 not found" in html
    assert "SELECT * FROM sales.sales_lakehouse.gold_custmer_360</textarea>" in html  # the work is kept
    assert "<h1>Query</h1>" in html and "Not found</h1>" not in html


def test_a_syntax_error_says_where(mesh: Mesh) -> None:
    status, html = _run(sign_in(mesh), "SELEC * FRM x where")
    assert status == 422 and "Line 1, Col: 19" in html
    assert "SELEC * FRM x where</textarea>" in html


def test_the_page_lists_what_the_viewer_may_query_and_nothing_else(mesh: Mesh) -> None:
    admin = sign_in(mesh).get("/query").text
    assert 'data-insert="sales.' in admin and 'data-insert="product.sales.customer_360"' in admin
    outsider = sign_in(mesh, "analyst@company.com").get("/query").text
    assert 'data-insert="sales.' not in outsider and 'data-insert="product.sales' not in outsider
    assert "You may not query any table yet" in outsider


def test_every_listed_source_really_runs(mesh: Mesh) -> None:
    client = sign_in(mesh)
    names = re.findall(r'data-insert="([^"]+)"', client.get("/query").text)
    assert names
    for name in names:
        status, html = _run(client, f"SELECT count(*) AS n FROM {name}")
        assert status == 200 and 'aria-label="Query results"' in html, (name, html[:300])
