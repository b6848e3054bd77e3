"""The drivers BI tools use, against a real `lakemesh serve`: psqlODBC through pyodbc (Power BI, Excel) and the
PostgreSQL JDBC driver (DBeaver, Tableau, Metabase). Each lists tables and columns through the driver's own
metadata calls, which send the driver's catalog queries, and runs a SELECT with a bind parameter whose rows must
equal the REST answer. Skipped (with the reason) where the Debian driver packages are not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration import test_sql_endpoint as endpoint
from tests.integration.conftest import Server
from tests.integration.test_sql_endpoint import rest_rows

# The endpoint tests' data, on the session's SQL endpoint server (conftest.py), shared with test_sql_endpoint.py.
world = endpoint.world

JDBC_JAR = Path("/usr/share/java/postgresql.jar")
PROBE = Path(__file__).parent / "drivers" / "JdbcProbe.java"
# typed_values as PostgreSQL would describe it: (name, type name, size, decimal digits); numeric keeps (12, 2).
COLUMNS = [("id", "int8", 19, 0), ("label", "varchar"), ("small", "int2", 5, 0), ("medium", "int4", 10, 0),
           ("big", "int8", 19, 0), ("amount", "numeric", 12, 2), ("ratio", "float8", 17, 17), ("flag", "bool", 1, 0),
           ("day", "date", 13, 0), ("local_ts", "timestamp", 29, 6), ("utc_ts", "timestamptz", 35, 6)]  # fmt: skip


def _expected(server: Server, world: dict[str, str]) -> list[list[str]]:
    governed = (f"SELECT customer_id, segment, lifetime_value FROM {world['sales']}.sales_lakehouse.gold_customer_360"
                " WHERE segment = 'Enterprise' ORDER BY customer_id")  # fmt: skip
    return [
        [r["customer_id"], r["segment"], r["lifetime_value"]]
        for r in rest_rows(server, world["owner"], governed).to_pylist()
    ]


def _select(world: dict[str, str], marker: str) -> str:
    return (f"SELECT customer_id, segment, lifetime_value FROM {world['sales']}_sales_lakehouse.gold_customer_360 "
            f"WHERE segment = {marker} ORDER BY customer_id")  # fmt: skip


def _odbc(world: dict[str, str], who: str) -> str:
    """The connection string Power BI's and Excel's ODBC data sources hold (psqlODBC's Unicode driver)."""
    return (f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={world['port']};Database=lakemesh;"
            f"Uid={world[who + '_name']};Pwd={world[who]};SSLmode=disable")  # fmt: skip


def test_odbc_lists_tables_and_columns_and_binds_like_rest(sql_server: Server, world: dict[str, str]) -> None:
    pyodbc = pytest.importorskip("pyodbc")
    if "PostgreSQL Unicode" not in pyodbc.drivers():
        pytest.skip("psqlODBC is not installed (Debian odbc-postgresql)")
    schema = f"{world['sales']}_sales_lakehouse"
    connection = pyodbc.connect(_odbc(world, "owner"), autocommit=True)
    try:
        cursor = connection.cursor()
        tables = {(t.table_schem, t.table_name, t.table_type) for t in cursor.tables(schema=schema)}
        assert tables == {
            (schema, name, "TABLE") for name in ("gold_customer_360", "silver_secret_deals", "typed_values")
        }
        listed = list(cursor.columns(table="typed_values", schema=schema))
        assert [c.ordinal_position for c in listed] == list(range(1, len(COLUMNS) + 1))
        assert [(c.column_name, c.type_name) for c in listed] == [c[:2] for c in COLUMNS]
        amount = next(c for c in listed if c.column_name == "amount")
        assert (amount.column_size, amount.decimal_digits) == (12, 2)
        rows = cursor.execute(_select(world, "?"), "Enterprise").fetchall()
        assert [list(r) for r in rows] == _expected(sql_server, world)
    finally:
        connection.close()
    viewer = pyodbc.connect(_odbc(world, "viewer"), autocommit=True)
    try:
        # Governed metadata: a Viewer of Marketing without a grant sees no Sales schema or table.
        assert not [t for t in viewer.cursor().tables() if world["sales"] in (t.table_schem or "")]
        assert [t.table_name for t in viewer.cursor().tables(schema=f"{world['mkt']}_mkt_lakehouse")] == [
            "silver_campaigns"
        ]
    finally:
        viewer.close()


def test_jdbc_lists_tables_and_columns_and_binds_like_rest(sql_server: Server, world: dict[str, str]) -> None:
    if not JDBC_JAR.exists() or shutil.which("java") is None:
        pytest.skip("the PostgreSQL JDBC driver (Debian libpostgresql-jdbc-java) or Java is not installed")
    schema = f"{world['sales']}_sales_lakehouse"
    url = f"jdbc:postgresql://127.0.0.1:{world['port']}/lakemesh?sslmode=disable"
    done = subprocess.run(
        ["java", "-cp", str(JDBC_JAR), str(PROBE), url, world["owner_name"], world["owner"], schema,
         "typed_values", _select(world, "?"), "Enterprise"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert lines[0][:2] == ["product", "PostgreSQL"]
    assert schema in {line[1] for line in lines if line[0] == "schema"}
    tables = {(line[1], line[2], line[3]) for line in lines if line[0] == "table"}
    assert tables == {(schema, n, "TABLE") for n in ("gold_customer_360", "silver_secret_deals", "typed_values")}
    columns = [line[1:] for line in lines if line[0] == "column"]
    assert [int(c[3]) for c in columns] == list(range(1, len(COLUMNS) + 1))
    assert [(c[0], c[1]) for c in columns] == [c[:2] for c in COLUMNS]
    assert next(c[4:] for c in columns if c[0] == "amount") == ["12", "2"]
    expected = _expected(sql_server, world)
    for run in range(6):
        rows = [[line[1], line[2], float(line[3])] for line in lines if line[0] == f"row{run}"]
        assert rows == expected, run
