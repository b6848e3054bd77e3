"""Realistic, reproducible demo tables: the seed's Customer 360 and the bronze/silver tables it is built from."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances", "Donald", "Radia", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Allen", "Knuth"]
SEGMENTS = ["Enterprise", "SMB", "Consumer"]
CHANNELS = ["email", "search", "social", "events", "partners"]

CUSTOMER_360 = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("customer_name", pa.string()),
        pa.field("segment", pa.string()),
        pa.field("lifetime_value", pa.decimal128(18, 2)),
        pa.field("churn_risk", pa.decimal128(18, 4)),
        pa.field("last_updated", pa.timestamp("us", tz="UTC")),
    ]
)


def _names(rng: np.random.Generator, n: int) -> list[str]:
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    return [f"{a} {b}" for a, b in zip(first, last, strict=True)]


def customer_360(rows: int, *, now: datetime, seed: int = 360) -> pa.Table:
    """Customers refreshed within the last day, so the seed's `last_updated within 25 hours` rule passes."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:07d}" for i in range(1, rows + 1)]
    segment = rng.choice(SEGMENTS, rows, p=[0.15, 0.35, 0.5])
    spend = np.round(rng.lognormal(7.0, 1.2, rows), 2)
    churn = np.round(rng.beta(2, 5, rows), 4)
    age = rng.integers(0, 20 * 3600, rows)
    updated = np.datetime64(now.replace(tzinfo=None), "us") - age.astype("timedelta64[s]")
    return pa.table(
        {
            "customer_id": ids,
            "customer_name": _names(rng, rows),
            "segment": segment,
            "lifetime_value": pa.array([Decimal(f"{v:.2f}") for v in spend], pa.decimal128(18, 2)),
            "churn_risk": pa.array([Decimal(f"{v:.4f}") for v in churn], pa.decimal128(18, 4)),
            "last_updated": pa.array(updated, pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
        },
        schema=CUSTOMER_360,
    )


def crm_customers(rows: int, *, now: datetime, seed: int = 7) -> pa.Table:
    """Raw CRM export, bronze: it carries email and phone (its email column is left unlabelled on purpose)."""
    rng = np.random.default_rng(seed)
    names = _names(rng, rows)
    return pa.table(
        {
            "customer_id": [f"C{i:07d}" for i in range(1, rows + 1)],
            "full_name": names,
            "email": [f"{n.lower().replace(' ', '.')}{i}@example.com" for i, n in enumerate(names)],
            "phone": [f"+1-555-{rng.integers(1000, 9999)}" for _ in range(rows)],
            "signup_date": pa.array(
                [(now - timedelta(days=int(d))).date() for d in rng.integers(0, 3650, rows)], pa.date32()
            ),
        }
    )


def orders(rows: int, customers: int, *, now: datetime, seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)
    when = np.datetime64(now.replace(tzinfo=None), "us") - rng.integers(0, 365 * 86400, rows).astype("timedelta64[s]")
    return pa.table(
        {
            "order_id": [f"O{i:08d}" for i in range(1, rows + 1)],
            "customer_id": [f"C{i:07d}" for i in rng.integers(1, customers + 1, rows)],
            "amount": pa.array(np.round(rng.lognormal(4.0, 1.0, rows), 2)),
            "ordered_at": pa.array(when, pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
        }
    )


def campaigns(*, now: datetime, seed: int = 5) -> pa.Table:
    rng = np.random.default_rng(seed)
    rows = 40
    return pa.table(
        {
            "campaign_id": [f"K{i:04d}" for i in range(1, rows + 1)],
            "channel": rng.choice(CHANNELS, rows),
            "segment": rng.choice(SEGMENTS, rows),
            "budget": np.round(rng.uniform(1000, 50000, rows), 2),
            "started_on": pa.array([(now - timedelta(days=int(d))).date() for d in rng.integers(0, 365, rows)]),
        }
    )


def segment_targets(customers: pa.Table) -> pa.Table:
    """Marketing's view of Customer 360: one row per segment."""
    grouped = customers.group_by("segment").aggregate(
        [("customer_id", "count"), ("lifetime_value", "mean"), ("churn_risk", "mean")]
    )
    return pa.table(
        {
            "segment": grouped["segment"],
            "customers": grouped["customer_id_count"],
            "avg_lifetime_value": pa.array([round(float(v), 2) for v in grouped["lifetime_value_mean"].to_pylist()]),
            "avg_churn_risk": pa.array([round(float(v), 4) for v in grouped["churn_risk_mean"].to_pylist()]),
        }
    )


def campaign_audience(customers: pa.Table, campaigns_table: pa.Table, *, seed: int = 9) -> pa.Table:
    """High-risk customers matched to a campaign for their segment."""
    rng = np.random.default_rng(seed)
    risky = customers.filter(
        pc.greater(customers["churn_risk"], pa.scalar(Decimal("0.5"), customers["churn_risk"].type))
    )
    by_segment: dict[str, list[str]] = {}
    for campaign, segment in zip(
        campaigns_table["campaign_id"].to_pylist(), campaigns_table["segment"].to_pylist(), strict=True
    ):
        by_segment.setdefault(segment, []).append(campaign)
    segments = risky["segment"].to_pylist()
    return pa.table(
        {
            "customer_id": risky["customer_id"],
            "segment": risky["segment"],
            "campaign_id": [str(rng.choice(by_segment.get(s, ["K0001"]))) for s in segments],
        }
    )
