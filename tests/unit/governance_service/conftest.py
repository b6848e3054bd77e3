"""A small Sales mesh with a lakehouse, for the governance service tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from lakemesh.core.settings import Settings
from lakemesh.demo.data import crm_customers, customer_360
from lakemesh.demo.governance import GLOBAL_POLICIES, SALES_POLICIES
from lakemesh.mesh import Mesh
from tests.conftest import user

SEED_POLICIES: list[dict[str, Any]] = copy.deepcopy(GLOBAL_POLICIES + SALES_POLICIES)


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    """Sales with a lakehouse holding the demo's unlabelled CRM table and Customer 360; Marketing empty."""
    admin.create_domain("Sales", display_name="Sales-Domain")
    admin.create_domain("Marketing")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    now = datetime.now(UTC)
    admin.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", crm_customers(5, now=now))
    admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(5, now=now))
    return admin


@pytest.fixture
def sales_admin(mesh: Mesh) -> Mesh:
    member = user(mesh, "sales-admin@company.com")
    mesh.add_member("Sales", "sales-admin@company.com", "Admin")
    return member


def policy(name: str, rule: str, enforcement: str = "warn", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "", "scope": "GLOBAL", "rule": rule, "enforcement": enforcement, **extra}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The webhook receivers of these tests listen on loopback, which webhooks may only call when allowed."""
    return settings.model_copy(update={"webhook_url_allowlist": "127.0.0.1"})
