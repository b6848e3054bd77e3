"""The SQL endpoint through real clients (psql, psycopg 3, SQLAlchemy + pandas) against a real `lakemesh serve`.

Every answer is checked against `POST /api/v1/query` or against what the user may read: the wire adds a
protocol, never a second set of rules.
"""

from __future__ import annotations

import os
import random
import socket
import struct
import subprocess
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pytest
import sqlalchemy as sa

from tests.integration.conftest import Server
from tests.security.test_hostile_queries import CLEAR_EMAILS, MASKED_QUERIES, REFUSED_QUERIES

REFERENCE_PG = os.environ.get("LAKEMESH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres").replace(
    "postgresql+psycopg://", "postgresql://"
)
# Refused over REST, answered over the wire by design: catalog views of what the user may read, two statements
# in one simple query (each governed on its own), a session setting clients probe, an empty query.
ANSWERED_ON_THE_WIRE = {
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT 1; SELECT 2",
    "SELECT current_setting('memory_limit')",
    "",
    "   ",
}


@pytest.fixture
def world(sql_world: dict[str, str]) -> dict[str, str]:
    """The session's SQL endpoint world (tests/integration/sql_endpoint_world.py)."""
    return sql_world


def dsn(world: dict[str, str], who: str, **extra: str) -> str:
    parts = {"host": "127.0.0.1", "port": world["port"], "user": world[f"{who}_name"], "dbname": "lakemesh",
             "password": world[who], "sslmode": "disable", **extra}  # fmt: skip
    return " ".join(f"{k}='{v}'" for k, v in parts.items())


def rest_rows(server: Server, token: str, sql: str) -> pa.Table:
    with server.client(token) as http:
        response = http.post("/api/v1/query", json={"sql": sql, "format": "arrow"})
        assert response.status_code == 200, response.text
        return pa.ipc.open_stream(response.content).read_all()


