"""Hostile governed queries: each is refused, or returns only what the caller may read (issue 7's bad input).

The analyst (Marketing) holds a grant on Customer 360 for all columns: `email` (Confidential) comes back
partially masked and `customer_name` (Highly Confidential) hashed; Sales' other tables stay invisible.

The queries only read, so they share one world per module (and xdist worker), built once on a catalog of its own
(1-2 s per query before); the module checks at the end that no query changed what a user can see. The two tests
that change grants and clocks build their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import platform_of_its_own
from tests.unit.access.conftest import TABLE, World, build_world, grant_to, what_users_see

REFUSED = (InvalidInput, Forbidden, NotFound)
CLEAR_EMAILS = {"ada@x.com", "alan@y.org", "grace@x.com", "ed@z.net", "barbara@x.com", "noat"}
CLEAR_NAMES = {"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"}
SECRET = "sales.sales_lakehouse.silver_secret_deals"

REFUSED_QUERIES = [
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'https://example.com/data.parquet'",
    "SELECT read_text('/etc/passwd')",
    "SELECT getenv('HOME')",
    "ATTACH '/tmp/stolen.db' AS stolen",
    "COPY (SELECT * FROM sales.sales_lakehouse.gold_customer_360) TO '/tmp/out.csv'",
    "EXPORT DATABASE '/tmp/everything'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "PRAGMA database_list",
    "PRAGMA show_tables",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_views()",
    "SELECT current_setting('memory_limit')",
    "SELECT 1; SELECT 2",
    "SELECT 1; DROP VIEW x",
    "SELECT 1 /* harmless */; ATTACH '/tmp/x.db'",
    "SELECT 1 -- comment\n; COPY (SELECT 1) TO '/tmp/x'",
    "CREATE TABLE stolen AS SELECT * FROM sales.sales_lakehouse.gold_customer_360",
    "INSERT INTO sales.sales_lakehouse.gold_customer_360 VALUES (1)",
    "UPDATE sales.sales_lakehouse.gold_customer_360 SET email = 'x'",
    "SELECT * INTO stolen FROM sales.sales_lakehouse.gold_customer_360",
    "SELECT * FROM sales.sales_lakehouse.gold_customer_360 AT (VERSION => 0)",
    "SELECT * FROM sales.sales_lakehouse.gold_customer_360 WHERE customer_id = $1",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM masked_source",
    "SELECT * FROM gold_customer_360",
    "SELECT * FROM sales.sales_lakehouse.gold_customer_360__source",
    'SELECT * FROM "sales.sales_lakehouse.gold_customer_360"',
    "SELECT * FROM s\u0430les.sales_lakehouse.gold_customer_360",  # a Cyrillic a
    'SELECT * FROM "sales"."sales_lakehouse"."gold_customer_360; DROP"',
    "SELECT * FROM a.b.c.d",
    f"SELECT * FROM {SECRET}",
    f"SELECT * FROM {SECRET.upper()}",
    f"WITH x AS (SELECT 1) SELECT * FROM x JOIN {SECRET} ON true",
    f"SELECT (SELECT count(*) FROM {SECRET})",
    "SELECT * FROM marketing.marketing_lakehouse.silver_campaigns, LATERAL read_csv('/etc/passwd')",
    "SELECT * FROM range(10)",
    "SELECT " + "x" * 100_001,
    "",
    "   ",
]


@pytest.fixture(scope="module")
def granted_world(tmp_path_factory: pytest.TempPathFactory, _migrated_sqlite_catalog: Path) -> Iterator[World]:
    """The access tests' world with the analyst's grant, shared by the read-only tests of this module."""
    with platform_of_its_own(tmp_path_factory.mktemp("hostile") / "home", _migrated_sqlite_catalog) as platform:
        world = build_world(Mesh(platform, platform.principals.bootstrap_admin()))
        grant_to(world, world.analyst)
        before = what_users_see(world)
        yield world
        assert what_users_see(world) == before, "a hostile query changed the shared world"


@pytest.fixture
def analyst(granted_world: World) -> Mesh:
    # The grant still reads the whole table: a refusal below is the gate's, never the leftover of an earlier test
    # (a lost grant would make every hostile query "refused").
    assert granted_world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}").column("n").to_pylist() == [6]
    return granted_world.analyst


@pytest.mark.parametrize("sql", REFUSED_QUERIES)
def test_hostile_queries_are_refused(analyst: Mesh, sql: str) -> None:
    with pytest.raises(REFUSED):
        analyst.sql(sql)


def _values(analyst: Mesh, sql: str) -> set[str]:
    """Every value in the result as text, lists flattened."""
    table = analyst.sql(sql)
    flat: set[str] = set()
    for column in table.columns:
        for value in column.to_pylist():
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    flat.add(item.decode(errors="replace") if isinstance(item, bytes) else str(item))
    return flat


MASKED_QUERIES = [
    f"SELECT email FROM {TABLE}",
    f"SELECT * FROM {TABLE}",
    f"SELECT CAST(email AS VARCHAR) AS e FROM {TABLE}",
    f"SELECT email::BLOB::VARCHAR AS e FROM {TABLE}",
    f"SELECT CONCAT(email, '') AS e, email || '' AS f FROM {TABLE}",
    f"SELECT email, count(*) AS n FROM {TABLE} GROUP BY email",
    f"SELECT min(email) AS a, max(email) AS b, min(customer_name) AS c, max(customer_name) AS d FROM {TABLE}",
    f"SELECT list(email) AS e FROM {TABLE}",
    f"SELECT first_value(email) OVER (ORDER BY customer_id) AS e FROM {TABLE}",
    f"WITH x AS (SELECT * FROM {TABLE}) SELECT email, customer_name FROM x",
    f"SELECT upper(email) AS e, lower(customer_name) AS n FROM {TABLE}",
    f"SELECT regexp_replace(email, '(.)', '\\1') AS e FROM {TABLE}",
    f"SELECT c.email FROM {TABLE} c JOIN marketing.marketing_lakehouse.silver_campaigns k ON k.segment = c.segment",
    f"SELECT email FROM {TABLE} UNION ALL SELECT customer_name FROM product.sales.customer_360",
    f"SELECT CASE WHEN email LIKE 'ada%' THEN 'ada@x.com' END AS e FROM {TABLE}",
]


@pytest.mark.parametrize("sql", MASKED_QUERIES)
def test_masked_columns_stay_masked_through_any_expression(analyst: Mesh, sql: str) -> None:
    flat = _values(analyst, sql)
    assert not flat & CLEAR_EMAILS
    assert not flat & {n.lower() for n in CLEAR_NAMES} and not flat & CLEAR_NAMES


@pytest.mark.parametrize(
    "condition",
    [
        "email LIKE 'ada%'",
        "email = 'ada@x.com'",
        "length(email) = 9",
        "customer_name = 'Ada Lovelace'",
        "starts_with(customer_name, 'Ada')",
        "email IN (SELECT 'ada@x.com')",
        "EXISTS (SELECT 1 WHERE 'ada@x.com' = email)",
    ],
)
def test_probing_masked_columns_learns_nothing(analyst: Mesh, condition: str) -> None:
    count = analyst.sql(f"SELECT count(*) AS n FROM {TABLE} WHERE {condition}").column("n").to_pylist()[0]
    assert count == 0


def test_hidden_and_missing_tables_get_the_same_answer(analyst: Mesh) -> None:
    with pytest.raises(NotFound) as hidden:
        analyst.sql(f"SELECT * FROM {SECRET}")
    with pytest.raises(NotFound) as missing:
        analyst.sql("SELECT * FROM sales.sales_lakehouse.silver_no_such_table")
    assert str(hidden.value).replace("silver_secret_deals", "T") == str(missing.value).replace(
        "silver_no_such_table", "T"
    )
    with pytest.raises(NotFound) as lakehouse:
        analyst.sql("SELECT * FROM sales.no_such_lakehouse.silver_secret_deals")
    with pytest.raises(NotFound) as domain:
        analyst.sql("SELECT * FROM nowhere.sales_lakehouse.silver_secret_deals")
    assert "no_such_lakehouse" in str(lakehouse.value) and "nowhere" in str(domain.value)


def test_without_a_grant_another_domains_table_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.analyst.sql(f"SELECT count(*) FROM {TABLE}")
    with pytest.raises(NotFound):
        world.outsider.sql(f"SELECT count(*) FROM {TABLE}")
    with pytest.raises(Forbidden):  # the published product is public; its data is not
        world.outsider.sql("SELECT count(*) FROM product.sales.customer_360")


def test_expired_and_revoked_grants_are_refused(world: World) -> None:
    grant_id = grant_to(world, world.analyst, duration="1h")
    assert world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}").column("n").to_pylist() == [6]
    platform = world.admin.platform
    real = platform.clock
    later = FrozenClock(real.now() + timedelta(hours=2))
    for service in (platform.access, platform.reads, platform.query):
        service._clock = later  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        world.analyst.sql(f"SELECT count(*) FROM {TABLE}")
    for service in (platform.access, platform.reads, platform.query):
        service._clock = real  # type: ignore[attr-defined]
    world.owner.revoke_grant(grant_id)
    with pytest.raises(NotFound):
        world.analyst.sql(f"SELECT count(*) FROM {TABLE}")
