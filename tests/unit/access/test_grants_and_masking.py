"""Grants open a product's table to another domain until they expire or are revoked; labelled columns stay masked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lakemesh.access.masking import MaskPlan
from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.unit.access.conftest import TABLE, World, grant_to

READ = ("Sales", "sales_lakehouse", "gold_customer_360")


def test_without_a_grant_other_domains_cannot_read(world: World) -> None:
    with pytest.raises(NotFound):
        world.analyst.read_table(*READ)
    with pytest.raises(NotFound):
        world.analyst.sql(f"SELECT * FROM {TABLE}")


def test_the_owning_domain_reads_in_clear(world: World) -> None:
    table = world.owner.read_table(*READ)
    assert table.column("email").to_pylist()[0] == "ada@x.com"
    assert table.column("customer_name").to_pylist()[0] == "Ada Lovelace"


def test_a_grant_for_all_columns_masks_labelled_ones(world: World) -> None:
    grant_to(world, world.analyst)
    table = world.analyst.read_table(*READ)
    assert table.column("customer_id").to_pylist()[0] == "c1"  # unlabelled: clear
    assert table.column("email").to_pylist()[:2] == ["a***@x.com", "a***@y.org"]  # Confidential: partial
    assert table.column("email").to_pylist()[5] == "n***"
    names = table.column("customer_name").to_pylist()
    assert names[0] != "Ada Lovelace" and len(names[0]) == 64 and names[5] is None  # Highly Confidential: hash


def test_naming_a_labelled_column_in_the_grant_unmasks_it(world: World) -> None:
    grant_to(world, world.analyst, columns=["customer_id", "email"])
    table = world.analyst.read_table(*READ)
    assert table.column("email").to_pylist()[0] == "ada@x.com"
    assert table.column("segment").to_pylist() == [None] * 6  # not granted: null
    assert table.column("customer_name").to_pylist()[0] != "Ada Lovelace"


def test_grants_expire_on_time_even_before_the_sweep(world: World) -> None:
    grant_to(world, world.analyst, duration="1d")
    assert world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}").column("n").to_pylist() == [6]
    services = world.admin.platform
    later = FrozenClock(services.clock.now() + timedelta(days=2))
    for service in (services.access, services.reads, services.query, services.discovery):
        service._clock = later  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}")
    assert world.analyst.list_grants() == []
    assert services.access.sweep_expired() == 1
    assert [g.state for g in world.analyst.list_grants(state=None)] == ["expired"]
    assert world.admin.audit(action="grant.expired")


def test_revoked_grants_stop_at_once(world: World) -> None:
    grant_id = grant_to(world, world.analyst)
    world.analyst.read_table(*READ)
    revoked = world.owner.revoke_grant(grant_id, reason="campaign over")
    assert revoked.state == "revoked"
    with pytest.raises(NotFound):
        world.analyst.read_table(*READ)
    with pytest.raises(Conflict):
        world.owner.revoke_grant(grant_id)


def test_grantees_may_give_up_but_not_revoke_others(world: World) -> None:
    grant_id = grant_to(world, world.analyst)
    with pytest.raises(NotFound):
        world.outsider.revoke_grant(grant_id)
    assert world.analyst.revoke_grant(grant_id).state == "revoked"


def test_masking_policy_is_configurable_per_label_by_admins(world: World) -> None:
    grant_to(world, world.analyst)
    with pytest.raises(Forbidden):
        world.analyst.set_masking_policy({"Confidential": "null"})
    with pytest.raises(InvalidInput):
        world.admin.set_masking_policy({"Confidential": "rot13"})
    world.admin.set_masking_policy({"Confidential": "redact", "Highly Confidential": "null"})
    table = world.analyst.read_table(*READ)
    assert set(table.column("email").to_pylist()) == {"***"}
    assert table.column("customer_name").to_pylist() == [None] * 6
    assert world.analyst.get_masking_policy() == {"confidential": "redact", "highly confidential": "null"}


def test_hash_masks_agree_between_reads_and_queries_of_the_owning_domain_only(world: World) -> None:
    """One key per owning domain: table reads and SQL give the same hash, another domain's key never does
    (tests/security/test_mask_oracle.py has the cross-domain dictionary join)."""
    grant_to(world, world.analyst)
    first = world.analyst.read_table(*READ).column("customer_name").to_pylist()
    second = world.analyst.sql(f"SELECT customer_name FROM {TABLE}").column("customer_name").to_pylist()
    assert first == second
    reads = world.admin.platform.reads
    sales, marketing = world.admin.get_domain("Sales"), world.admin.get_domain("Marketing")
    assert reads.hash_key(MaskPlan("t", scope=sales.id)) != reads.hash_key(MaskPlan("t", scope=marketing.id))


def test_reads_and_queries_are_audited(world: World) -> None:
    grant_to(world, world.analyst)
    table = world.analyst.read_table(*READ, columns=["customer_id", "email"])
    del table
    world.analyst.sql(f"SELECT segment, count(*) FROM {TABLE} GROUP BY segment")
    reads = world.admin.audit(action="table.read", actor="marketing-analyst@company.com")
    assert reads and reads[0].summary["rows"] == 6
    assert reads[0].summary["objects"][0]["columns"] == ["customer_id", "email"]
    assert reads[0].summary["objects"][0]["masked"] == ["customer_name", "email"]
    queries = world.admin.audit(action="query.executed", actor="marketing-analyst@company.com")
    assert queries and queries[0].summary["rows"] == 3
    assert queries[0].summary["objects"][0]["name"] == TABLE
    assert queries[0].summary["objects"][0]["columns"] == ["segment"]


def test_search_shows_granted_tables_only(world: World) -> None:
    before = world.analyst.search("customer")
    assert {h.kind for h in before} == {"product"}
    grant_to(world, world.analyst)
    after = world.analyst.search("customer")
    assert "sales.sales_lakehouse.gold_customer_360" in {h.qualified_name for h in after}
    assert all("secret_deals" not in h.qualified_name for h in world.analyst.search("deal"))


def test_revocable_says_which_grants_revoke_would_allow(world: World) -> None:
    """Pages offer Revoke only where the service would accept it: approvers, the grantee, nobody else."""
    grant_id = grant_to(world, world.analyst)
    access = world.admin.platform.access
    assert access.revocable(world.owner.principal, [grant_id, "gr_missing"]) == {grant_id}
    assert access.revocable(world.analyst.principal, [grant_id]) == {grant_id}
    assert access.revocable(world.outsider.principal, [grant_id]) == set()
    world.owner.revoke_grant(grant_id)
    assert access.revocable(world.owner.principal, [grant_id]) == set()