def psql(world: dict[str, str], who: str, *commands: str) -> subprocess.CompletedProcess[str]:
    args = ["psql", dsn(world, who), "-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


# -- psql ------------------------------------------------------------------------------------------------


def test_psql_lists_describes_and_joins_like_rest(sql_server: Server, world: dict[str, str]) -> None:
    schema = f"{world['sales']}_sales_lakehouse"
    listed = psql(world, "owner", "\\dt")
    assert listed.returncode == 0, listed.stderr
    tables = {tuple(line.split("|")[:2]) for line in listed.stdout.splitlines()}
    assert {(schema, "gold_customer_360"), (schema, "silver_secret_deals"), (schema, "typed_values")} <= tables
    described = psql(world, "owner", f"\\d {schema}.gold_customer_360")
    assert described.returncode == 0, described.stderr
    assert "email|character varying|||" in described.stdout.splitlines()
    join = (
        f"SELECT c.customer_id, c.segment, t.id FROM {schema}.gold_customer_360 c "
        f"JOIN {schema}.typed_values t ON t.id = CAST(substr(c.customer_id, 2) AS BIGINT) ORDER BY 1"
    )
    wire = psql(world, "owner", join)
    assert wire.returncode == 0, wire.stderr
    governed = join.replace(f"{schema}.", f"{world['sales']}.sales_lakehouse.")
    expected = rest_rows(sql_server, world["owner"], governed).to_pylist()
    assert [line.split("|") for line in wire.stdout.splitlines()] == [
        [r["customer_id"], r["segment"], str(r["id"])] for r in expected
    ]


# -- psycopg: prepared statements, binary results ----------------------------------------------------------


def test_psycopg_prepared_binary_values_equal_the_rest_arrow_result(sql_server: Server, world: dict[str, str]) -> None:
    rest = rest_rows(
        sql_server, world["owner"], f"SELECT * FROM {world['sales']}.sales_lakehouse.typed_values ORDER BY id"
    )
    sql = f"SELECT * FROM {world['sales']}_sales_lakehouse.typed_values WHERE id >= %s ORDER BY id"
    with psycopg.connect(dsn(world, "owner"), autocommit=True, prepare_threshold=0) as connection:
        for binary in (True, False, True):  # the second binary run reuses the server-side prepared statement
            cursor = connection.cursor(binary=binary)
            cursor.execute(sql, (1,))
            names = [d.name for d in cursor.description or []]
            rows = cursor.fetchall()
            assert names == rest.schema.names
            assert rows == [tuple(r.values()) for r in rest.to_pylist()], f"binary={binary}"
        assert isinstance(rows[0][5], Decimal) and rows[0][5] == Decimal("1234.56")
        assert rows[0][10].utcoffset() is not None and rows[0][9].tzinfo is None
        product = f"product.{world['sales']}.customer_360"
        assert cursor.execute(f"SELECT count(*) AS n FROM {product}").fetchone() == (6,)


def test_bound_parameters_of_every_type_select_like_literals_and_are_audited(
    sql_server: Server, world: dict[str, str]
) -> None:
    """Bound values reach the engine as values: each type selects what its literal selects over REST, a hostile
    string is only a value, and the statement run again with new values answers for the new values."""
    table = f"{world['sales']}.sales_lakehouse.typed_values"
    wire_table = f"{world['sales']}_sales_lakehouse.typed_values"
    cases = [
        ("label", "alpha", "'alpha'"),
        ("small", -2, "-2"),
        ("big", 2**40, str(2**40)),
        ("amount", Decimal("1234.56"), "1234.56"),
        ("ratio", 0.125, "0.125"),
        ("flag", False, "false"),
        ("day", date(2024, 2, 29), "DATE '2024-02-29'"),
        ("utc_ts", datetime(2000, 1, 1, tzinfo=UTC), "TIMESTAMPTZ '2000-01-01 00:00:00+00'"),
        ("label", "x' OR '1'='1", "'x'' OR ''1''=''1'"),
    ]
    with psycopg.connect(dsn(world, "owner"), autocommit=True, prepare_threshold=0) as connection:
        for column, value, literal in cases:
            for binary in (False, True):
                wire = connection.cursor(binary=binary).execute(
                    f"SELECT id FROM {wire_table} WHERE {column} = %s ORDER BY id", (value,)
                )
                expected = rest_rows(sql_server, world["owner"], f"SELECT id FROM {table} WHERE {column} = {literal}")
                assert [r[0] for r in wire.fetchall()] == expected.column("id").to_pylist(), (column, binary)
        twice = f"SELECT id FROM {wire_table} WHERE id = %(v)s OR small = %(v)s AND %(unused)s IS NOT NULL"
        assert connection.execute(twice, {"v": 1, "unused": "u"}).fetchall() == [(1,)]
        assert connection.execute(twice, {"v": 2, "unused": "u"}).fetchall() == [(2,)]
    with sql_server.client() as admin:
        entries = admin.get("/api/v1/audit", params={"action": "query.executed", "actor": world["owner_name"]})
    latest = entries.json()["items"][0]["summary"]
    assert "$1" in latest["sql"] and latest["parameters"] == [2, "u"]


# -- SQLAlchemy, pandas, inspector ----------------------------------------------------------------------


def _engine(world: dict[str, str], who: str) -> sa.Engine:
    url = sa.URL.create("postgresql+psycopg", username=world[f"{who}_name"], password=world[who],
                        host="127.0.0.1", port=int(world["port"]), database="lakemesh",
                        query={"sslmode": "disable"})  # fmt: skip
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def test_sqlalchemy_inspector_lists_exactly_what_the_user_may_read(sql_server: Server, world: dict[str, str]) -> None:
    sales, mkt = world["sales"], world["mkt"]
    analyst = sa.inspect(_engine(world, "analyst"))
    schemas = set(analyst.get_schema_names())
    assert f"{mkt}_mkt_lakehouse" in schemas and f"product_{sales}" in schemas
    assert f"{sales}_sales_lakehouse" not in schemas  # a grant on the product is not a grant on the lakehouse
    assert analyst.get_view_names(schema=f"product_{sales}") == ["customer_360"]
    columns = {c["name"]: c for c in analyst.get_columns("customer_360", schema=f"product_{sales}")}
    assert {"customer_id", "email", "lifetime_value", "last_updated"} <= set(columns)
    assert str(columns["last_updated"]["type"]) == "TIMESTAMP"
    owner = sa.inspect(_engine(world, "owner"))
    assert set(owner.get_table_names(schema=f"{sales}_sales_lakehouse")) == {
        "gold_customer_360", "silver_secret_deals", "typed_values",
    }  # fmt: skip
    frame = pd.read_sql(
        f"SELECT customer_id, email FROM product.{sales}.customer_360 ORDER BY 1", _engine(world, "analyst")
    )
    assert list(frame.columns) == ["customer_id", "email"] and len(frame) == 6
    assert not set(frame["email"]) & CLEAR_EMAILS  # Confidential: masked for the grantee


# -- governance ------------------------------------------------------------------------------------------


def test_a_viewer_without_a_grant_sees_no_sales_table_and_gets_does_not_exist(world: dict[str, str]) -> None:
    sales = world["sales"]
    listed = psql(world, "viewer", "\\dt *.*")
    assert listed.returncode == 0, listed.stderr
    assert sales not in listed.stdout and f"{world['mkt']}_mkt_lakehouse|silver_campaigns" in listed.stdout
    with psycopg.connect(dsn(world, "viewer"), autocommit=True) as connection:
        names = connection.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables").fetchall()
        assert names and not any(sales in n for (n,) in names)
        for sql in (f"SELECT * FROM {sales}_sales_lakehouse.gold_customer_360",
                    f"SELECT * FROM {sales}.sales_lakehouse.silver_secret_deals"):  # fmt: skip
            with pytest.raises(psycopg.errors.UndefinedTable, match="does not exist"):
                connection.execute(sql)
        assert connection.execute("SELECT 1").fetchone() == (1,)  # still usable


def _hostile(sql: str, world: dict[str, str]) -> str:
    sales, mkt = world["sales"], world["mkt"]
    return (
        sql.replace("sales.sales_lakehouse", f"{sales}.sales_lakehouse")
        .replace("product.sales.", f"product.{sales}.")
        .replace("marketing.marketing_lakehouse", f"{mkt}.mkt_lakehouse")
        .replace("silver_secret_deals", "silver_secret_deals")
    )


@pytest.mark.parametrize("sql", REFUSED_QUERIES)
def test_hostile_queries_are_refused_over_the_wire(world: dict[str, str], sql: str) -> None:
    text = _hostile(sql, world)
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        if sql in ANSWERED_ON_THE_WIRE:
            try:
                cursor = connection.execute(text)
                rows = cursor.fetchall() if cursor.description else []
            except psycopg.Error:
                rows = []
            assert "silver_secret_deals" not in repr(rows) and world["sales"] + "_sales" not in repr(rows)
        else:
            with pytest.raises(psycopg.Error) as refused:
                connection.execute(text)
            assert refused.value.sqlstate and refused.value.sqlstate[:2] in {"42", "0A", "22", "08", "54"}
        assert connection.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize("sql", MASKED_QUERIES[:6])
def test_masked_columns_stay_masked_over_the_wire(world: dict[str, str], sql: str) -> None:
    text = _hostile(sql, world).replace(f"{world['sales']}.sales_lakehouse.gold_customer_360",
                                        f"product.{world['sales']}.customer_360")  # fmt: skip
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        values = {str(v) for row in connection.execute(text).fetchall() for v in row}
    assert not values & CLEAR_EMAILS


def test_writes_are_refused_and_nothing_changes(sql_server: Server, world: dict[str, str]) -> None:
    table = f"{world['sales']}_sales_lakehouse.gold_customer_360"
    refused = {
        f"INSERT INTO {table} (customer_id) VALUES ('x')": "42501",
        f"UPDATE {table} SET segment = 'x'": "42501",
        f"DELETE FROM {table}": "42501",
        f"DROP TABLE {table}": "42501",
        f"CREATE TABLE {world['sales']}_sales_lakehouse.stolen (x int)": "42501",
        f"COPY {table} TO STDOUT": "42501",
        "LISTEN anything": "0A000",
        "SELECT lo_import('/etc/passwd')": "42501",
    }
    with psycopg.connect(dsn(world, "owner"), autocommit=True) as connection:
        for sql, state in refused.items():
            with pytest.raises(psycopg.Error) as error:
                connection.execute(sql)
            assert error.value.sqlstate == state, (sql, error.value.sqlstate, str(error.value))
    governed = f"SELECT count(*) AS n FROM {world['sales']}.sales_lakehouse.gold_customer_360"
    assert rest_rows(sql_server, world["owner"], governed).column("n").to_pylist() == [6]


def test_a_revoked_token_is_refused_on_its_next_statement(sql_server: Server, world: dict[str, str]) -> None:
    with sql_server.client() as http:
        issued = http.post("/api/v1/tokens", json={"principal": world["owner_name"]}).json()
    with psycopg.connect(dsn(world, "owner", password=issued["secret"]), autocommit=True) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        with sql_server.client() as http:
            assert http.delete(f"/api/v1/tokens/{issued['id']}").status_code in (200, 204)
        with pytest.raises(psycopg.Error) as refused:
            connection.execute("SELECT 1")
        assert refused.value.sqlstate == "28000" or connection.closed


def test_wrong_password_and_unknown_user_are_refused(world: dict[str, str]) -> None:
    for who, extra in (("owner", {"password": "wrong"}), ("owner", {"user": "nobody@company.com"}),
                       ("owner", {"password": world["analyst"]})):  # fmt: skip
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(dsn(world, who, **extra)).close()


# -- cursors: results read a slice at a time ----------------------------------------------------------------


def test_psql_fetch_count_reads_through_a_cursor_with_the_same_rows(sql_server: Server, world: dict[str, str]) -> None:
    sql = f"SELECT customer_id, segment FROM product.{world['sales']}.customer_360 ORDER BY 1"
    whole = psql(world, "analyst", sql)
    sliced = subprocess.run(  # psql declares a cursor and fetches FETCH_COUNT rows at a time
        ["psql", dsn(world, "analyst"), "-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-v", "FETCH_COUNT=2",
         "-c", sql], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert sliced.returncode == 0, sliced.stderr
    rest = rest_rows(sql_server, world["analyst"], sql)
    assert sliced.stdout == whole.stdout and len(sliced.stdout.splitlines()) == rest.num_rows == 6


def test_psycopg_named_cursor_fetches_slices_governed_like_a_query(world: dict[str, str]) -> None:
    table = f"product.{world['sales']}.customer_360"
    with psycopg.connect(dsn(world, "analyst")) as connection:
        plain = connection.execute(f"SELECT customer_id, email FROM {table} WHERE segment <> %s ORDER BY 1", ["x"])
        expected = plain.fetchall()
        with connection.cursor(name="customers") as cursor:
            cursor.execute(f"SELECT customer_id, email FROM {table} WHERE segment <> %s ORDER BY 1", ["x"])
            assert [d.name for d in cursor.description or []] == ["customer_id", "email"]
            slices = [cursor.fetchmany(4), cursor.fetchmany(4), cursor.fetchmany(4)]
        assert [len(s) for s in slices] == [4, 2, 0] and slices[0] + slices[1] == expected
        assert not {row[1] for row in expected} & CLEAR_EMAILS  # masked for the grantee through the cursor too
        connection.commit()
        with pytest.raises(psycopg.errors.InvalidCursorName):  # a cursor WITHOUT HOLD ends with its transaction
            connection.execute('FETCH 1 FROM "customers"')


def test_sqlalchemy_stream_results_and_pandas_chunksize_read_in_slices(world: dict[str, str]) -> None:
    sql = f"SELECT customer_id FROM product.{world['sales']}.customer_360 ORDER BY 1"
    engine = _engine(world, "analyst")
    with engine.connect() as connection:
        streamed = connection.execution_options(stream_results=True, max_row_buffer=2).execute(sa.text(sql))
        ids = [row[0] for row in streamed]
        chunks = list(pd.read_sql(sql, connection, chunksize=4))
    assert [len(c) for c in chunks] == [4, 2]
    assert pd.concat(chunks)["customer_id"].tolist() == ids and len(ids) == 6


def test_cursor_misuse_gets_postgresql_errors_and_the_connection_stays_usable(world: dict[str, str]) -> None:
    table = f"product.{world['sales']}.customer_360"
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        refused = {
            f"DECLARE c CURSOR FOR SELECT * FROM {table}": "25P01",  # WITHOUT HOLD needs a transaction block
            "FETCH 1 FROM nowhere": "34000",
            "CLOSE nowhere": "34000",
            f"DECLARE c BINARY CURSOR WITH HOLD FOR SELECT * FROM {table}": "0A000",
            f"DECLARE w CURSOR WITH HOLD FOR DELETE FROM {world['sales']}_sales_lakehouse.gold_customer_360": "42501",
            f"DECLARE big CURSOR WITH HOLD FOR SELECT a.customer_id FROM {table} a, {table} b, {table} c, {table} d":
                "54000",  # the row limit holds at DECLARE: a cursor is no way around it
        }  # fmt: skip
        for sql, state in refused.items():
            with pytest.raises(psycopg.Error) as error:
                connection.execute(sql)
            assert error.value.sqlstate == state, (sql, error.value.sqlstate, str(error.value))
        connection.execute(f"DECLARE kept CURSOR WITH HOLD FOR SELECT customer_id FROM {table} ORDER BY 1")
        assert len(connection.execute("FETCH ALL FROM kept").fetchall()) == 6  # WITH HOLD outlives no transaction
        assert connection.execute("FETCH NEXT FROM kept").fetchall() == []
        connection.execute("CLOSE kept")
        assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (6,)


def _scroll_commands(seed: int) -> list[str]:
    """A seeded walk through every FETCH/MOVE direction, with counts past both ends."""
    pick = random.Random(seed)
    fixed = ["NEXT", "PRIOR", "FIRST", "LAST", "ALL", "FORWARD", "BACKWARD", "FORWARD ALL", "BACKWARD ALL"]
    counted = ["ABSOLUTE {}", "RELATIVE {}", "FORWARD {}", "BACKWARD {}", "{}"]
    commands = []
    for _ in range(14):
        direction = pick.choice(fixed) if pick.random() < 0.4 else pick.choice(counted).format(pick.randint(-8, 8))
        commands.append(f"{pick.choice(['FETCH', 'MOVE'])} {direction} FROM c")
    return commands


def test_scroll_cursors_move_like_postgresql_and_no_scroll_ones_refuse_backward(world: dict[str, str]) -> None:
    """The same FETCH/MOVE walks over the same rows, on the endpoint and on a real PostgreSQL: same rows, same
    command tags (FETCH n, MOVE n), the same 55000 for a NO SCROLL cursor going back."""
    try:
        reference = psycopg.connect(REFERENCE_PG, connect_timeout=5)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL at {REFERENCE_PG} to compare with")
    product = f"product.{world['sales']}.customer_360"
    with reference, psycopg.connect(dsn(world, "analyst")) as connection:
        ids = [r[0] for r in connection.execute(f"SELECT customer_id FROM {product} ORDER BY 1").fetchall()]
        connection.commit()
        values = ", ".join(f"('{i}')" for i in ids)
        for seed in range(12):
            scroll = ("SCROLL", "NO SCROLL", "")[seed % 3]
            answers = []
            for db, source in ((connection, f"{product} ORDER BY 1"), (reference, f"(VALUES {values}) v(customer_id)")):
                db.execute(f"DECLARE c {scroll} CURSOR FOR SELECT customer_id FROM {source}")
                answer: list[Any] = []
                for command in _scroll_commands(seed):
                    try:
                        done = db.execute(command)
                    except psycopg.Error as error:
                        answer.append(error.sqlstate)
                        break
                    answer.append((done.statusmessage, done.fetchall() if command.startswith("FETCH") else None))
                answers.append(answer)
                db.rollback()
            assert answers[0] == answers[1], (seed, scroll, _scroll_commands(seed))
        assert connection.execute("SELECT 1").fetchone() == (1,)


# -- limits, cancellation, concurrency ---------------------------------------------------------------------


def test_a_result_over_the_row_limit_fails_and_the_connection_stays_usable(world: dict[str, str]) -> None:
    table = f"product.{world['sales']}.customer_360"
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        with pytest.raises(psycopg.errors.ProgramLimitExceeded):
            connection.execute(f"SELECT a.customer_id FROM {table} a, {table} b, {table} c, {table} d")  # 1296 rows
        assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (6,)


def _raw_login(world: dict[str, str], who: str) -> socket.socket:
    """A client speaking the protocol by hand up to ReadyForQuery, to misbehave in ways drivers never do."""
    sock = socket.create_connection(("127.0.0.1", int(world["port"])), timeout=30)
    body = b"user\x00" + world[f"{who}_name"].encode() + b"\x00database\x00lakemesh\x00\x00"
    sock.sendall(struct.pack("!ii", len(body) + 8, 196608) + body)
    assert sock.recv(9)[:1] == b"R"  # AuthenticationCleartextPassword
    password = world[who].encode() + b"\x00"
    sock.sendall(b"p" + struct.pack("!i", len(password) + 4) + password)
    received = b""
    while not received.endswith(b"Z\x00\x00\x00\x05I"):
        received += sock.recv(65536)
    return sock


def test_a_client_leaving_mid_result_does_not_hurt_others(world: dict[str, str]) -> None:
    table = f"product.{world['sales']}.customer_360"
    big = f"SELECT a.customer_id, b.email FROM {table} a, {table} b, {table} c LIMIT 216"
    for _ in range(3):
        sock = _raw_login(world, "analyst")
        query = big.encode() + b"\x00"
        sock.sendall(b"Q" + struct.pack("!i", len(query) + 4) + query)
        sock.close()  # gone before reading a single row
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as other:
        assert len(other.execute(big).fetchall()) == 216


def test_a_cancel_request_stops_a_long_query_and_the_connection_stays_usable(world: dict[str, str]) -> None:
    table = f"product.{world['sales']}.customer_360"
    endless = "SELECT count(*) FROM " + ", ".join(f"{table} t{i}" for i in range(13))  # 6^13 rows to count
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        started = threading.Event()

        def cancel_soon() -> None:
            started.wait(10)
            while not connection.closed:
                connection.cancel_safe(timeout=5)  # repeated: the first may arrive before the engine starts
                if done.wait(0.5):
                    return

        done = threading.Event()
        canceller = threading.Thread(target=cancel_soon)
        canceller.start()
        started.set()
        try:
            with pytest.raises(psycopg.errors.QueryCanceled):
                connection.execute(endless)
        finally:
            done.set()
            canceller.join()
        assert connection.execute("SELECT 2").fetchone() == (2,)


def test_statement_timeout_cancels_a_long_query_and_the_connection_stays_usable(world: dict[str, str]) -> None:
    """`SET statement_timeout` (or `-c statement_timeout` in the startup options) limits each statement, as in
    PostgreSQL: 57014 "canceling statement due to statement timeout", and the connection goes on."""
    table = f"product.{world['sales']}.customer_360"
    endless = "SELECT count(*) FROM " + ", ".join(f"{table} t{i}" for i in range(13))  # 6^13 rows to count
    with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        connection.execute("SET statement_timeout = 300")
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            connection.execute(endless)
        assert connection.execute("SHOW statement_timeout").fetchone() == ("300",)
        assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (6,)
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="statement_timeout"):
            connection.execute("SET statement_timeout = 'soon'")
    timed = dsn(world, "analyst", options="-c statement_timeout=0.3s")
    cancelled = pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout")
    with psycopg.connect(timed, autocommit=True) as connection, cancelled:
        connection.execute(endless)
    with pytest.raises(psycopg.OperationalError, match="unrecognized configuration parameter"):
        psycopg.connect(dsn(world, "analyst", options="-c enable_external_access=true"))


def test_fifty_concurrent_connections(world: dict[str, str]) -> None:
    results: list[Any] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        with psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
            value = connection.execute("SELECT %s::int AS i", (i,)).fetchone()
        with lock:
            results.append(value)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == [(i,) for i in range(50)]


def test_session_commands_clients_send_on_connect(world: dict[str, str]) -> None:
    with psycopg.connect(dsn(world, "analyst")) as connection:  # not autocommit: BEGIN/COMMIT around statements
        connection.execute("SET application_name = 'bi-tool'")
        connection.execute("SET extra_float_digits = 3")
        assert connection.execute("SHOW application_name").fetchone() == ("bi-tool",)
        version = connection.execute("SELECT version()").fetchone()
        assert version and "PostgreSQL" in version[0]
        assert connection.execute("SELECT current_database()").fetchone() == ("lakemesh",)
        with pytest.raises(psycopg.errors.UndefinedTable):
            connection.execute("SELECT * FROM nowhere.nothing")
        connection.rollback()
        assert connection.execute("SELECT 3").fetchone() == (3,)


# -- values spelled as PostgreSQL spells them ----------------------------------------------------------------

_SPELLED_LAKEMESH = (
    "SELECT CAST('1e15' AS DOUBLE) AS a, CAST('-0' AS DOUBLE) AS b, CAST('1e-5' AS DOUBLE) AS c, "
    "CAST('NaN' AS DOUBLE) AS d, CAST('-inf' AS DOUBLE) AS e, CAST('123456789012345.6' AS DOUBLE) AS f, "
    "CAST('0.1' AS REAL) AS g, CAST('1e6' AS REAL) AS h, CAST('0.0000000001' AS DECIMAL(38, 10)) AS i, "
    "CAST('12.3' AS DECIMAL(10, 2)) AS j, CAST('2026-01-01 00:00:00.5+00' AS TIMESTAMPTZ) AS k, "
    "CAST('2026-01-01 00:00:00' AS TIMESTAMP) AS l, CAST('2024-02-29' AS DATE) AS m, TRUE AS n, '' AS o, "
    "'ünïcødé ✓' AS p, CAST(NULL AS DOUBLE) AS q"
)
_SPELLED_POSTGRESQL = (
    "SELECT '1e15'::float8 AS a, '-0'::float8 AS b, '1e-5'::float8 AS c, 'NaN'::float8 AS d, '-Infinity'::float8 AS e,"
    " '123456789012345.6'::float8 AS f, '0.1'::float4 AS g, '1e6'::float4 AS h, 0.0000000001::numeric(38, 10) AS i, "
    "12.3::numeric(10, 2) AS j, '2026-01-01 00:00:00.5+00'::timestamptz AS k, '2026-01-01 00:00:00'::timestamp AS l, "
    "'2024-02-29'::date AS m, true AS n, ''::text AS o, 'ünïcødé ✓'::text AS p, NULL::float8 AS q"
)


def test_values_come_out_of_psql_and_psycopg_as_postgresql_spells_them(world: dict[str, str]) -> None:
    """The same values from the endpoint and from a real PostgreSQL (TimeZone UTC): psql's text identical, psycopg's
    values equal in text and in binary (decimals exact, -0.0 and NaN included)."""
    try:
        reference = psycopg.connect(REFERENCE_PG, connect_timeout=5, options="-c TimeZone=UTC", autocommit=True)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL at {REFERENCE_PG} to compare with")
    wire = psql(world, "analyst", _SPELLED_LAKEMESH)
    assert wire.returncode == 0, wire.stderr
    expected = subprocess.run(
        ["psql", REFERENCE_PG, "-X", "-A", "-t", "-F", "|", "-c", _SPELLED_POSTGRESQL],
        capture_output=True, text=True, timeout=60, check=True, env={**os.environ, "PGTZ": "UTC"},
    )  # fmt: skip
    assert wire.stdout == expected.stdout
    assert wire.stdout.startswith("1e+15|-0|1e-05|NaN|-Infinity|123456789012345.6|0.1|1e+06|0.0000000001|12.30|")

    def same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
        return all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True))  # NaN equals NaN here

    with reference, psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        for binary in (False, True):
            ours = connection.cursor(binary=binary).execute(_SPELLED_LAKEMESH).fetchone()
            theirs = reference.cursor(binary=binary).execute(_SPELLED_POSTGRESQL).fetchone()
            assert ours is not None and theirs is not None and same(ours, theirs), (binary, ours, theirs)
            assert str(ours[1]) == "-0.0" and isinstance(ours[8], Decimal) and str(ours[8]) == "1E-10"


