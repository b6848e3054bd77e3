"""The demo mesh: the seed's Sales and Marketing domains and their people. Safe to load twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from lakemesh.auth.models import Principal, PrincipalCreate
from lakemesh.core.errors import NotFound
from lakemesh.demo import data as demodata
from lakemesh.demo.governance import load_governance_demo
from lakemesh.demo.quality import load_quality_demo
from lakemesh.demo.semantic import load_semantic_demo
from lakemesh.demo.sharing import load_sharing_demo
from lakemesh.domains.models import DomainCreate, MemberAdd
from lakemesh.lakehouses.models import ColumnUpdate, LakehouseCreate, TableUpdate
from lakemesh.platform import Platform
from lakemesh.products.models import parse_product
from lakemesh.products.status import ProductStatus
from lakemesh.templates.models import LAKEHOUSE_TEMPLATE

PEOPLE = [
    ("sales-data-team@company.com", "Sales data team"),
    ("sales-steward@company.com", "Sales data steward"),
    ("marketing-data-team@company.com", "Marketing data team"),
    ("marketing-steward@company.com", "Marketing data steward"),
    ("marketing-analyst@company.com", "Marketing analyst"),
]

DOMAINS = [
    DomainCreate(
        name="Sales",
        display_name="Sales-Domain",
        description="Sales team's data products",
        owner="sales-data-team@company.com",
        steward="sales-steward@company.com",
        tags=["sales", "crm"],
    ),
    DomainCreate(
        name="Marketing",
        display_name="Marketing-Domain",
        description="Marketing team's data products",
        owner="marketing-data-team@company.com",
        steward="marketing-steward@company.com",
        tags=["marketing", "campaigns"],
    ),
]

ROLES = [
    ("Sales", "sales-data-team@company.com", "Admin"),
    ("Sales", "sales-steward@company.com", "Member"),
    ("Marketing", "marketing-data-team@company.com", "Admin"),
    ("Marketing", "marketing-steward@company.com", "Member"),
    ("Marketing", "marketing-analyst@company.com", "Contributor"),
]


def load_demo(platform: Platform, *, say: Callable[[str], Any] = print) -> None:
    admin = platform.principals.bootstrap_admin()
    for name, display in PEOPLE:
        platform.principals.ensure_principal(admin, PrincipalCreate(name=name, display_name=display))
    for spec in DOMAINS:
        try:
            platform.domains.get(admin, spec.name)
        except NotFound:
            platform.domains.create(admin, spec)
            say(f"Created domain {spec.name}")
    for domain, principal, role in ROLES:
        platform.domains.add_member(admin, domain, MemberAdd(principal=principal, role=role))
    _load_lakehouses(platform, admin, say)
    _load_products(platform, admin, say)
    # capability demo steps: one line each
    load_sharing_demo(platform, admin, say)
    load_quality_demo(platform.quality, admin, say)
    load_semantic_demo(platform.semantic, platform.products, admin, say)
    load_governance_demo(platform.governance, admin, say)
    say("Demo mesh loaded: Sales and Marketing with their teams, lakehouses, tables and data products.")


LAKEHOUSES = [
    ("Sales", "sales_lakehouse", "sales-steward@company.com", "Sales data: CRM, orders and the Customer 360 view."),
    ("Marketing", "marketing_lakehouse", "marketing-steward@company.com", "Campaigns and their performance."),
]


def _load_lakehouses(platform: Platform, admin: Principal, say: Callable[[str], Any]) -> None:
    for domain, name, steward, description in LAKEHOUSES:
        try:
            platform.lakehouses.get(admin, domain, name)
        except NotFound:
            spec = LakehouseCreate(
                name=name, description=description, data_steward=steward, template=LAKEHOUSE_TEMPLATE
            )
            platform.lakehouses.create(admin, domain, spec)
            say(f"Created lakehouse {domain.lower()}.{name}")
    now = platform.clock.now()
    tables: list[tuple[str, str, str, Callable[[], pa.Table]]] = [
        ("Sales", "sales_lakehouse", "bronze_crm_customers", lambda: demodata.crm_customers(CUSTOMERS, now=now)),
        ("Sales", "sales_lakehouse", "silver_orders", lambda: demodata.orders(ORDERS, CUSTOMERS, now=now)),
        ("Sales", "sales_lakehouse", "gold_customer_360", lambda: demodata.customer_360(CUSTOMERS, now=now)),
        ("Marketing", "marketing_lakehouse", "silver_campaigns", lambda: demodata.campaigns(now=now)),
    ]
    for domain, lakehouse, table, build in tables:
        existing = {t.name for t in platform.tables.list(admin, domain, lakehouse)}
        if table not in existing:
            platform.table_data.write(admin, domain, lakehouse, table, build().to_reader())
            say(f"Wrote {domain.lower()}.{lakehouse}.{table}")
    platform.tables.update(
        admin,
        "Sales",
        "sales_lakehouse",
        "gold_customer_360",
        TableUpdate(
            description="Unified customer view: one row per customer, refreshed daily.",
            columns={c: ColumnUpdate(description=d) for c, d in COLUMN_DOCS.items()},
        ),
    )


CUSTOMERS = 100_000
ORDERS = 200_000
COLUMN_DOCS = {
    "customer_id": "Unique customer identifier",
    "customer_name": "Full customer name",
    "segment": "Enterprise, SMB or Consumer",
    "lifetime_value": "Total historical spend",
    "churn_risk": "Churn probability 0-1",
    "last_updated": "Last refresh time",
}


CUSTOMER_360: dict[str, Any] = {
    "name": "Customer 360",
    "domain": "Sales",
    "owner": "sales-data-team@company.com",
    "description": "Unified customer view combining transaction history, support interactions, and marketing "
    "engagement. Updated daily at 6 AM UTC.",
    "contract": {
        "schema": {
            "customer_id": {"type": "string", "description": "Unique customer identifier"},
            "customer_name": {"type": "string", "description": "Full customer name"},
            "lifetime_value": {"type": "decimal", "description": "Total historical spend"},
            "segment": {"type": "string", "enum": ["Enterprise", "SMB", "Consumer"]},
            "churn_risk": {"type": "decimal", "description": "Churn probability 0-1"},
            "last_updated": {"type": "timestamp", "description": "Last refresh time"},
        },
        "sla": {"freshness": "24h", "availability": "99.9%", "quality_score": "95%"},
        "access_patterns": ["Full table scan for analytics", "Point lookup by customer_id", "Filter by segment"],
    },
    "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_customer_360"},
    "quality_rules": [
        "customer_id is not null",
        "lifetime_value >= 0",
        "churn_risk between 0 and 1",
        "last_updated within 25 hours",
    ],
    "tags": ["customer", "crm", "gold"],
    "classification": "Confidential",
    "data_steward": "sales-steward@company.com",
}

MARKETING_PRODUCTS: list[dict[str, Any]] = [
    {
        "name": "Segment Targets",
        "domain": "Marketing",
        "owner": "marketing-data-team@company.com",
        "description": "Customers, average lifetime value and churn risk per segment, from Customer 360.",
        "contract": {
            "schema": {
                "segment": {"type": "string", "enum": ["Enterprise", "SMB", "Consumer"], "required": True},
                "customers": {"type": "integer", "required": True},
                "avg_lifetime_value": {"type": "double"},
                "avg_churn_risk": {"type": "double"},
            },
            "sla": {"freshness": "24h", "quality_score": "95%"},
        },
        "storage": {"type": "lakehouse_table", "lakehouse": "marketing_lakehouse", "table": "gold_segment_targets"},
        "quality_rules": ["customers > 0", "avg_churn_risk between 0 and 1"],
        "tags": ["segment", "customer"],
        "classification": "Internal",
        "input_ports": [{"product": "sales/customer-360"}],
    },
    {
        "name": "Campaign Audience",
        "domain": "Marketing",
        "owner": "marketing-data-team@company.com",
        "description": "High churn-risk customers matched to a retention campaign for their segment.",
        "contract": {
            "schema": {
                "customer_id": {"type": "string", "required": True, "unique": True},
                "segment": {"type": "string", "enum": ["Enterprise", "SMB", "Consumer"]},
                "campaign_id": {"type": "string", "required": True},
            },
            "sla": {"freshness": "24h"},
        },
        "storage": {"type": "lakehouse_table", "lakehouse": "marketing_lakehouse", "table": "gold_campaign_audience"},
        "quality_rules": ["customer_id is not null", "unique(customer_id)"],
        "tags": ["campaign", "customer", "retention"],
        "classification": "Confidential",
        "input_ports": [{"product": "sales/customer-360"}, {"table": "marketing_lakehouse.silver_campaigns"}],
    },
]


def _load_products(platform: Platform, admin: Principal, say: Callable[[str], Any]) -> None:
    customers = platform.table_data.read(admin, "Sales", "sales_lakehouse", "gold_customer_360").read_all()
    campaigns = platform.table_data.read(admin, "Marketing", "marketing_lakehouse", "silver_campaigns").read_all()
    marketing_tables: dict[str, Callable[[], pa.Table]] = {
        "gold_segment_targets": lambda: demodata.segment_targets(customers),
        "gold_campaign_audience": lambda: demodata.campaign_audience(customers, campaigns),
    }
    existing = {t.name for t in platform.tables.list(admin, "Marketing", "marketing_lakehouse")}
    for table, build in marketing_tables.items():
        if table not in existing:
            platform.table_data.write(admin, "Marketing", "marketing_lakehouse", table, build().to_reader())
    for document in [CUSTOMER_360, *MARKETING_PRODUCTS]:
        try:
            product = platform.products.get(admin, document["domain"], document["name"])
        except NotFound:
            product = platform.products.create(admin, parse_product(document))
            say(f"Registered data product {product.qualified_name}")
        if product.status == ProductStatus.DRAFT:
            platform.products.publish(admin, document["domain"], document["name"])
