"""Usage agreements: an approved request becomes one both sides read; renewed before it ends, ended on revocation,
named by a breaking change, and hidden from everyone else."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.access.conftest import TABLE, World

PRODUCT = ("sales", "customer-360")
SEED_PURPOSE = "Need for campaign targeting analysis"


def agree(world: World, *, columns: list[str] | None = None, obligations: list[str] | None = None) -> str:
    """The seed's request, approved for 30 days; returns the agreement id."""
    request = world.analyst.request_access("Customer 360", SEED_PURPOSE, columns=columns, duration="30d")
    approved = world.owner.approve_access_request(request.id, obligations=obligations or [])
    assert approved.agreement_id is not None
    return approved.agreement_id


def notices(mesh: Mesh, prefix: str) -> list[str]:
    return [n.title for n in reversed(mesh.notifications()) if n.title.startswith(prefix)]


def test_the_seeds_request_approved_for_30_days_is_an_agreement_both_sides_read(
    world: World, clock: FrozenClock
) -> None:
    agreement_id = agree(world, columns=["customer_id", "segment"], obligations=["No re-sharing outside Marketing"])
    mine = world.analyst.get_agreement(agreement_id)
    assert mine == world.owner.get_agreement(agreement_id)  # both parties read the same agreement
    assert (mine.consumer, mine.provider) == ("marketing-analyst@company.com", "sales-data-team@company.com")
    assert mine.purpose == SEED_PURPOSE and mine.columns == ["customer_id", "segment"]
    product = world.owner.get_product(*PRODUCT)
    assert mine.contract_version == product.version and mine.sla == product.contract["sla"]
    assert mine.obligations == ["No re-sharing outside Marketing"]
    assert (mine.state, mine.version, mine.valid_until) == ("active", 1, clock.now() + timedelta(days=30))
    [grant] = world.analyst.list_grants()
    assert (grant.agreement_id, grant.agreement_version) == (agreement_id, 1)
    assert [a.id for a in world.analyst.list_agreements()] == [agreement_id]
    assert [a.id for a in world.owner.list_agreements(product="sales/customer-360", state="active")] == [agreement_id]
    assert notices(world.analyst, "Usage agreement made") == [
        f"Usage agreement made: marketing-analyst@company.com on sales/customer-360 "
        f"(version 1, until {(clock.now() + timedelta(days=30)):%Y-%m-%d})"
    ]


def test_the_products_usage_terms_are_accepted_on_request_and_kept_when_they_change(world: World) -> None:
    terms = ["No re-sharing outside your domain", "Delete extracts 30 days after the agreement ends"]
    world.owner.update_product(*PRODUCT, usage_terms=terms)
    with pytest.raises(InvalidInput) as refused:  # the requester sees what they would accept
        world.analyst.request_access("Customer 360", SEED_PURPOSE, duration="30d")
    assert [e.message for e in refused.value.errors] == terms
    request = world.analyst.request_access("Customer 360", SEED_PURPOSE, duration="30d", accept_terms=True)
    assert request.terms == terms
    approved = world.owner.approve_access_request(request.id, obligations=["Report misuse within 24h"])
    assert approved.agreement_id is not None
    agreed = world.analyst.get_agreement(approved.agreement_id).obligations
    assert agreed == [*terms, "Report misuse within 24h"]

    world.owner.update_product(*PRODUCT, usage_terms=["Only for marketing campaigns"])
    assert world.analyst.get_agreement(approved.agreement_id).obligations == agreed  # signed terms stay
    renewed = world.owner.renew_agreement(approved.agreement_id)
    assert renewed.version == 2 and renewed.obligations == agreed  # a renewal keeps what the consumer agreed to


def test_owners_are_told_7_days_before_the_end_and_renew(world: World, clock: FrozenClock) -> None:
    agreement_id = agree(world)
    services = world.admin.platform
    clock.advance(timedelta(days=22))  # 8 days left: no notice yet
    assert services.agreements.send_renewal_notices() == 0
    clock.advance(timedelta(days=1))  # T-7 days
    assert services.agreements.send_renewal_notices() == 1
    assert services.agreements.send_renewal_notices() == 0  # told once per version
    expected = "Usage agreement ends within 7 days: marketing-analyst@company.com on sales/customer-360"
    assert [t.split(" (")[0] for t in notices(world.owner, "Usage agreement ends")] == [expected]
    assert len(notices(world.analyst, "Usage agreement ends")) == 1
    assert notices(world.outsider, "Usage agreement") == []

    with pytest.raises(Forbidden):  # the consumer does not extend its own agreement
        world.analyst.renew_agreement(agreement_id)
    first_end = world.owner.get_agreement(agreement_id).valid_until
    assert first_end is not None
    renewed = world.owner.renew_agreement(agreement_id, duration="60d", note="campaign extended")
    assert (renewed.version, renewed.valid_from, renewed.valid_until) == (2, first_end, first_end + timedelta(days=60))
    assert [v.version for v in renewed.versions] == [1, 2] and renewed.versions[1].note == "campaign extended"
    [grant] = world.analyst.list_grants()
    assert (grant.expires_at, grant.agreement_version) == (renewed.valid_until, 2)

    clock.advance(timedelta(days=8))  # past the first end: the consumer still reads, under version 2
    assert world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}").column("n").to_pylist() == [6]
    clock.advance(timedelta(days=45))  # 14 days before version 2 ends
    assert services.agreements.send_renewal_notices() == 0
    clock.advance(timedelta(days=7))  # T-7 days of version 2: told again
    assert services.agreements.send_renewal_notices() == 1


