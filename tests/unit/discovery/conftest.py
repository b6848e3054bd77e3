"""The demo's products, searched by every test of this folder."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from lakemesh.demo import CUSTOMER_360, MARKETING_PRODUCTS
from lakemesh.demo import data as demodata
from lakemesh.mesh import Mesh


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    """The demo's three products over small tables."""
    now = datetime.now(UTC)
    for name in ("sales-data-team@company.com", "marketing-data-team@company.com", "sales-steward@company.com"):
        admin.create_principal(name)
    admin.create_domain("Sales", display_name="Sales-Domain")
    admin.create_domain("Marketing", display_name="Marketing-Domain")
    admin.create_domain("Finance")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.create_lakehouse("Marketing", "marketing_lakehouse")
    admin.create_lakehouse("Finance", "finance_lakehouse")
    customers = demodata.customer_360(50, now=now)
    campaigns = demodata.campaigns(now=now)
    admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", customers)
    admin.write_table("Marketing", "marketing_lakehouse", "silver_campaigns", campaigns)
    admin.write_table("Marketing", "marketing_lakehouse", "gold_segment_targets", demodata.segment_targets(customers))
    admin.write_table(
        "Marketing", "marketing_lakehouse", "gold_campaign_audience", demodata.campaign_audience(customers, campaigns)
    )
    for document in [CUSTOMER_360, *MARKETING_PRODUCTS]:
        admin.create_product(copy.deepcopy(document))
        admin.publish_product(document["domain"], document["name"])
    finance = {
        **copy.deepcopy(CUSTOMER_360),
        "name": "Customer Invoices",
        "domain": "Finance",
        "description": "Invoices per customer.",
        "storage": {"type": "lakehouse_table", "lakehouse": "finance_lakehouse", "table": "gold_invoices"},
        "create_table": True,
        "tags": ["customer", "finance"],
    }
    admin.create_product(finance)  # a draft: Finance's eyes only
    return admin
