"""A council-mode mesh on a frozen clock: Sales owns Customer 360, Marketing wants it; each names a representative."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.conftest import user
from tests.unit.access.conftest import World, world

__all__ = ["world"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"governance_mode": "council", "webhook_url_allowlist": "127.0.0.1"})


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock)
    platform.initialize()
    yield platform
    platform.close()


@dataclass
class Council:
    world: World
    admin: Mesh
    sales: Mesh  # Sales' representative (its Admin, sales-data-team@company.com)
    marketing: Mesh  # Marketing's representative (marketing-rep@company.com, chosen by Marketing's Admin)
    outsider: Mesh


@pytest.fixture
def council(world: World) -> Council:
    admin = world.admin
    marketing_admin = user(admin, "marketing-data-team@company.com")
    admin.add_member("Marketing", "marketing-data-team@company.com", "Admin")
    marketing_rep = user(admin, "marketing-rep@company.com")
    world.owner.set_council_representatives({"sales": ["sales-data-team@company.com"]})
    marketing_admin.set_council_representatives({"marketing": ["marketing-rep@company.com"]})
    return Council(world, admin, world.owner, marketing_rep, world.outsider)
