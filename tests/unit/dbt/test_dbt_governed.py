"""dbt on Lakemesh as a Marketing analyst: sources arrive masked as the grant says; writing into Sales is refused."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.mesh import Mesh

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is the [dbt] extra")

from lakemesh.dbt.build import build

OWNER, ANALYST = "sales-data-team@company.com", "marketing-analyst@company.com"
EMAILS = ["ada@x.org", "grace@x.org"]


def project(folder: Path) -> Path:
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        "name: audience\nprofile: audience\nmodels:\n  audience:\n    +materialized: table\n"
    )
    (folder / "models" / "sources.yml").write_text(
        "version: 2\nsources:\n  - name: sales\n    meta: {plugin: lakemesh, domain: Sales, lakehouse: sales_lakehouse}\n"
        "    tables:\n      - name: contacts\n"
    )
    (folder / "models" / "audience.sql").write_text(
        "select customer_id, email from {{ source('sales', 'contacts') }}\n"
    )
    return folder


@pytest.fixture
def analyst_token(tmp_path: Path) -> str:
    """Sales owns `contacts` (email Confidential) behind a published product; the analyst holds a grant to it."""
    with Mesh.open(tmp_path / "home") as admin:
        for name in (OWNER, ANALYST):
            admin.create_principal(name)
        admin.create_domain("Sales")
        admin.create_domain("Marketing")
        admin.add_member("Sales", OWNER, "Admin")
        admin.add_member("Marketing", ANALYST, "Contributor")
        admin.create_lakehouse("Sales", "sales_lakehouse")
        admin.create_lakehouse("Marketing", "marketing_lakehouse")
        admin.write_table(
            "Sales", "sales_lakehouse", "contacts", pa.table({"customer_id": ["C1", "C2"], "email": EMAILS})
        )
        admin.update_table(
            "Sales", "sales_lakehouse", "contacts", columns={"email": {"sensitivity_label": "Confidential"}}
        )
        contract = {"schema": {"customer_id": {"type": "string"}, "email": {"type": "string"}}}
        storage = {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "contacts"}
        admin.create_product(
            {"name": "Contacts", "domain": "Sales", "owner": OWNER, "contract": contract, "storage": storage}
        )
        admin.publish_product("Sales", "Contacts")
        owner = admin.as_principal(admin.create_token(principal=OWNER).secret)
        token = admin.create_token(principal=ANALYST).secret
        request = admin.as_principal(token).request_access("sales/contacts", "campaign targeting")
        owner.approve_access_request(request.id)
    return token


def test_a_marketing_model_sees_masked_emails_and_may_not_write_into_sales(analyst_token: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Mesh.open(home, token=analyst_token) as analyst:
        build(
            analyst,
            project(tmp_path / "p1"),
            domain="Marketing",
            lakehouse="marketing_lakehouse",
            home=home,
            token=analyst_token,
        )
        audience = analyst.read_table("Marketing", "marketing_lakehouse", "audience")
        assert audience.column("customer_id").to_pylist() == ["C1", "C2"]
        assert not set(audience.column("email").to_pylist()) & set(EMAILS)  # masked on the way into dbt

        with pytest.raises((Forbidden, NotFound)):  # a lakehouse the analyst may not see does not exist for them
            build(
                analyst,
                project(tmp_path / "p2"),
                domain="Sales",
                lakehouse="sales_lakehouse",
                home=home,
                token=analyst_token,
            )
    with Mesh.open(home) as admin:
        assert "audience" not in {t.name for t in admin.list_tables("Sales", "sales_lakehouse")}
