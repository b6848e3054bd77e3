"""The demo mesh: the seed's Sales and Marketing domains and their people. Safe to load twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from lakemesh import demodata
from lakemesh.auth.models import Principal, PrincipalCreate
from lakemesh.core.errors import NotFound
from lakemesh.domains.models import DomainCreate, MemberAdd
from lakemesh.lakehouses.models import ColumnUpdate, LakehouseCreate, TableUpdate
from lakemesh.platform import Platform
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
    say("Demo mesh loaded: Sales and Marketing with their teams, lakehouses and tables.")


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
