"""A small Sales catalog snapshot, frozen at one moment, shared by the governance tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lakemesh.governance.subjects import (
    ColumnSubject,
    DomainSubject,
    LakehouseSubject,
    ProductSubject,
    Subjects,
    TableSubject,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def catalog() -> Subjects:
    return Subjects(
        domains=(DomainSubject("Sales", owner="sales-data-team@company.com", tags=("core",)),),
        lakehouses=(
            LakehouseSubject("Sales", "sales_lakehouse", retention_days=90, auto_vacuum=True, data_steward="s@x.com"),
            LakehouseSubject("Marketing", "scratch_lakehouse", retention_days=3),
        ),
        tables=(
            TableSubject(
                "Sales",
                "sales_lakehouse",
                "bronze_leads",
                last_refresh=NOW - timedelta(hours=2),
                tags=("pii",),
                columns=(
                    ColumnSubject("email"),
                    ColumnSubject("Phone_Number", sensitivity_label="Confidential"),
                    ColumnSubject("home_address", sensitivity_label="Public"),
                    ColumnSubject("lead_id", nullable=False),
                ),
            ),
            TableSubject(
                "Sales",
                "sales_lakehouse",
                "gold_customer_360",
                last_refresh=NOW - timedelta(hours=30),
                row_count=1200,
                description="Unified customer view",
                columns=(ColumnSubject("customer_id"), ColumnSubject("ssn", sensitivity_label="Highly Confidential")),
            ),
            TableSubject("Sales", "sales_lakehouse", "gold_orders", last_refresh=NOW - timedelta(hours=1), row_count=5),
            TableSubject("Marketing", "scratch_lakehouse", "gold_campaigns"),
            TableSubject("Marketing", "scratch_lakehouse", "silver_events", retention_days=30, row_count=0),
        ),
        products=(
            ProductSubject(
                "Sales",
                "Customer 360",
                status="published",
                owner="sales-data-team@company.com",
                quality_score=97.5,
                sla_freshness=timedelta(hours=24),
                tags=("customer",),
            ),
            ProductSubject("Marketing", "Campaigns", quality_score=None),
        ),
    )
