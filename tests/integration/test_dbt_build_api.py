"""`dbt build` of examples/dbt_customer360 against a real `lakemesh serve`: sources read and models written over REST."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.errors import Conflict
from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is the [dbt] extra")

from lakemesh.dbt.build import build

EXAMPLE = Path(__file__).parents[2] / "examples" / "dbt_customer360"
DOMAIN = "DbtSales"  # its own domain: the session's server is shared with other tests


def test_dbt_build_against_a_server(server: Server, tmp_path: Path) -> None:
    project = Path(shutil.copytree(EXAMPLE, tmp_path / "project"))
    sources = project / "models" / "sources.yml"
    sources.write_text(sources.read_text().replace("domain: Sales", f"domain: {DOMAIN}"))
    mesh = RemoteMesh(server.url, server.token)
    mesh.create_domain(DOMAIN)
    mesh.create_lakehouse(DOMAIN, "sales_lakehouse")
    customers = {"customer_id": ["C1", "C2"], "full_name": ["Ada", "Grace"], "email": ["a@x.org", "g@x.org"]}
    mesh.write_table(DOMAIN, "sales_lakehouse", "bronze_crm_customers", pa.table(customers))
    orders = {"order_id": ["O1", "O2"], "customer_id": ["C1", "C1"], "amount": [60.0, 50.0]}
    mesh.write_table(DOMAIN, "sales_lakehouse", "silver_orders", pa.table(orders))

    result = build(mesh, project, domain=DOMAIN, lakehouse="sales_lakehouse", url=server.url, token=server.token)

    summary = mesh.read_table(DOMAIN, "sales_lakehouse", "customer_summary").sort_by("customer_id")
    assert summary.column("tier").to_pylist() == ["gold", "standard"]
    assert result.products == [f"{DOMAIN}/customer_summary"]
    history = mesh.table_history(DOMAIN, "sales_lakehouse", "customer_orders")
    assert history[0].metadata == {"dbt.model": "model.customer360.customer_orders"}
    graph = mesh.lineage_graph("table:dbtsales.sales_lakehouse.customer_summary", direction="upstream", depth=5)
    assert "table:dbtsales.sales_lakehouse.bronze_crm_customers" in {n.id for n in graph.nodes}
    # the relationships test is a reference rule, checked on the server as the product's owner
    mesh.publish_product(DOMAIN, "customer_summary")
    assert mesh.run_quality(DOMAIN, "customer_summary").status == "passed"
    impact = mesh.lineage_impact(f"table:{DOMAIN.lower()}.sales_lakehouse.silver_orders", column="amount")
    assert {i.node: i.columns for i in impact.affected}[f"table:{DOMAIN.lower()}.sales_lakehouse.customer_orders"] == [
        "revenue"
    ]

    # a breaking change to the published product's dbt contract: the server's 409, nothing written
    model = project / "models" / "customer_summary.sql"
    model.write_text(model.read_text().replace("    c.email,\n", ""))
    schema = project / "models" / "schema.yml"
    schema.write_text(schema.read_text().replace("      - name: email\n        data_type: varchar\n", ""))
    before = mesh.table_history(DOMAIN, "sales_lakehouse", "customer_orders")[0].version
    with pytest.raises(Conflict) as refused:
        build(
            mesh,
            project,
            domain=DOMAIN,
            lakehouse="sales_lakehouse",
            url=server.url,
            token=server.token,
            args=["--full-refresh"],
        )
    assert refused.value.status == 409
    assert "Breaking change to published product 'customer_summary'" in refused.value.detail
    assert mesh.table_history(DOMAIN, "sales_lakehouse", "customer_orders")[0].version == before
