"""30.2 in-process: the table page lists its violations and lets owners fix them with the API's checks."""

from __future__ import annotations

import pytest

from lakemesh.mesh import Mesh
from tests.unit.metrics.test_web_pages import XSS, csrf_of, sign_in

TABLE = "/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360"
OWNER, VIEWER = "sales-data-team@company.com", "viewer@company.com"


@pytest.fixture
def labelled(mesh: Mesh) -> Mesh:
    """A policy wants every column of a gold table labelled; customer_id is not."""
    policy = {"name": "gold-labelled", "scope": "GLOBAL", "enforcement": "warn",
              "rule": "columns where layer = 'gold' and name = 'customer_id' must have sensitivity_label is set"}  # fmt: skip
    mesh.put_policy(policy)
    mesh.evaluate_policies()
    return mesh


def columns_form(html: str, label: str = "", description: str = "") -> dict[str, object]:
    names = ["customer_id", "segment"]
    return {"csrf_token": csrf_of(html), "column": names, "label": [label, ""], "description": [description, ""]}


def test_the_table_page_links_its_violations_and_the_fix_resolves_them(labelled: Mesh) -> None:
    client = sign_in(labelled, OWNER)
    page = client.get(TABLE).text
    assert 'href="/governance#policy-gold-labelled"' in page
    assert "has no sensitivity_label" in page and "sensitivity_label None" not in page
    governance = client.get("/governance").text
    assert f'href="{TABLE}#column-customer_id"' in governance and 'id="policy-gold-labelled"' in governance
    saved = client.post(TABLE + "/columns", data=columns_form(page, "Confidential", "The customer"))
    assert saved.status_code == 303
    after = client.get(saved.headers["location"]).text
    assert "1 column saved" in after and "No open policy violations" in after
    column = next(c for c in labelled.get_table("Sales", "sales_lakehouse", "gold_customer_360").columns
                  if c.name == "customer_id")  # fmt: skip
    assert (column.sensitivity_label, column.description) == ("Confidential", "The customer")


def test_a_bad_retention_is_shown_on_the_page_and_changes_nothing(labelled: Mesh) -> None:
    client = sign_in(labelled, OWNER)
    page = client.get(TABLE).text
    before = labelled.get_table("Sales", "sales_lakehouse", "gold_customer_360")
    data = {"csrf_token": csrf_of(page), "description": f"new {XSS}", "retention_days": "-3"}
    refused = client.post(TABLE + "/details", data=data)
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and "retention_days" in refused.text
    assert "new &lt;img" in refused.text and XSS not in refused.text  # what was typed is kept, escaped
    after = labelled.get_table("Sales", "sales_lakehouse", "gold_customer_360")
    assert (after.description, after.retention_days) == (before.description, before.retention_days)
    saved = client.post(TABLE + "/details", data={**data, "retention_days": "45"})
    assert saved.status_code == 303
    assert labelled.get_table("Sales", "sales_lakehouse", "gold_customer_360").retention_days == 45


def test_viewers_get_no_forms_and_posting_anyway_is_refused(labelled: Mesh) -> None:
    client = sign_in(labelled, VIEWER)
    page = client.get(TABLE).text
    assert "Save columns" not in page and "Save table details" not in page
    refused = client.post(TABLE + "/columns", data=columns_form(page, "Public"))
    assert refused.status_code == 403 and 'role="alert"' in refused.text
    column = labelled.get_table("Sales", "sales_lakehouse", "gold_customer_360").columns[0]
    assert column.sensitivity_label is None
    assert client.post(TABLE + "/details", data={"description": "x"}).status_code == 403  # no CSRF token