_MOMENTS = ("2026-01-01 00:00:00+00", "2026-07-01 12:00:00.25+00", "2026-03-29 00:59:59+00", "1850-06-01 12:00:00+00")


@pytest.mark.parametrize("zone", ["europe/berlin", "Asia/Kolkata", "America/St_Johns", "-7", "5.5", "GMT-01:00"])
def test_timestamptz_text_follows_set_timezone_as_postgresql_does(world: dict[str, str], zone: str) -> None:
    """After `SET TimeZone`, timestamptz text is the wall-clock time and offset there, as a real PostgreSQL
    prints it (summer time, half hours, local mean time); the driver is told the zone and reads the same instants."""
    try:
        reference = psycopg.connect(REFERENCE_PG, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL at {REFERENCE_PG} to compare with")
    columns = ", ".join(f"CAST('{m}' AS TIMESTAMPTZ) AS t{i}" for i, m in enumerate(_MOMENTS))
    commands = (f"SET TimeZone = '{zone}'", "SHOW TimeZone", f"SELECT {columns}")
    wire = psql(world, "analyst", *commands)
    assert wire.returncode == 0, wire.stderr
    expected = subprocess.run(["psql", REFERENCE_PG, "-X", "-A", "-t", "-F", "|", *(a for c in commands for a in ("-c", c))],
                              capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert wire.stdout == expected.stdout
    with reference, psycopg.connect(dsn(world, "analyst"), autocommit=True) as connection:
        for session in (connection, reference):
            session.execute(f"SET TimeZone = '{zone}'")
        assert connection.info.timezone == reference.info.timezone
        for binary in (False, True):
            ours = connection.cursor(binary=binary).execute(f"SELECT {columns}").fetchone()
            assert ours == reference.cursor(binary=binary).execute(f"SELECT {columns}").fetchone()
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="TimeZone"):
            connection.execute("SET TimeZone = 'Mars/Olympus_Mons'")
        connection.execute("RESET TimeZone")
        assert connection.execute("SHOW TimeZone").fetchone() == ("UTC",)
        connection.execute(f"SET TimeZone = '{zone}'")
        connection.execute("SET TIME ZONE LOCAL")
        assert connection.execute("SHOW TimeZone").fetchone() == ("UTC",)
