"""Fixtures for the engine: a frozen clock and a small customer table with known violations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from lakemesh.engine.session import EngineSession

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def customers() -> pa.Table:
    """8 customers. Violations: 1 null id, 2 negative values (+1 null), 2 churn out of range (+1 null),
    2 stale rows (+1 null timestamp), and id `c4` appears twice."""
    hours = [1, 2, 30, 3, 4, 26, None, 5]
    return pa.table(
        {
            "customer_id": ["c1", "c2", None, "c4", "c4", "c6", "c7", "c8"],
            "email": ["a@x.io", "b@x.io", "c@x.io", None, "e@x.io", "f@x.io", "g@x.io", "h@x.io"],
            "segment": ["SMB", "Enterprise", "SMB", "Consumer", "SMB", "SMB", "Consumer", "Enterprise"],
            "lifetime_value": pa.array([10.5, -1.0, 0.0, 99.0, None, -5.0, 7.0, 3.0], pa.float64()),
            "churn_risk": pa.array([0.1, 0.5, 1.2, 0.0, 1.0, -0.1, None, 0.3], pa.float64()),
            "last_updated": pa.array(
                [None if h is None else NOW - timedelta(hours=h) for h in hours], pa.timestamp("us", tz="UTC")
            ),
        }
    )


@pytest.fixture
def session() -> Iterator[EngineSession]:
    with EngineSession(memory_limit="256MB", threads=2) as engine:
        yield engine