def test_an_expired_agreement_is_not_renewed(world: World, clock: FrozenClock) -> None:
    agreement_id = agree(world)
    clock.advance(timedelta(days=31))
    assert world.analyst.get_agreement(agreement_id).state == "expired"
    assert world.analyst.list_agreements(state="active") == []
    with pytest.raises(Conflict):
        world.owner.renew_agreement(agreement_id)


def test_revoking_the_grant_ends_the_agreement(world: World) -> None:
    agreement_id = agree(world)
    [grant] = world.analyst.list_grants()
    world.owner.revoke_grant(grant.id, reason="campaign cancelled")
    ended = world.analyst.get_agreement(agreement_id)
    assert (ended.state, ended.ended_by, ended.end_reason) == (
        "ended",
        "sales-data-team@company.com",
        "campaign cancelled",
    )
    assert len(notices(world.analyst, "Usage agreement ended")) == 1
    assert len(notices(world.owner, "Usage agreement ended")) == 1
    with pytest.raises(Conflict):
        world.owner.renew_agreement(agreement_id)
    assert [a.id for a in world.analyst.list_agreements(state="ended")] == [agreement_id]


def test_a_breaking_change_lists_the_agreements_it_touches(world: World) -> None:
    touched = agree(world, columns=["customer_id", "segment"])
    other = user(world.admin, "finance-analyst@company.com")
    request = other.request_access("Customer 360", "revenue by customer", columns=["customer_id", "lifetime_value"])
    untouched = world.owner.approve_access_request(request.id).agreement_id
    contract = copy.deepcopy(world.owner.get_product(*PRODUCT).contract)
    del contract["schema"]["segment"]
    with pytest.raises(Conflict) as caught:
        world.owner.update_product(*PRODUCT, contract=contract)
    [item] = caught.value.errors
    assert [a["agreement"] for a in item.extra["agreements"]] == [touched]
    assert item.extra["agreements"][0]["consumer"] == "marketing-analyst@company.com"
    assert touched in caught.value.detail and untouched not in caught.value.detail

    # a Contributor of Sales may change the product but not read the agreements: they are counted, not named
    contributor = user(world.admin, "sales-engineer@company.com")
    world.admin.add_member("Sales", "sales-engineer@company.com", "Contributor")
    with pytest.raises(Conflict) as hidden:
        contributor.update_product(*PRODUCT, contract=contract)
    assert hidden.value.errors[0].extra["agreements"] == []
    assert "1 more that only their parties see" in hidden.value.detail
    assert "marketing-analyst" not in hidden.value.detail


def test_only_the_parties_read_an_agreement(world: World) -> None:
    agreement_id = agree(world)
    colleague = user(world.admin, "marketing-colleague@company.com")
    world.admin.add_member("Marketing", "marketing-colleague@company.com", "Member")
    viewer = user(world.admin, "sales-viewer@company.com")
    world.admin.add_member("Sales", "sales-viewer@company.com", "Viewer")
    for stranger in (world.outsider, colleague, viewer):
        with pytest.raises(NotFound):  # the same answer as for an agreement that does not exist
            stranger.get_agreement(agreement_id)
        assert stranger.list_agreements() == []
        with pytest.raises(NotFound):
            stranger.renew_agreement(agreement_id)
    assert world.admin.get_agreement(agreement_id).id == agreement_id  # platform admins see every agreement


def test_a_domain_grant_makes_an_agreement_every_member_reads(world: World) -> None:
    world.admin.add_member("Marketing", "marketing-analyst@company.com", "Admin")
    request = world.analyst.request_access("Customer 360", SEED_PURPOSE, grantee="domain:marketing")
    agreement_id = world.owner.approve_access_request(request.id).agreement_id
    assert agreement_id is not None
    colleague = user(world.admin, "marketing-colleague@company.com")
    world.admin.add_member("Marketing", "marketing-colleague@company.com", "Viewer")
    agreement = colleague.get_agreement(agreement_id)
    assert (agreement.consumer, agreement.consumer_kind) == ("domain:marketing", "domain")
    with pytest.raises(NotFound):
        world.outsider.get_agreement(agreement_id)


def test_blank_terms_and_obligations_and_bad_renewals_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        world.owner.update_product(*PRODUCT, usage_terms=["No re-sharing", "   "])
    request = world.analyst.request_access("Customer 360", SEED_PURPOSE, duration="30d")
    with pytest.raises(InvalidInput):
        world.owner.approve_access_request(request.id, obligations=["  "])
    agreement_id = world.owner.approve_access_request(request.id).agreement_id
    assert agreement_id is not None
    for duration in ("0d", "400d", "soon"):
        with pytest.raises(InvalidInput):
            world.owner.renew_agreement(agreement_id, duration=duration)
    assert world.owner.get_agreement(agreement_id).version == 1
