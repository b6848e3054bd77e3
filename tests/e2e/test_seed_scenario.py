"""The seed's scenario (examples/seed_scenario.py) as a user runs it: against a real server, twice, and in-process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "seed_scenario.py"
SEED_METRICS = (
    "data_products_count",
    "domains_active",
    "cross_domain_shares",
    "avg_quality_score",
    "time_to_new_product",
    "self_serve_adoption",
    "governance_compliance",
)


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh `lakemesh serve` (PostgreSQL catalog when LAKEMESH_TEST_CATALOG_URL is set), empty but for its admin."""
    home = tmp_path_factory.mktemp("seed") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_seed", migrated=True) if PG_BASE else None
    process, server = start_server(home, catalog_url)
    yield server
    process.terminate()
    process.wait(timeout=20)
    log = (home.parent / f"server-{server.url.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert "Traceback" not in log, f"the server failed a request:\n{log[-4000:]}"
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def run_scenario(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in (env or os.environ).items() if k not in ("LAKEMESH_URL", "LAKEMESH_TOKEN")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        check=False,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )


def assert_seed_story(out: str) -> None:
    """What a user looks for in the output, section by section, on any run."""
    sections = re.findall(r"^== (.+) ==$", out, flags=re.MULTILINE)
    assert sections == [
        "Domain Workspaces",
        "Data Products Definition",
        "Cross-Domain Data Sharing",
        "Self-Serve Data Platform",
        "Federated Governance",
        "Data Product Discovery",
        "Quality Monitoring",
        "Success Metrics",
    ]
    assert "Refreshed sales.sales_lakehouse.gold_customer_360: 1000 rows" in out
    assert "Registered data product sales/customer-360 v1.0.0 (published)" in out
    assert "marketing.marketing_lakehouse.shared_customer_360 -> sales.sales_lakehouse.gold_customer_360 (ok" in out
    assert "evaluate_dax returned 3 segments: Consumer, Enterprise, SMB" in out
    assert "Pipeline crm-orders-ingestion from ingestion-pipeline-template: run succeeded" in out
    for policy in (
        "pii-classification: GLOBAL block",
        "retention-minimum: GLOBAL warn",
        "sales-data-freshness: WORKSPACE",
    ):
        assert f"Policy {policy}" in out
    # Discovery, as the Marketing analyst: Customer 360 is the first product found.
    assert re.findall(r"^\s+Name: (.+)$", out, flags=re.MULTILINE)[0] == "Customer 360"
    assert "Owner: sales-data-team@company.com" in out
    # The analyst's governed SQL: customer_name masked, the Sales domain sees it in clear.
    masked = re.findall(r"^  C\d{7}  customer_name=(\S+)  segment=(\w+)$", out, flags=re.MULTILINE)
    assert len(masked) == 3
    assert all(re.fullmatch(r"[A-Z]\*\*\*", name) for name, _ in masked), masked
    clear = re.search(r"the Sales domain sees (.+)\)$", out, flags=re.MULTILINE)
    assert clear and " " in clear.group(1) and "*" not in clear.group(1)
    assert "Through Marketing's shortcut the analyst reads 1000 rows" in out
    # Quality, printed like the seed: one of four checks fails on the three negative lifetime values.
    assert "Overall Quality Score: 75.0%" in out
    assert "  lifetime_value >= 0: FAIL (99.7%)\n    Details: 3 rows failed" in out
    assert "  customer_id is not null: PASS (100.0%)" in out
    assert "  last_updated within 25 hours: PASS (100.0%)" in out
    metrics = dict(re.findall(r"^  (\w+): (.+)$", out.split("== Success Metrics ==")[1], flags=re.MULTILINE))
    assert tuple(metrics) == SEED_METRICS
    assert metrics["data_products_count"] == "1"
    assert metrics["avg_quality_score"] == "75.0"


@pytest.mark.e2e
def test_seed_scenario_against_a_server_and_again(seed_server: Server) -> None:
    first = run_scenario("--url", seed_server.url, "--token", seed_server.token)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert_seed_story(out)
    assert "Created: Sales-Domain" in out and "Created: Marketing-Domain" in out
    assert "Shortcut created: marketing.marketing_lakehouse.shared_customer_360" in out
    assert "Access request submitted for Customer 360 by marketing-analyst@company.com" in out
    assert re.search(r"^Access request ar_\w+ approved by sales-data-team@company.com$", out, flags=re.MULTILINE)
    assert "data_quality_metrics: 4 rows from 1 run(s)" in out
    # The seed's edited ingestion template (logging: azure_monitor) is stored as a new version.
    assert "Template ingestion-pipeline-template: DataPipeline v2" in out

    with seed_server.client() as http:
        requests = http.get("/api/v1/access-requests", params={"state": "approved"}).json()["items"]
        assert [(r["requester"], r["purpose"]) for r in requests] == [
            ("marketing-analyst@company.com", "Need for campaign targeting analysis")
        ]
        template = http.get("/api/v1/templates/ingestion-pipeline-template").json()
        assert template["config"]["logging"] == "azure_monitor"
        # The scenario's short-lived tokens for the analyst and the owner are revoked at the end.
        tokens = http.get("/api/v1/tokens", params={"principal": "marketing-analyst@company.com"}).json()["items"]
        assert tokens and all(t["revoked_at"] for t in tokens if t["name"] == "seed-scenario")

    again = run_scenario("--url", seed_server.url, "--token", seed_server.token)
    assert again.returncode == 0, again.stderr
    out = again.stdout
    assert_seed_story(out)
    assert "Exists: Sales-Domain" in out and "Shortcut exists:" in out
    assert "Access already granted to marketing-analyst@company.com" in out
    assert "Template ingestion-pipeline-template: DataPipeline v2" in out  # not bumped again
    assert out.count("(unchanged)") == 3
    assert "data_quality_metrics: 8 rows from 2 run(s)" in out
    with seed_server.client() as http:
        assert len(http.get("/api/v1/access-requests").json()["items"]) == 1
        assert len(http.get("/api/v1/products").json()["items"]) == 1


@pytest.mark.e2e
def test_seed_scenario_bad_token_is_one_line(seed_server: Server) -> None:
    result = run_scenario("--url", seed_server.url, "--token", "lm_not-a-token")
    assert result.returncode == 1
    assert result.stderr.startswith("seed_scenario: Unauthorized: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    down = run_scenario("--url", "http://127.0.0.1:9", "--token", "x")
    assert down.returncode == 1 and down.stderr.startswith("seed_scenario: cannot reach http://127.0.0.1:9")


@pytest.mark.e2e
def test_seed_scenario_in_process(tmp_path: Path) -> None:
    """One machine, no server: `--home` on an empty directory (an embedded SQLite catalog, whatever the backend run)."""
    env = {k: v for k, v in os.environ.items() if k != "LAKEMESH_CATALOG_URL"}
    home = tmp_path / "home"
    result = run_scenario("--home", str(home), env=env)
    assert result.returncode == 0, result.stderr
    assert_seed_story(result.stdout)
    assert "Created: Sales-Domain" in result.stdout
    delta_logs = home.rglob("_delta_log")
    assert any(log.parent.name == "data_quality_metrics" for log in delta_logs), "no data_quality_metrics Delta table"
