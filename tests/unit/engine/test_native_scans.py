"""Native Parquet scans (issue 19): DuckDB reads a snapshot's own files, and only those files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.engine.gate import GatedQuery
from lakemesh.engine.pool import SessionPool
from lakemesh.engine.session import EngineSession


def raw(sql: str) -> GatedQuery:
    return GatedQuery(sql=sql, tables=())


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    """Two Parquet files; the second was written after a column was added (schema evolution)."""
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(pa.table({"id": [1, 2], "email": ["a@x.com", "b@y.org"]}), first)
    pq.write_table(pa.table({"id": [3], "email": ["c@z.net"], "added": [True]}), second)
    return str(first), str(second)


SCHEMA = pa.schema([("id", pa.int64()), ("email", pa.string()), ("added", pa.bool_())])


def test_a_parquet_relation_has_the_tables_columns_with_nulls_for_older_files(files: tuple[str, str]) -> None:
    with EngineSession(readable_files=files) as session:
        session.register_parquet("t0", files, SCHEMA)
        rows = session.execute(raw('SELECT * FROM "t0" ORDER BY id')).to_pylist()
    assert rows == [
        {"id": 1, "email": "a@x.com", "added": None},
        {"id": 2, "email": "b@y.org", "added": None},
        {"id": 3, "email": "c@z.net", "added": True},
    ]


def test_a_masked_parquet_relation_never_shows_the_clear_column(files: tuple[str, str]) -> None:
    with EngineSession(readable_files=files) as session:
        session.register_parquet("t0", files, SCHEMA, columns={"id": '"id"', "email": "'***'"})
        assert session.execute(raw('SELECT * FROM "t0"')).column_names == ["id", "email"]
        assert set(session.execute(raw('SELECT email FROM "t0"')).column(0).to_pylist()) == {"***"}


def test_a_session_reads_only_the_files_it_was_given(files: tuple[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"secret": ["s"]}), other)
    with EngineSession(readable_files=files[:1]) as session:
        for sql in (
            f"SELECT * FROM read_parquet('{other}')",
            f"SELECT * FROM read_parquet('{files[1]}')",
            f"SELECT * FROM read_parquet('{tmp_path}/*.parquet')",
            "SELECT * FROM read_csv('/etc/passwd')",
        ):
            with pytest.raises(Forbidden):
                session.execute(raw(sql))
        for sql in (f"SET allowed_paths = ['{other}']", "SET enable_external_access = true"):
            with pytest.raises((Forbidden, InvalidInput)):
                session.execute(raw(sql))


def test_pooled_sessions_are_fresh_and_locked_each_time(files: tuple[str, str]) -> None:
    pool = SessionPool(memory_limit="256MB", threads=1, spares=1)
    try:
        for _ in range(3):
            with pool.session(readable_files=files) as session:
                assert session.relations == frozenset()
                session.register_parquet("t0", files, SCHEMA)
                assert session.execute(raw('SELECT count(*) AS n FROM "t0"')).column(0).to_pylist() == [3]
                with pytest.raises((Forbidden, InvalidInput)):
                    session.execute(raw("SET enable_external_access = true"))
    finally:
        pool.close()


def test_sessions_on_one_kept_database_never_see_each_others_relations(files: tuple[str, str]) -> None:
    """Queries over the same files share a locked database (no start-up per query) but each has its own
    connection: one session's relations, masked or not, are invisible to another running at the same time."""
    pool = SessionPool(memory_limit="256MB", threads=1, spares=1)
    try:
        with pool.session(readable_files=files) as first, pool.session(readable_files=files) as second:
            first.register_parquet("t0", files, SCHEMA)
            second.register_parquet("t1", files, SCHEMA, columns={"id": '"id"', "email": "'***'"})
            second.register("arrow0", pa.table({"x": [1]}))
            for relation in ("t1", "arrow0"):
                with pytest.raises(InvalidInput):
                    first.execute(raw(f'SELECT * FROM "{relation}"'))
            with pytest.raises(InvalidInput):
                second.execute(raw('SELECT * FROM "t0"'))
            assert set(second.execute(raw('SELECT email FROM "t1"')).column(0).to_pylist()) == {"***"}
        # other files: another database, which may read only that file
        with pool.session(readable_files=files[:1]) as narrower, pytest.raises(Forbidden):
            narrower.register_parquet("t0", files, SCHEMA)
    finally:
        pool.close()


def test_a_pooled_connection_keeps_its_views_only_for_the_same_statement(files: tuple[str, str]) -> None:
    """A connection goes back to its database with its views; the next session reuses one only when it asks for the
    very same view (files, columns, masks), and never sees one it did not register itself."""
    pool = SessionPool(memory_limit="256MB", threads=1, spares=1)
    masked = {"id": '"id"', "email": "'***'"}
    emails = 'SELECT email FROM "t0" ORDER BY id'
    try:
        with pool.session(readable_files=files) as session:
            session.register_parquet("t0", files, SCHEMA, columns=masked)
            assert session.execute(raw(emails)).column(0).to_pylist() == ["***"] * 3
        with pool.session(readable_files=files) as session:
            assert session.relations == frozenset()
            session.register_parquet("t0", files, SCHEMA)  # the same name, now in clear
            assert session.execute(raw(emails)).column(0).to_pylist() == ["a@x.com", "b@y.org", "c@z.net"]
        with pool.session(readable_files=files) as session:
            session.register_parquet("t0", files, SCHEMA, columns=masked)
            assert session.execute(raw(emails)).column(0).to_pylist() == ["***"] * 3
        with pool.session(readable_files=files) as session, pytest.raises(InvalidInput):
            session.execute(raw(emails))  # registers nothing: the kept view is gone
        with pool.session(readable_files=files) as session:
            session.register_parquet("t1", files, SCHEMA)
            with pytest.raises(InvalidInput):
                session.execute(raw(emails))
    finally:
        pool.close()


def test_a_late_interrupt_never_stops_the_next_query_on_a_reused_connection(files: tuple[str, str]) -> None:
    pool = SessionPool(memory_limit="256MB", threads=1, spares=1)
    try:
        with pool.session(readable_files=files) as first:
            first.register_parquet("t0", files, SCHEMA)
            first.execute(raw('SELECT count(*) FROM "t0"'))
        first.interrupt()  # a timeout or cancel firing just after the query finished
        for _ in range(3):
            with pool.session(readable_files=files) as second:
                second.register_parquet("t0", files, SCHEMA)
                assert second.execute(raw('SELECT count(*) AS n FROM "t0"')).column(0).to_pylist() == [3]
    finally:
        pool.close()
