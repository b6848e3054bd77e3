"""Web pages fed by other capabilities: governance, pipelines and runs, product lineage and consumers, SLA badges.

Each page shows only what its viewer may see, escapes what users wrote, and hides objects behind the same 404.
"""

from __future__ import annotations

import pytest

from lakemesh.mesh import Mesh
from tests.unit.metrics.conftest import as_user, draft
from tests.unit.metrics.test_web_pages import XSS, csrf_of, sign_in

PIPELINE = "/domains/sales/pipelines/segments"


@pytest.fixture
def piped(mesh: Mesh) -> Mesh:
    """A Sales pipeline reads Customer 360's table into silver segments; it has run once."""
    mesh.platform.pipelines.scheduling.sleep = lambda _: None
    sql = (
        f"select segment, count(*) as customers, '{XSS}' as note "
        "from gold_customer_360 group by segment order by segment"
    )
    steps = [{"name": "segments", "type": "sql", "sql": sql, "target": {"table": "silver_segments"}}]
    mesh.apply_pipeline("Sales", {"name": "segments", "lakehouse": "sales_lakehouse", "steps": steps})
    assert mesh.run_pipeline("Sales", "segments").state == "succeeded"
    return mesh


def test_governance_shows_policies_violations_and_compliance_per_domain(mesh: Mesh) -> None:
    policy = {"name": "described", "description": f"why {XSS}", "scope": "GLOBAL", "enforcement": "warn",
              "rule": "tables must have description is set"}  # fmt: skip
    mesh.put_policy(policy)
    mesh.evaluate_policies()
    page = sign_in(mesh).get("/governance")
    assert page.status_code == 200
    text = page.text
    assert "described" in text and "tables must have description is set" in text
    assert "gold_customer_360" in text  # the open violation, with its subject
    assert 'href="/domains/sales"' in text and 'href="/domains/marketing"' in text  # compliance per domain
    assert "<meter" in text and "not available yet" not in text
    assert XSS not in text and "why &lt;img" in text


def test_governance_shows_violations_of_your_domains_only(mesh: Mesh) -> None:
    mesh.put_policy({"name": "described", "description": "", "scope": "GLOBAL", "enforcement": "warn",
                     "rule": "tables must have description is set"})  # fmt: skip
    mesh.evaluate_policies()
    outsider = sign_in(mesh, "analyst@company.com").get("/governance").text  # Marketing only
    assert "described" in outsider  # policies are the mesh's rules: everyone reads them
    assert "gold_customer_360" not in outsider and 'href="/domains/sales"' not in outsider
    assert "No open violations" in outsider


def test_the_domain_page_lists_pipelines_with_their_runs(piped: Mesh) -> None:
    page = sign_in(piped, "viewer@company.com").get("/domains/sales").text  # a Viewer reads pipelines
    assert f'href="{PIPELINE}"' in page and "state-succeeded" in page
    run_id = piped.list_runs("Sales", "segments")[0].id
    assert f'href="{PIPELINE}/runs/{run_id}"' in page


def test_pipeline_and_run_pages_show_steps_runs_and_logs(piped: Mesh) -> None:
    client = sign_in(piped)
    pipeline = client.get(PIPELINE)
    assert pipeline.status_code == 200
    assert "silver_segments" in pipeline.text and "group by segment" in pipeline.text
    assert XSS not in pipeline.text  # SQL text is shown, never run in the browser
    run = piped.list_runs("Sales", "segments")[0]
    page = client.get(f"{PIPELINE}/runs/{run.id}")
    assert page.status_code == 200
    assert 'role="log"' in page.text and "silver_segments" in page.text and "succeeded" in page.text
    assert XSS not in page.text


@pytest.mark.parametrize(
    "hidden, missing",
    [
        (PIPELINE, "/domains/sales/pipelines/nothing"),
        (f"{PIPELINE}/runs/RUN", f"{PIPELINE}/runs/run_nothing"),
    ],
)
def test_pipelines_of_other_domains_are_the_same_404_as_missing_ones(piped: Mesh, hidden: str, missing: str) -> None:
    hidden = hidden.replace("RUN", piped.list_runs("Sales", "segments")[0].id)
    outsider = sign_in(piped, "analyst@company.com")
    first, second = outsider.get(hidden), outsider.get(missing)
    assert first.status_code == second.status_code == 404 and first.text == second.text
    domain = outsider.get("/domains/sales").text
    assert PIPELINE not in domain and "visible to the domain" in domain


