"""Council membership: domain Admins choose their representatives; others cannot; everyone reads the council."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput
from tests.unit.council.conftest import Council


def test_each_domain_admin_names_its_representative_and_everyone_sees_the_council(council: Council) -> None:
    seen = council.outsider.get_council()
    seats = {d.domain: [r.name for r in d.representatives] for d in seen.domains}
    assert seats == {"marketing": ["marketing-rep@company.com"], "sales": ["sales-data-team@company.com"]}
    assert seen.mode == "council"
    assert "admin" in seen.facilitators
    assert seen.rule.veto == "block"


def test_an_admin_of_another_domain_cannot_choose_sales_representatives(council: Council) -> None:
    with pytest.raises(Forbidden, match="Only Admins of domain 'Sales'"):
        council.world.analyst.set_council_representatives({"sales": ["marketing-analyst@company.com"]})
    with pytest.raises(Forbidden):
        council.marketing.set_council_representatives({"sales": ["marketing-rep@company.com"]})


def test_unknown_principals_and_domains_are_refused_by_name(council: Council) -> None:
    with pytest.raises(InvalidInput, match="not a principal"):
        council.sales.set_council_representatives({"sales": ["ghost@company.com"]})
    with pytest.raises(InvalidInput, match="no domain"):
        council.admin.set_council_representatives({"nowhere": ["admin"]})


def test_changing_representatives_is_audited(council: Council) -> None:
    council.sales.set_council_representatives({"sales": ["sales-data-team@company.com", "outsider@company.com"]})
    entries = council.admin.audit(action="governance.council.updated")
    assert entries and entries[0].actor == "sales-data-team@company.com"


def test_a_group_represents_its_domain_through_any_member_with_one_vote(council: Council) -> None:
    from tests.conftest import user

    council.admin.create_principal("marketing-council", kind="group")
    second = user(council.admin, "marketing-second@company.com")
    for member in ("marketing-rep@company.com", "marketing-second@company.com"):
        council.admin.add_group_member("marketing-council", member)
    council.admin.set_council_representatives({"marketing": ["marketing-council"]})
    proposal = council.admin.propose(
        "Adopt a rule", policy={"name": "described", "rule": "tables must have description is set"}
    )
    second.vote(proposal.id, "abstain", comment="for Marketing")
    with pytest.raises(Conflict, match="Marketing has already voted"):
        council.marketing.vote(proposal.id, "approve")
