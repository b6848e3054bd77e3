"""Demo content: the seed's Option 1, Marketing's shortcut to Sales' Customer 360, after a granted request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.access.models import AccessDecision, AccessRequestCreate
from lakemesh.auth.models import Principal
from lakemesh.core.errors import Conflict, NotFound
from lakemesh.platform import Platform
from lakemesh.sharing.models import ShortcutCreate

# The seed's shortcut payload, exactly as its Fabric script writes it.
SEED_SHORTCUT: dict[str, Any] = {
    "path": "Tables/shared_customer_360",
    "target": {
        "oneLake": {
            "workspaceId": "sales-workspace-id",
            "itemId": "sales-lakehouse-id",
            "path": "Tables/gold_customer_360",
        }
    },
}


def load_sharing_demo(platform: Platform, admin: Principal, say: Callable[[str], Any]) -> None:
    """Safe to run twice: an existing shortcut is left as it is."""
    del admin  # the demo acts as the two domains' Admins, as the seed's teams would
    marketing = platform.principals.get_principal(
        platform.principals.bootstrap_admin(), "marketing-data-team@company.com"
    )
    sales = platform.principals.get_principal(platform.principals.bootstrap_admin(), "sales-data-team@company.com")
    try:
        platform.shortcuts.get(marketing, "Marketing", "marketing_lakehouse", "shared_customer_360")
        return
    except NotFound:
        pass
    try:
        request = platform.access.request(
            marketing,
            AccessRequestCreate(
                product="sales/customer-360", purpose="Campaign targeting by segment", grantee="domain:marketing"
            ),
        )
        platform.access.approve(sales, request.id, AccessDecision())
        say("Granted Marketing read access to sales/customer-360 (request approved by the Sales team)")
    except Conflict:
        pass  # already requested or granted on an earlier load
    shortcut = platform.shortcuts.create(
        marketing, "Marketing", "marketing_lakehouse", ShortcutCreate.model_validate(SEED_SHORTCUT)
    )
    say(f"Created shortcut {shortcut.qualified_name} → sales.sales_lakehouse.gold_customer_360 (no data copied)")