def test_product_page_draws_lineage_as_svg_and_lists_consumers(piped: Mesh) -> None:
    draft(piped, f"Churn {XSS}", input_ports=[{"product": "sales/customer-360"}])
    churn = piped.list_products(status="draft")[0]
    page = sign_in(piped).get("/products/sales/customer-360").text
    assert '<svg class="lineage"' in page and 'role="group"' in page
    assert 'href="/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360"' in page  # upstream table
    assert f'href="{PIPELINE}"' not in page  # it reads the same table, but is not this product's lineage
    assert f'href="/products/sales/{churn.slug}"' in page  # a product reading it through an input port
    assert "input port" in page
    assert XSS not in page and "Churn &lt;img" in page


def test_outsiders_see_neither_hidden_lineage_nor_hidden_consumers(piped: Mesh) -> None:
    draft(piped, "Churn Scores", input_ports=[{"product": "sales/customer-360"}])
    page = sign_in(piped, "analyst@company.com").get("/products/sales/customer-360").text
    lineage = page.split("<h2>Lineage</h2>")[1].split("<h2>Data preview</h2>")[0]
    assert "gold_customer_360" not in lineage and "<svg" not in lineage  # the table is not theirs to see
    assert PIPELINE not in page and "churn-scores" not in page
    assert "No lineage you may see yet" in lineage and "No consumers you may see" in lineage


def test_grantees_are_listed_as_consumers_for_the_owner(mesh: Mesh) -> None:
    analyst = as_user(mesh, "analyst@company.com")
    request = analyst.request_access("sales/customer-360", "Campaign targeting")
    mesh.approve_access_request(request.id)
    page = sign_in(mesh).get("/products/sales/customer-360").text
    assert "analyst@company.com" in page and "principal grant" in page


def test_quality_history_chart_and_sla_badge(mesh: Mesh) -> None:
    mesh.run_quality("Sales", "Customer 360")
    mesh.get_sla("Sales", "Customer 360")  # observing the SLA stores its status, as the scheduler's watch does
    client = sign_in(mesh, "analyst@company.com")
    product = client.get("/products/sales/customer-360").text
    assert 'aria-label="Quality score (%): one run so far' in product  # one run: a stated state, not a lone dot
    cards = client.get("/marketplace").text
    assert 'class="badge sla sla-' in cards and "SLA " in cards


def test_a_viewer_sees_no_buttons_on_the_new_pages(piped: Mesh) -> None:
    viewer = sign_in(piped, "viewer@company.com")
    for path in ("/governance", PIPELINE, "/products/sales/customer-360"):
        page = viewer.get(path)
        assert page.status_code == 200, path
        buttons = page.text.count("<button")
        following = page.text.count('id="subscription-button"')  # following a product changes nothing of it
        assert buttons - following == 1, path  # only "Sign out"
    assert 'id="subscription-button">Subscribe<' in viewer.get("/products/sales/customer-360").text
    token = csrf_of(viewer.get("/").text)
    assert viewer.post(f"{PIPELINE}", data={"csrf_token": token}).status_code in (403, 405)


def test_a_product_fed_by_a_pipeline_shows_it_upstream(piped: Mesh) -> None:
    piped.create_product(
        {"name": "Segments", "domain": "Sales", "owner": "admin",
         "contract": {"schema": {"segment": {"type": "string"}, "customers": {"type": "bigint"}}},
         "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "silver_segments"}}
    )  # fmt: skip
    page = sign_in(piped).get("/products/sales/segments").text
    lineage = page.split("<h2>Lineage</h2>")[1].split("<h2>Consumers</h2>")[0]
    for href in (PIPELINE, "/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360"):
        assert f'href="{href}"' in lineage  # silver_segments <- pipeline <- gold table
    assert "segment ← table:sales.sales_lakehouse.gold_customer_360#segment" in lineage  # column lineage, as text
