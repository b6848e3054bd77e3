"""The SQL gate: one read query, every table resolved through the caller, nothing else."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.engine.gate import EngineLimits, GatedQuery, TableName, gate_query

TABLES = {
    ("sales", "sales_lakehouse", "gold_customer_360"): "t_customers",
    ("sales_lakehouse", "gold_customer_360"): "t_customers",
    ("gold_customer_360",): "t_customers",
    ("orders",): "t_orders",
    ("secret",): None,
}


def resolve(name: TableName) -> str:
    key = tuple(p.lower() for p in name.parts)
    if key not in TABLES:
        raise NotFound(f"table {name} not found")
    relation = TABLES[key]
    if relation is None:
        raise Forbidden(f"you may not read {name}")
    return relation


def gate(sql: str, **kwargs: object) -> GatedQuery:
    return gate_query(sql, resolve, **kwargs)  # type: ignore[arg-type]


def refused(sql: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        gate(sql)
    assert caught.value.errors[0].loc == ("sql",)
    return caught.value.errors[0].message


def test_three_part_name_is_resolved_and_keeps_its_name_as_alias() -> None:
    gated = gate("SELECT segment, count(*) FROM sales.sales_lakehouse.gold_customer_360 GROUP BY 1")
    assert gated.tables == ("t_customers",)
    assert '"t_customers" AS "gold_customer_360"' in gated.sql
    assert "sales_lakehouse" not in gated.sql


@pytest.mark.parametrize("name", ["gold_customer_360", "sales_lakehouse.gold_customer_360"])
def test_one_and_two_part_names_are_resolved(name: str) -> None:
    assert gate(f"SELECT * FROM {name}").tables == ("t_customers",)


def test_qualified_columns_keep_working_after_rewrite() -> None:
    gated = gate("SELECT sales_lakehouse.gold_customer_360.segment FROM sales_lakehouse.gold_customer_360")
    assert gated.sql == 'SELECT gold_customer_360.segment FROM "t_customers" AS "gold_customer_360"'


def test_cte_names_are_not_tables_but_their_bodies_are_resolved() -> None:
    gated = gate("WITH recent AS (SELECT * FROM orders) SELECT r.id FROM recent AS r JOIN gold_customer_360 c ON 1=1")
    assert gated.tables == ("t_orders", "t_customers")
    assert "recent" not in gated.sql.replace('AS "recent"', "")


def test_recursive_cte_refers_to_itself() -> None:
    gated = gate("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT * FROM n")
    assert gated.tables == ()


def test_subqueries_joins_unions_and_values_are_allowed() -> None:
    sql = (
        "SELECT * FROM orders WHERE id IN (SELECT id FROM gold_customer_360) "
        "UNION ALL SELECT * FROM (VALUES (1)) v(id) EXCEPT SELECT 2"
    )
    assert set(gate(sql).tables) == {"t_orders", "t_customers"}
    assert gate("VALUES (1, 'a')").tables == ()


def test_window_and_aggregate_functions_are_allowed() -> None:
    sql = (
        "SELECT segment, row_number() OVER (PARTITION BY segment ORDER BY lifetime_value), "
        "lag(lifetime_value) OVER (), approx_count_distinct(customer_id) OVER (), "
        "coalesce(lower(email), ''), date_trunc('day', last_updated) FROM gold_customer_360"
    )
    assert gate(sql).tables == ("t_customers",)


def test_row_limit_wraps_the_query() -> None:
    gated = gate("SELECT * FROM orders ORDER BY 1", limits=EngineLimits(max_rows=10))
    assert gated.sql.endswith("LIMIT 10")
    assert gated.sql.startswith("SELECT * FROM (SELECT * FROM")


def test_unknown_table_propagates_the_callbacks_not_found() -> None:
    with pytest.raises(NotFound):
        gate("SELECT * FROM nowhere")


def test_forbidden_table_propagates_the_callbacks_forbidden() -> None:
    with pytest.raises(Forbidden):
        gate("SELECT * FROM orders JOIN secret USING (id)")


def test_a_cte_cannot_hide_a_forbidden_table_in_another_scope() -> None:
    with pytest.raises(Forbidden):
        gate("SELECT * FROM (WITH secret AS (SELECT 1) SELECT * FROM secret) s, secret")


def test_multiple_statements_are_refused() -> None:
    assert "one statement" in refused("SELECT 1; DROP TABLE orders")


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("CREATE TABLE x AS SELECT 1", "CREATE"),
        ("DROP TABLE orders", "DROP"),
        ("INSERT INTO orders VALUES (1)", "INSERT"),
        ("UPDATE orders SET id = 1", "UPDATE"),
        ("DELETE FROM orders", "DELETE"),
        ("COPY orders TO '/tmp/out.csv'", "COPY"),
        ("ATTACH '/tmp/other.db'", "ATTACH"),
        ("PRAGMA version", "PRAGMA"),
        ("SET threads = 64", "SET"),
        ("INSTALL httpfs", "INSTALL"),
        ("LOAD httpfs", "LOAD"),
        ("CALL pragma_version()", "CALL"),
        ("DESCRIBE orders", "DESCRIBE"),
    ],
)
def test_statements_that_are_not_reads_are_refused_by_name(sql: str, construct: str) -> None:
    assert construct in refused(sql)


def test_export_is_refused() -> None:
    refused("EXPORT DATABASE '/tmp/dump'")


@pytest.mark.parametrize(
    ("sql", "function"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("SELECT * FROM read_parquet('s3://bucket/x.parquet')", "read_parquet"),
        ("SELECT * FROM orders JOIN read_parquet('x.parquet') USING (id)", "read_parquet"),
        ("SELECT * FROM glob('/etc/*')", "glob"),
        ("SELECT * FROM query_table('t_customers')", "query_table"),
        ("SELECT * FROM query('SELECT 1')", "query"),
        ("SELECT * FROM range(10)", "generate_series"),
        ("SELECT * FROM unnest([1, 2])", "unnest"),
    ],
)
def test_table_functions_are_refused_by_name(sql: str, function: str) -> None:
    message = refused(sql)
    assert "table function" in message
    assert function in message


@pytest.mark.parametrize("source", ["'/etc/passwd'", "'data.csv'", '"data.parquet"', "'https://x.io/a.csv'"])
def test_files_used_as_table_names_are_refused(source: str) -> None:
    assert "not a table name" in refused(f"SELECT * FROM {source}")


@pytest.mark.parametrize(
    ("sql", "function"),
    [
        ("SELECT getenv('HOME')", "getenv"),
        ("SELECT current_setting('memory_limit')", "current_setting"),
        ("SELECT read_text('/etc/passwd')", "read_text"),
        ("SELECT nextval('s')", "nextval"),
        ("SELECT my_macro(1) FROM orders", "my_macro"),
    ],
)
def test_functions_outside_the_allow_list_are_refused(sql: str, function: str) -> None:
    assert f"function {function}()" in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "",
        "   ",
        "SELEC 1",
        "SELECT * FROM a.b.c.d",
        "SELECT $1",
        "SELECT * FROM orders AT (VERSION => 1)",
        "SELECT " + "(" * 5000 + "1" + ")" * 5000,
        "SELECT 1 " + "x" * 200_000,
    ],
)
def test_hostile_or_broken_sql_is_refused_as_invalid_input(sql: str) -> None:
    refused(sql)


def test_bound_parameters_reach_the_engine_as_values_numbered_in_order_of_use() -> None:
    gated = gate("SELECT * FROM orders WHERE b = $3 AND a = $1 AND c = $3", parameters=["one", "two", 3])
    assert gated.sql == 'SELECT * FROM "t_orders" AS "orders" WHERE b = $1 AND a = $2 AND c = $1'
    assert gated.parameters == (3, "one")  # $2 is bound but unused: the engine wants each value used


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM orders WHERE a = $2", "uses $2 but 1 parameters were given"),
        ("SELECT * FROM orders WHERE a = ?", "but 1 parameters were given"),
        ("SELECT * FROM orders WHERE a = $name", "but 1 parameters were given"),
    ],
)
def test_parameters_out_of_range_or_not_numbered_are_refused(sql: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("$", r"\$")):
        gate(sql, parameters=[1])


def test_a_statement_gated_again_resolves_every_table_again_and_takes_new_values() -> None:
    asked: list[TableName] = []
    hidden: set[str] = set()

    def tracking(name: TableName) -> str:
        asked.append(name)
        if name.name in hidden:
            raise Forbidden(f"you may not read {name}")
        return resolve(name)

    sql = "SELECT * FROM orders o JOIN gold_customer_360 c ON o.c = c.id WHERE o.id = $1 -- memo test"
    first = gate_query(sql, tracking, parameters=[1])
    second = gate_query(sql, tracking, parameters=[2])
    assert second.sql == first.sql and (first.parameters, second.parameters) == ((1,), (2,))
    assert [str(n) for n in asked] == ["orders", "gold_customer_360"] * 2
    hidden.add("gold_customer_360")  # access withdrawn between two runs of the same statement
    with pytest.raises(Forbidden):
        gate_query(sql, tracking, parameters=[3])
