"""The demo mesh: the seed's Sales and Marketing domains and their people. Safe to load twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import PrincipalCreate
from lakemesh.core.errors import NotFound
from lakemesh.domains.models import DomainCreate, MemberAdd
from lakemesh.platform import Platform

PEOPLE = [
    ("sales-data-team@company.com", "Sales data team"),
    ("sales-steward@company.com", "Sales data steward"),
    ("marketing-data-team@company.com", "Marketing data team"),
    ("marketing-steward@company.com", "Marketing data steward"),
    ("marketing-analyst@company.com", "Marketing analyst"),
]

DOMAINS = [
    DomainCreate(
        name="Sales",
        display_name="Sales-Domain",
        description="Sales team's data products",
        owner="sales-data-team@company.com",
        steward="sales-steward@company.com",
        tags=["sales", "crm"],
    ),
    DomainCreate(
        name="Marketing",
        display_name="Marketing-Domain",
        description="Marketing team's data products",
        owner="marketing-data-team@company.com",
        steward="marketing-steward@company.com",
        tags=["marketing", "campaigns"],
    ),
]

ROLES = [
    ("Sales", "sales-data-team@company.com", "Admin"),
    ("Sales", "sales-steward@company.com", "Member"),
    ("Marketing", "marketing-data-team@company.com", "Admin"),
    ("Marketing", "marketing-steward@company.com", "Member"),
    ("Marketing", "marketing-analyst@company.com", "Contributor"),
]


def load_demo(platform: Platform, *, say: Callable[[str], Any] = print) -> None:
    admin = platform.principals.bootstrap_admin()
    for name, display in PEOPLE:
        platform.principals.ensure_principal(admin, PrincipalCreate(name=name, display_name=display))
    for spec in DOMAINS:
        try:
            platform.domains.get(admin, spec.name)
        except NotFound:
            platform.domains.create(admin, spec)
            say(f"Created domain {spec.name}")
    for domain, principal, role in ROLES:
        platform.domains.add_member(admin, domain, MemberAdd(principal=principal, role=role))
    say("Demo mesh loaded: domains Sales and Marketing with their teams.")
