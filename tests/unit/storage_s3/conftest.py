"""Every unit test in this folder runs on a data root in a fresh bucket of a loopback S3 server (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.platform import Platform
from tests.object_store import new_bucket, s3_endpoint, s3_settings
from tests.unit.access.conftest import world

__all__ = ["s3_endpoint", "world"]  # fixtures, registered by importing them


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    return new_bucket(s3_endpoint)


@pytest.fixture
def settings(settings: Settings, s3_endpoint: str, bucket: str) -> Settings:
    """The suite's settings (SQLite or PostgreSQL catalog) with the data root at s3://<bucket>/mesh."""
    return s3_settings(settings, s3_endpoint, bucket)


@pytest.fixture
def clock() -> FrozenClock:
    """Now, so Delta commit times (real) and the platform's clock agree."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock=clock)
    platform.initialize()
    yield platform
    platform.close()
