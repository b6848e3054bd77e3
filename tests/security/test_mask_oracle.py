"""The hash mask is no dictionary oracle (issue 25, item 2).

The attack: a principal who holds grants on Sales' Customer 360 and on a product they control (Marketing's
"Guesses", whose Highly Confidential columns hold values they chose) joins the two on the masked columns.
With one unkeyed hash for the whole platform every guess that hit revealed a clear value. Hash masks are now
keyed per owning domain, and numbers, dates, flags and enums are masked to NULL, so the join finds nothing;
within Sales, equal values still hash equal so Sales' own tables keep joining.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.access.masking import scope_key
from lakemesh.mesh import Mesh
from tests.conftest import platform_of_its_own
from tests.unit.access.conftest import TABLE, World, build_world, customers, grant_to, what_users_see
from tests.unit.products.seed import CUSTOMER_360

NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Nobody"]
VALUES = [round(v * 0.5, 2) for v in range(0, 2001)]  # 0.00 .. 1000.00 in steps of 0.50


def _product(name: str, domain: str, owner: str, lakehouse: str, table: str, schema: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(CUSTOMER_360)
    document.update(name=name, domain=domain, owner=owner, quality_rules=[])
    document["contract"]["schema"] = schema
    document["storage"] = {"type": "lakehouse_table", "lakehouse": lakehouse, "table": table}
    return document


@pytest.fixture(scope="module")
def attacked_world(tmp_path_factory: pytest.TempPathFactory, _migrated_sqlite_catalog: Path) -> Iterator[World]:
    """The world with the attacker's grants and dictionary, shared by this module's read-only attack tests (a world
    of its own per test before, 2-4 s each); checked unchanged at the end."""
    with platform_of_its_own(tmp_path_factory.mktemp("oracle") / "home", _migrated_sqlite_catalog) as platform:
        world = build_world(Mesh(platform, platform.principals.bootstrap_admin()))
        arm_the_attacker(world)
        before = what_users_see(world)
        yield world
        assert what_users_see(world) == before, "an attack changed the shared world"


@pytest.fixture
def attacker(attacked_world: World) -> Mesh:
    return attacked_world.outsider


def arm_the_attacker(world: World) -> Mesh:
    """The analyst, granted Customer 360 and their own dictionary product (granted to them like any reader)."""
    admin = world.admin
    admin.update_table(
        "Sales",
        "sales_lakehouse",
        "gold_customer_360",
        columns={
            "lifetime_value": {"sensitivity_label": "Highly Confidential"},
            "last_updated": {"sensitivity_label": "Highly Confidential"},
            "segment": {"sensitivity_label": "Highly Confidential"},
        },
    )
    guesses = pa.table(
        {
            "guess_name": [NAMES[i % len(NAMES)] for i in range(len(VALUES))],
            "guess_value": pa.array(VALUES, pa.float64()),
            "guess_segment": [["Enterprise", "SMB", "Consumer"][i % 3] for i in range(len(VALUES))],
            "clear_name": [NAMES[i % len(NAMES)] for i in range(len(VALUES))],
            "clear_value": pa.array(VALUES, pa.float64()),
            "clear_segment": [["Enterprise", "SMB", "Consumer"][i % 3] for i in range(len(VALUES))],
        }
    )
    admin.write_table("Marketing", "marketing_lakehouse", "gold_guesses", guesses)
    label = {"type": "string", "sensitivity_label": "Highly Confidential"}
    schema = {
        "guess_name": label,
        "guess_value": {"type": "double", "sensitivity_label": "Highly Confidential"},
        "guess_segment": {**label, "enum": ["Enterprise", "SMB", "Consumer"]},
        "clear_name": {"type": "string"},
        "clear_value": {"type": "double"},
        "clear_segment": {"type": "string"},
    }
    admin.create_product(
        _product("Guesses", "Marketing", "marketing-analyst@company.com", "marketing_lakehouse", "gold_guesses", schema)
    )
    admin.publish_product("Marketing", "Guesses")
    # The outsider stands in for the attacker's second identity: in no domain, so both tables read masked.
    grant_to(world, world.outsider)
    request = world.outsider.request_access("marketing/guesses", "a dictionary")
    assert admin.approve_access_request(request.id).grant_id is not None
    return world.outsider


GUESSES = "product.marketing.guesses"
ATTACKS = [
    f"SELECT g.clear_name AS v FROM {TABLE} c JOIN {GUESSES} g ON c.customer_name = g.guess_name",
    f"SELECT g.clear_value AS v FROM {TABLE} c JOIN {GUESSES} g ON c.lifetime_value = g.guess_value",
    f"SELECT g.clear_segment AS v FROM {TABLE} c JOIN {GUESSES} g ON c.segment = g.guess_segment",
    f"SELECT g.clear_name AS v FROM {TABLE} c, {GUESSES} g WHERE c.customer_name IN (g.guess_name)",
]


@pytest.mark.parametrize("sql", ATTACKS)
def test_a_dictionary_join_on_masked_columns_recovers_nothing(attacker: Mesh, sql: str) -> None:
    assert attacker.sql(sql).num_rows == 0


def test_the_guesses_are_really_masked_for_the_attacker(attacker: Mesh) -> None:
    """The attack is meaningful: the attacker's own guesses come back masked, as the victim's columns do."""
    guesses = attacker.sql(f"SELECT guess_name, guess_value, guess_segment FROM {GUESSES} LIMIT 6").to_pylist()
    assert all(len(row["guess_name"]) == 64 and row["guess_name"] not in NAMES for row in guesses)
    assert all(row["guess_value"] is None and row["guess_segment"] is None for row in guesses)


def test_numbers_dates_and_enums_are_masked_to_null_not_hashed(attacker: Mesh) -> None:
    row = attacker.sql(f"SELECT lifetime_value, last_updated, segment, customer_name FROM {TABLE} LIMIT 1").to_pylist()
    assert row[0]["lifetime_value"] is None and row[0]["last_updated"] is None and row[0]["segment"] is None
    assert len(row[0]["customer_name"]) == 64  # free text is still hashed, so it can be counted and joined


def test_hash_masks_are_hmac_sha256_under_the_owning_domains_key(world: World) -> None:
    grant_to(world, world.analyst)
    platform = world.admin.platform
    sales = world.admin.get_domain("Sales")
    key = scope_key(platform.reads.salt(), sales.id)
    expected = hmac.new(key, b"Ada Lovelace", hashlib.sha256).hexdigest()
    masked = world.analyst.sql(f"SELECT customer_name FROM {TABLE} WHERE customer_id = 'c1'").column(0).to_pylist()
    assert masked == [expected]
    assert world.analyst.read_table("Sales", "sales_lakehouse", "gold_customer_360").column("customer_name")[
        0
    ].as_py() == (expected)


def test_hashes_stay_joinable_between_tables_of_the_owning_domain(world: World) -> None:
    admin = world.admin
    admin.write_table("Sales", "sales_lakehouse", "silver_customer_names", customers().select(["customer_name"]))
    schema = {"customer_name": {"type": "string", "sensitivity_label": "Highly Confidential"}}
    admin.create_product(
        _product(
            "Customer Names", "Sales", "sales-data-team@company.com", "sales_lakehouse", "silver_customer_names", schema
        )
    )
    admin.publish_product("Sales", "Customer Names")
    grant_to(world, world.analyst)
    request = world.analyst.request_access("sales/customer-names", "dedupe")
    assert world.owner.approve_access_request(request.id).grant_id is not None
    joined = world.analyst.sql(
        f"SELECT count(*) AS n FROM {TABLE} a JOIN product.sales.customer_names b ON a.customer_name = b.customer_name"
    )
    assert joined.column("n").to_pylist() == [5]  # the five non-null names match, their clear values unseen
