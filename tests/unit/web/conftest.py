"""Web UI tests run on the metrics tests' small mesh (Sales with Customer 360, Marketing, a few people), or on
the full demo mesh (`demo`) when a test covers every demo product."""

from collections.abc import Iterator

import pytest

from lakemesh.core.settings import Settings
from lakemesh.demo import load_demo
from lakemesh.platform import Platform
from tests.unit.metrics.conftest import clock, mesh, platform

__all__ = ["clock", "demo", "mesh", "platform"]


@pytest.fixture
def demo(settings: Settings) -> Iterator[Platform]:
    loaded = Platform(settings)
    loaded.initialize()
    load_demo(loaded, say=lambda _: None)
    yield loaded
    loaded.close()
