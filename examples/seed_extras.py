"""What the seed assumes already exists: people and their roles, a semantic model, rows and a raw file."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

PEOPLE = [
    "sales-data-team@company.com",
    "sales-steward@company.com",
    "sales-analyst@company.com",
    "marketing-data-team@company.com",
    "marketing-steward@company.com",
    "marketing-analyst@company.com",
]
# (workspace, principal, role): the four Fabric workspace roles.
ROLE_ASSIGNMENTS = [
    ("Sales", "sales-data-team@company.com", "Admin"),
    ("Sales", "sales-steward@company.com", "Member"),
    ("Sales", "sales-analyst@company.com", "Viewer"),
    ("Marketing", "marketing-data-team@company.com", "Admin"),
    ("Marketing", "marketing-steward@company.com", "Member"),
    ("Marketing", "marketing-analyst@company.com", "Contributor"),
]

CUSTOMER_ANALYTICS: dict[str, Any] = {
    "name": "Customer Analytics",
    "description": "Customers, lifetime value and churn risk by segment, from the Customer 360 data product.",
    "product": "Customer 360",
    "tables": [
        {
            "name": "Customers",
            "source": {"product": "sales/customer-360"},
            "columns": [
                {"name": "Customer ID", "source": "customer_id", "hidden": True},
                {"name": "Segment", "source": "segment"},
                {"name": "Lifetime Value", "source": "lifetime_value"},
                {"name": "Churn Risk", "source": "churn_risk"},
            ],
        }
    ],
    "measures": [
        {"name": "Customers", "table": "Customers", "expression": "COUNTROWS(Customers)"},
        {"name": "Total Lifetime Value", "table": "Customers", "expression": "SUM(Customers[Lifetime Value])"},
    ],
}

# An ingestion pipeline from the seed's `ingestion-pipeline-template`: raw CRM orders into bronze.
INGESTION_PIPELINE = {
    "name": "crm-orders-ingestion",
    "template": "ingestion-pipeline-template",
    "lakehouse": "sales_lakehouse",
    "steps": [
        {
            "name": "ingest",
            "type": "ingest",
            "source": {"files": "crm/orders.csv"},
            "target": {"table": "bronze_crm_orders", "mode": "overwrite"},
        }
    ],
}

CUSTOMER_360_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("customer_name", pa.string()),
        pa.field("segment", pa.string()),
        pa.field("lifetime_value", pa.decimal128(18, 2)),
        pa.field("churn_risk", pa.decimal128(18, 4)),
        pa.field("last_updated", pa.timestamp("us", tz="UTC")),
    ]
)
NEGATIVE_SPEND_ROWS = (100, 400, 700)  # refunds booked as spend: they break `lifetime_value >= 0`
_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances", "Donald"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Allen"]


def customer_360_rows(rows: int, now: datetime) -> pa.Table:
    """Deterministic customers refreshed within the last 20 hours; three have a negative lifetime value."""
    rng = random.Random(360)  # noqa: S311 - reproducible sample data, not secrets
    spend = [Decimal(f"{rng.lognormvariate(7.0, 1.2):.2f}") for _ in range(rows)]
    for i in NEGATIVE_SPEND_ROWS:
        spend[i] = -spend[i]
    return pa.table(
        {
            "customer_id": [f"C{i:07d}" for i in range(1, rows + 1)],
            "customer_name": [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rows)],
            "segment": rng.choices(["Enterprise", "SMB", "Consumer"], weights=[15, 35, 50], k=rows),
            "lifetime_value": spend,
            "churn_risk": [Decimal(f"{rng.betavariate(2, 5):.4f}") for _ in range(rows)],
            "last_updated": [now - timedelta(seconds=rng.randrange(20 * 3600)) for _ in range(rows)],
        },
        schema=CUSTOMER_360_SCHEMA,
    )


def crm_orders_csv(rows: int) -> bytes:
    """A raw CRM export for the ingestion pipeline to land in bronze."""
    rng = random.Random(11)  # noqa: S311 - reproducible sample data, not secrets
    lines = ["order_id,customer_id,amount"]
    lines += [f"O{i:08d},C{rng.randrange(1, 1001):07d},{rng.lognormvariate(4.0, 1.0):.2f}" for i in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()
