"""A small mesh: Sales owns Customer 360 (with a Confidential email column), Marketing wants it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.products.seed import CUSTOMER_360


def customers() -> pa.Table:
    """Six customers; `email` is labelled Confidential, `customer_name` Highly Confidential."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return pa.table(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "customer_name": ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", None],
            "email": ["ada@x.com", "alan@y.org", "grace@x.com", "ed@z.net", "barbara@x.com", "noat"],
            "lifetime_value": pa.array([100.0, 250.5, 75.0, 900.0, 10.0, 0.0]),
            "segment": ["Enterprise", "SMB", "Consumer", "Enterprise", "SMB", "Consumer"],
            "churn_risk": pa.array([0.1, 0.5, 0.9, 0.2, 0.3, 0.4]),
            "last_updated": pa.array([now] * 6, pa.timestamp("us", tz="UTC")),
        }
    )


def product_document() -> dict[str, Any]:
    document = copy.deepcopy(CUSTOMER_360)
    document["contract"]["schema"]["email"] = {"type": "string", "sensitivity_label": "Confidential"}
    document["contract"]["schema"]["lifetime_value"] = {"type": "double"}
    document["contract"]["schema"]["churn_risk"] = {"type": "double"}
    document["tags"] = ["customer", "crm", "gold"]
    return document


@dataclass
class World:
    admin: Mesh
    owner: Mesh  # sales-data-team@company.com, owner of the product and Sales Admin
    analyst: Mesh  # marketing-analyst@company.com, Member of Marketing
    outsider: Mesh  # in no domain at all


TABLE = "sales.sales_lakehouse.gold_customer_360"


@pytest.fixture
def world(admin: Mesh) -> World:
    return build_world(admin)


def build_world(admin: Mesh) -> World:
    """The mesh above, built by `admin` (also for module-wide worlds: tests/security/test_hostile_queries.py)."""
    owner = user(admin, "sales-data-team@company.com")
    analyst = user(admin, "marketing-analyst@company.com")
    outsider = user(admin, "outsider@company.com")
    admin.create_domain("Sales")
    admin.create_domain("Marketing")
    admin.add_member("Sales", "sales-data-team@company.com", "Admin")
    admin.add_member("Marketing", "marketing-analyst@company.com", "Member")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.create_lakehouse("Marketing", "marketing_lakehouse")
    admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", customers())
    admin.update_table(
        "Sales",
        "sales_lakehouse",
        "gold_customer_360",
        columns={"customer_name": {"sensitivity_label": "Highly Confidential"}},
    )
    admin.write_table(
        "Sales", "sales_lakehouse", "silver_secret_deals", pa.table({"deal": ["d1"], "amount": pa.array([1.0])})
    )
    admin.write_table(
        "Marketing",
        "marketing_lakehouse",
        "silver_campaigns",
        pa.table({"campaign_id": ["k1", "k2", "k3"], "segment": ["Enterprise", "SMB", "Consumer"]}),
    )
    admin.create_product(product_document())
    admin.publish_product("Sales", "Customer 360")
    return World(admin, owner, analyst, outsider)


def grant_to(world: World, who: Mesh, **request: Any) -> str:
    """Request as `who`, approve as the owner; returns the grant id."""
    created = who.request_access("sales/customer-360", request.pop("purpose", "campaign targeting"), **request)
    approved = world.owner.approve_access_request(created.id)
    assert approved.grant_id is not None
    return approved.grant_id


def what_users_see(world: World) -> dict[str, Any]:
    """What a query could have changed if the gate let it: tables (versions, rows), grants, masking; a module that
    shares one world across read-only tests compares it before and after."""
    admin = world.admin
    tables = {
        (domain, lakehouse.name, table.name): (table.version, admin.read_table(domain, lakehouse.name, table.name))
        for domain in ("Sales", "Marketing")
        for lakehouse in admin.list_lakehouses(domain)
        for table in admin.list_tables(domain, lakehouse.name)
    }
    grants = sorted((g.id, g.state) for g in admin.list_grants(state=None))
    return {"tables": tables, "grants": grants, "masking": admin.get_masking_policy()}
