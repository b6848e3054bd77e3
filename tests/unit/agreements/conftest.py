"""The access world (Sales owns Customer 360, Marketing's analyst consumes it) on a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.platform import Platform
from tests.unit.access.conftest import world

__all__ = ["world"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock)
    platform.initialize()
    yield platform
    platform.close()
