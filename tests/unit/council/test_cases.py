"""Cases: Marketing brings Sales' denied access request to the council; the decision grants it, as the council."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.unit.council.conftest import Council

READ = ("Sales", "sales_lakehouse", "gold_customer_360")


def _denied_request(council: Council) -> str:
    request = council.world.analyst.request_access("sales/customer-360", "campaign targeting")
    council.sales.deny_access_request(request.id, "Customer data stays in Sales")
    return request.id


def test_a_case_about_a_denied_request_is_decided_with_a_grant_audited_as_the_councils(council: Council) -> None:
    request_id = _denied_request(council)
    with pytest.raises(NotFound):
        council.world.analyst.read_table(*READ)
    case = council.marketing.open_case(
        "Marketing needs Customer 360 for campaigns",
        ["marketing", "sales"],
        description="Denied without a way forward; campaigns need segments",
        subjects=[{"kind": "access_request", "ref": request_id}, {"kind": "product", "ref": "sales/customer-360"}],
    )
    assert [c.id for c in council.admin.list_cases(state="open")] == [case.id]
    decided = council.admin.decide_case(
        case.id,
        "Marketing may read Customer 360 without its Confidential columns, for campaign targeting",
        actions=[{"kind": "grant_access", "request": request_id}],
    )
    assert decided.state == "decided" and decided.decided_by == "admin"
    [action] = decided.actions
    assert action["kind"] == "grant_access" and action["grantee"] == "marketing-analyst@company.com"
    assert council.world.analyst.read_table(*READ).num_rows == 6  # the grant exists and works
    [grant] = council.sales.list_grants(product="sales/customer-360")
    assert grant.id == action["grant"] and grant.created_by == f"council:{case.id}"
    [created] = council.admin.audit(action="grant.created")
    assert created.actor == f"council:{case.id}"
    assert council.world.analyst.get_access_request(request_id).state == "approved"
    [record] = council.outsider.list_decisions(kind="case")
    assert record.id == case.id and record.summary.startswith("Marketing may read")
    assert council.outsider.get_case(case.id).decision == decided.decision  # anyone in the mesh reads it


def test_ownership_transfer_and_fix_by_date(council: Council) -> None:
    case = council.world.analyst.open_case("Who owns Customer 360?", ["sales", "marketing"])
    by = datetime(2030, 1, 31, tzinfo=UTC)
    decided = council.marketing.decide_case(
        case.id,
        "Sales keeps it, owned by its steward; Sales documents the segment column by the end of January",
        actions=[
            {"kind": "transfer_ownership", "product": "sales/customer-360", "owner": "marketing-rep@company.com"},
            {"kind": "fix_by", "domain": "sales", "by": by.isoformat(), "what": "document segment"},
        ],
    )
    assert council.admin.get_product("sales", "customer-360").owner == "marketing-rep@company.com"
    assert decided.actions[1] == {"kind": "fix_by", "domain": "sales", "by": by.isoformat(), "what": "document segment"}
    assert {e.action for e in council.admin.audit(resource_id=case.id)} >= {
        "governance.case.opened",
        "governance.case.decided",
        "governance.case.fix_requested",
    }


def test_only_facilitators_and_representatives_decide_and_only_once(council: Council) -> None:
    case = council.world.analyst.open_case("Breaking change hurt us", ["marketing"])
    with pytest.raises(Forbidden):
        council.world.analyst.decide_case(case.id, "I win")
    council.admin.decide_case(case.id, "No breaking change happened")
    with pytest.raises(Conflict, match="already decided"):
        council.admin.decide_case(case.id, "again")


def test_bad_actions_are_refused_before_anything_happens(council: Council) -> None:
    case = council.world.analyst.open_case("Dispute", ["sales"])
    with pytest.raises(InvalidInput):
        council.admin.decide_case(case.id, "x", actions=[{"kind": "grant_access"}])
    with pytest.raises(InvalidInput, match="no such principal"):
        council.admin.decide_case(
            case.id, "x", actions=[{"kind": "transfer_ownership", "product": "sales/customer-360", "owner": "ghost"}]
        )
    with pytest.raises(NotFound):
        council.admin.decide_case(case.id, "x", actions=[{"kind": "grant_access", "request": "ar_missing"}])
    assert council.admin.get_case(case.id).state == "open"
    with pytest.raises(InvalidInput, match="no domain"):
        council.world.analyst.open_case("Nowhere", ["atlantis"])
