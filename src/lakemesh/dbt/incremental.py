"""Incremental models write only what this run changed, as dbt's `is_incremental()` + `unique_key` mean it.

dbt-duckdb runs the model against its local DuckDB file, where `{{ this }}` is the model's last build; afterwards
that relation holds the whole merged model. To send Lakemesh only the new and changed rows, the relations of
incremental models are copied aside (`lakemesh_before.duckdb`) before dbt runs and compared after it: rows that are
not in the copy are what this run inserted or updated. With a `unique_key` they are merged on it; without one they
are appended (dbt's `append` strategy). A model built from scratch (first build, `--full-refresh`, or a changed
schema) is written whole, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

BEFORE = "lakemesh_before.duckdb"


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str

    @property
    def sql(self) -> str:
        return f'"{_ident(self.schema)}"."{_ident(self.name)}"'


def snapshot(target: Path) -> set[Relation]:
    """Copy aside the incremental models of the previous build that exist in the local DuckDB file."""
    database, manifest = target / "lakemesh.duckdb", target / "manifest.json"
    (target / BEFORE).unlink(missing_ok=True)
    if not database.is_file() or not manifest.is_file():
        return set()
    wanted = _incremental_relations(manifest)
    if not wanted:
        return set()
    connection = duckdb.connect()
    try:
        connection.execute(f"ATTACH '{_literal(str(database))}' AS dbt_file (READ_ONLY)")
        listed = "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'dbt_file'"
        chosen = wanted & {Relation(s, n) for s, n in connection.sql(listed).fetchall()}
        if not chosen:
            return set()
        connection.execute(f"ATTACH '{_literal(str(target / BEFORE))}' AS lakemesh_before")
        for relation in chosen:
            connection.execute(f"CREATE TABLE {_copy(relation)} AS SELECT * FROM dbt_file.{relation.sql}")
    finally:
        connection.close()
    return chosen


def changes(connection: duckdb.DuckDBPyConnection, target: Path, relation: Relation, *, keyed: bool) -> pa.Table | None:
    """The rows this run inserted or updated (keyed) or appended (not keyed); None when the model must be written
    whole (no copy from before, or its columns changed)."""
    before = target / BEFORE
    if not before.is_file():
        return None
    attached = {row[0] for row in connection.sql("SELECT database_name FROM duckdb_databases()").fetchall()}
    if "lakemesh_before" not in attached:
        connection.execute(f"ATTACH '{_literal(str(before))}' AS lakemesh_before (READ_ONLY)")
    copy = _copy(relation)
    tables = {
        row[0]
        for row in connection.sql(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lakemesh_before'"
        ).fetchall()
    }
    if f"{relation.schema}__{relation.name}" not in tables:
        return None
    if _columns(connection, copy) != _columns(connection, relation.sql):
        return None
    operator = "EXCEPT" if keyed else "EXCEPT ALL"
    return connection.sql(f"SELECT * FROM {relation.sql} {operator} SELECT * FROM {copy}").to_arrow_table()


def discard(target: Path) -> None:
    (target / BEFORE).unlink(missing_ok=True)


def _copy(relation: Relation) -> str:
    return f'"lakemesh_before"."main"."{_ident(relation.schema)}__{_ident(relation.name)}"'


def _columns(connection: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    described = connection.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return [(str(row[0]), str(row[1])) for row in described]


def _incremental_relations(manifest: Path) -> set[Relation]:
    try:
        nodes = json.loads(manifest.read_text()).get("nodes") or {}
    except (OSError, ValueError):
        return set()
    return {
        Relation(str(node.get("schema") or "main"), str(node.get("alias") or node.get("name")))
        for node in nodes.values()
        if node.get("resource_type") == "model" and (node.get("config") or {}).get("materialized") == "incremental"
    }


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _literal(text: str) -> str:
    return text.replace("'", "''")
