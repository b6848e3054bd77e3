"""The engine session: Arrow sources in, Arrow out, and no way to reach files or settings."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.engine.gate import GatedQuery, gate_query
from lakemesh.engine.session import EngineSession


def raw(sql: str) -> GatedQuery:
    """SQL that did NOT pass the gate, to prove the session holds on its own."""
    return GatedQuery(sql=sql, tables=())


def test_tables_readers_and_datasets_can_be_queried(session: EngineSession, customers: pa.Table) -> None:
    session.register("t_table", customers)
    session.register("t_reader", pa.RecordBatchReader.from_batches(customers.schema, customers.to_batches()))
    session.register("t_dataset", pads.dataset(customers))
    for name in ("t_table", "t_reader", "t_dataset"):
        result = session.execute(raw(f'SELECT count(*) AS n FROM "{name}"'))
        assert result.column("n").to_pylist() == [8]
    # A reader is read once by DuckDB; the session keeps it so it can be scanned again.
    assert session.execute(raw('SELECT count(*) AS n FROM "t_reader"')).column("n").to_pylist() == [8]


def test_gated_query_runs_and_returns_arrow(session: EngineSession, customers: pa.Table) -> None:
    session.register("t_customers", customers)
    gated = gate_query(
        "SELECT segment, count(*) AS n FROM sales.sales_lakehouse.gold_customer_360 GROUP BY 1 ORDER BY 1",
        lambda name: "t_customers",
    )
    result = session.execute(gated)
    assert result.to_pylist() == [
        {"segment": "Consumer", "n": 2},
        {"segment": "Enterprise", "n": 2},
        {"segment": "SMB", "n": 4},
    ]


def test_masked_columns_replace_values_and_hide_unlisted_columns(session: EngineSession, customers: pa.Table) -> None:
    session.register("t_masked", customers, columns={"customer_id": "customer_id", "email": "'***'"})
    result = session.execute(raw('SELECT * FROM "t_masked"'))
    assert result.column_names == ["customer_id", "email"]
    assert set(result.column("email").to_pylist()) == {"***"}
    assert session.schema("t_masked").names == ["customer_id", "email"]


@pytest.mark.parametrize(
    "mask",
    ["(SELECT secret FROM other)", "read_text('/etc/passwd')", "getenv('HOME')", "count(*)", "x FROM y"],
)
def test_mask_expressions_are_checked_like_row_expressions(
    session: EngineSession, customers: pa.Table, mask: str
) -> None:
    with pytest.raises(InvalidInput):
        session.register("t_bad", customers, columns={"email": mask})


@pytest.mark.parametrize("name", ["bad name", "x; DROP", "", "a" * 200, "t__source"])
def test_relation_names_are_plain_identifiers(session: EngineSession, customers: pa.Table, name: str) -> None:
    with pytest.raises(InvalidInput):
        session.register(name, customers)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "COPY (SELECT 1) TO '{tmp}/out.csv'",
        "ATTACH '{tmp}/other.db'",
        "INSTALL httpfs",
    ],
)
def test_file_access_fails_even_if_the_gate_were_bypassed(session: EngineSession, tmp_path: Path, sql: str) -> None:
    with pytest.raises(Forbidden):
        session.execute(raw(sql.format(tmp=tmp_path)))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "sql", ["SET enable_external_access = true", "SET memory_limit = '100GB'", "RESET enable_external_access"]
)
def test_configuration_is_locked(session: EngineSession, sql: str) -> None:
    with pytest.raises(InvalidInput, match="locked"):
        session.execute(raw(sql))
    with pytest.raises(Forbidden):
        session.execute(raw("SELECT * FROM read_csv('/etc/passwd')"))


def test_python_variables_are_not_visible_as_tables(session: EngineSession, customers: pa.Table) -> None:
    secret_frame = customers  # DuckDB would scan this local by name if replacement scans were on
    assert secret_frame is not None
    with pytest.raises(InvalidInput):
        session.execute(raw("SELECT * FROM secret_frame"))


def test_memory_limit_and_threads_come_from_the_constructor() -> None:
    with EngineSession(memory_limit="300MB", threads=3) as engine:
        row = engine.execute(raw("SELECT current_setting('threads') AS t, current_setting('TimeZone') AS tz"))
        assert row.to_pylist() == [{"t": 3, "tz": "UTC"}]


def test_bad_engine_settings_are_refused() -> None:
    with pytest.raises(InvalidInput):
        EngineSession(memory_limit="lots")
    with pytest.raises(InvalidInput):
        EngineSession(threads=0)


def test_user_errors_from_duckdb_become_invalid_input(session: EngineSession, customers: pa.Table) -> None:
    session.register("t_customers", customers)
    with pytest.raises(InvalidInput, match="no_such_column"):
        session.execute(raw('SELECT no_such_column FROM "t_customers"'))


def test_unregister_removes_the_relation(session: EngineSession, customers: pa.Table) -> None:
    session.register("t_masked", customers, columns={"email": "'***'"})
    session.unregister("t_masked")
    assert "t_masked" not in session.relations
    with pytest.raises(InvalidInput):
        session.execute(raw('SELECT * FROM "t_masked__source"'))
