"""The catalog mirror: an empty in-memory DuckDB holding only the tables the user may read, so pg_catalog,
information_schema, `version()` and friends answer exactly as they would for a database of just those tables.

It holds no data (every table is empty) and runs with external access disabled and its configuration locked:
a catalog query can name what exists for this user and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from lakemesh.sqlwire.catalog import SqlObject
from lakemesh.sqlwire.errors import SqlError
from lakemesh.storage.types import parse_type

DATABASE = "lakemesh"
SHADOW = "pg_lakemesh"  # psql hides schemas named pg_*
SERVER_VERSION = "16.0"
VERSION_TEXT = f"PostgreSQL {SERVER_VERSION} (Lakemesh SQL endpoint, governed read-only)"

# Functions PostgreSQL clients call that DuckDB lacks or answers differently; all constant or catalog-only.
_MACROS = [
    "CREATE MACRO pg_get_userbyid(o) AS 'lakemesh'",
    "CREATE MACRO pg_encoding_to_char(e) AS 'UTF8'",
    "CREATE MACRO pg_get_partkeydef(o) AS NULL",
    "CREATE MACRO pg_get_statisticsobjdef_columns(o) AS NULL",
    "CREATE MACRO pg_relation_is_publishable(o) AS false",
    "CREATE MACRO pg_total_relation_size(o) AS 0",
    "CREATE MACRO pg_relation_size(o) AS 0",
    "CREATE MACRO pg_table_size(o) AS 0",
    "CREATE MACRO pg_size_pretty(o) AS '0 bytes'",
    "CREATE MACRO pg_backend_pid() AS 1",
    "CREATE MACRO pg_postmaster_start_time() AS TIMESTAMPTZ '2000-01-01 00:00:00+00'",
    "CREATE MACRO pg_is_in_recovery() AS false",
    "CREATE MACRO txid_current() AS 1",
    "CREATE MACRO current_setting(name) AS NULL",
    "CREATE MACRO set_config(name, value, local) AS value",
    "CREATE MACRO inet_server_addr() AS NULL",
    "CREATE MACRO inet_server_port() AS NULL",
    "CREATE MACRO array_upper(a, d) AS len(a)",
    # PostgreSQL's type names (DuckDB's format_type says varchar, timestamptz...), which drivers map to types.
    "CREATE MACRO lm_format_type(t, m) AS CASE t WHEN 1043 THEN 'character varying' WHEN 25 THEN 'text' "
    "WHEN 1184 THEN 'timestamp with time zone' WHEN 1114 THEN 'timestamp without time zone' "
    "WHEN 701 THEN 'double precision' WHEN 700 THEN 'real' WHEN 16 THEN 'boolean' WHEN 20 THEN 'bigint' "
    "WHEN 23 THEN 'integer' WHEN 21 THEN 'smallint' WHEN 1082 THEN 'date' WHEN 17 THEN 'bytea' "
    "ELSE format_type(t, m) END",
    "CREATE MACRO pg_get_serial_sequence(t, c) AS NULL",
    "CREATE MACRO pg_get_indexdef(o, n := 0, pretty := false) AS NULL",
    "CREATE MACRO pg_get_triggerdef(o, pretty := false) AS NULL",
    "CREATE MACRO pg_get_ruledef(o, pretty := false) AS NULL",
    "CREATE MACRO pg_get_functiondef(o) AS NULL",
    "CREATE MACRO pg_collation_is_visible(o) AS true",
    "CREATE MACRO pg_type_is_visible(o) AS true",
    "CREATE MACRO pg_function_is_visible(o) AS true",
    "CREATE MACRO to_regtype(n) AS (SELECT min(oid) FROM pg_catalog.pg_type WHERE typname = n)",
    "CREATE MACRO to_regclass(n) AS (SELECT min(oid) FROM pg_catalog.pg_class WHERE relname = n)",
    "CREATE MACRO array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END",
    "CREATE MACRO lm_get_expr(expr, relation, pretty := false) AS expr",
    "CREATE MACRO lm_obj_description(o, kind := NULL) AS "
    "(SELECT max(comment) FROM duckdb_tables() WHERE table_oid = o)",
    "CREATE MACRO lm_col_description(o, n) AS "
    "(SELECT max(comment) FROM duckdb_columns() WHERE table_oid = o AND column_index = n)",
    "CREATE MACRO lm_get_viewdef(o, pretty := false) AS (SELECT max(sql) FROM duckdb_views() WHERE view_oid = o)",
]
# Functions answered by our own macros (lm_...) because DuckDB's differ in arguments or in what they return.
_OVERRIDDEN = re.compile(
    r"(?<![\w.])(pg_get_expr|obj_description|col_description|pg_get_viewdef|format_type)\s*\(", re.IGNORECASE
)
_REWRITES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"OPERATOR\s*\(\s*pg_catalog\s*\.\s*([~!=<>*]+)\s*\)", re.IGNORECASE), r"\1"),
    (re.compile(r"COLLATE\s+pg_catalog\s*\.\s*\"?default\"?", re.IGNORECASE), ""),
    (re.compile(r"\bpg_catalog\s*\.\s*version\s*\(\s*\)", re.IGNORECASE), f"'{VERSION_TEXT}'"),
    (re.compile(r"(?<![\w.])version\s*\(\s*\)", re.IGNORECASE), f"'{VERSION_TEXT}'"),
    (re.compile(r"\bpg_catalog\s*\.\s*(\w+)\s*\(", re.IGNORECASE), r"\1("),
    (re.compile(r"::\s*pg_catalog\s*\.\s*", re.IGNORECASE), "::"),
    (re.compile(r"\binformation_schema\s*\.\s*(schemata|tables|columns|views)\b", re.IGNORECASE), SHADOW + r".\1"),
    (
        re.compile(
            r"(?<![\w.])(pg_get_expr|obj_description|col_description|pg_get_viewdef|format_type)\s*\(", re.IGNORECASE
        ),
        lambda match: "lm_" + match.group(1).lower().removeprefix("pg_") + "(",
    ),
    (re.compile(r"::\s*regclass\b", re.IGNORECASE), "::VARCHAR"),
    (re.compile(r"(?<![\w.])json_build_object\s*\(", re.IGNORECASE), "json_object("),
    (re.compile(r"\bAS\s+(REGCLASS|REGTYPE)\s*\)", re.IGNORECASE), "AS VARCHAR)"),
    (re.compile(r"\bAS\s+(OID|REGPROC|REGNAMESPACE|REGROLE)\s*\)", re.IGNORECASE), "AS BIGINT)"),
    (re.compile(r"::\s*regtype\b", re.IGNORECASE), "::VARCHAR"),
    (re.compile(r"::\s*(regproc|regnamespace|regrole|oid)\b", re.IGNORECASE), "::BIGINT"),
]


# pg_catalog relations DuckDB lacks (empty here: no inheritance, triggers, policies...), and the columns clients read.
_MISSING: dict[str, str] = {
    "pg_inherits": "inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER, inhdetachpending BOOLEAN",
    "pg_trigger": "oid BIGINT, tgrelid BIGINT, tgparentid BIGINT, tgname VARCHAR, tgfoid BIGINT, tgtype INTEGER, "
    "tgenabled VARCHAR, tgisinternal BOOLEAN",
    "pg_rewrite": "oid BIGINT, rulename VARCHAR, ev_class BIGINT, ev_type VARCHAR, ev_enabled VARCHAR, "
    "is_instead BOOLEAN",
    "pg_policy": "oid BIGINT, polname VARCHAR, polrelid BIGINT, polcmd VARCHAR, polpermissive BOOLEAN, "
    "polroles BIGINT[], polqual VARCHAR, polwithcheck VARCHAR",
    "pg_statistic_ext": "oid BIGINT, stxrelid BIGINT, stxname VARCHAR, stxnamespace BIGINT, stxowner BIGINT, "
    "stxstattarget INTEGER, stxkeys INTEGER[], stxkind VARCHAR[], stxexprs VARCHAR",
    "pg_publication": "oid BIGINT, pubname VARCHAR, pubowner BIGINT, puballtables BOOLEAN, pubinsert BOOLEAN, "
    "pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN",
    "pg_publication_rel": "oid BIGINT, prpubid BIGINT, prrelid BIGINT, prqual VARCHAR, prattrs INTEGER[]",
    "pg_publication_namespace": "oid BIGINT, pnpubid BIGINT, pnnspid BIGINT",
    "pg_matviews": "schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR, tablespace VARCHAR, "
    "hasindexes BOOLEAN, ispopulated BOOLEAN, definition VARCHAR",
    "pg_extension": "oid BIGINT, extname VARCHAR, extowner BIGINT, extnamespace BIGINT, extrelocatable BOOLEAN, "
    "extversion VARCHAR",
    "pg_foreign_table": "ftrelid BIGINT, ftserver BIGINT, ftoptions VARCHAR[]",
    "pg_partitioned_table": "partrelid BIGINT, partstrat VARCHAR, partnatts INTEGER, partdefid BIGINT",
    "pg_event_trigger": "oid BIGINT, evtname VARCHAR, evtevent VARCHAR, evtowner BIGINT, evtenabled VARCHAR",
    "pg_range": "rngtypid BIGINT, rngsubtype BIGINT, rngmultitypid BIGINT",
    "pg_shdescription": "objoid BIGINT, classoid BIGINT, description VARCHAR",
    "pg_auth_members": "roleid BIGINT, member BIGINT, grantor BIGINT, admin_option BOOLEAN",
    "pg_foreign_server": "oid BIGINT, srvname VARCHAR",
    "pg_opclass": "oid BIGINT, opcname VARCHAR, opcmethod BIGINT, opcdefault BOOLEAN, opcnamespace BIGINT",
    "pg_operator": "oid BIGINT, oprname VARCHAR, oprnamespace BIGINT, oprleft BIGINT, oprright BIGINT",
    "pg_foreign_data_wrapper": "oid BIGINT, fdwname VARCHAR",
    "pg_stat_activity": "datid BIGINT, datname VARCHAR, pid INTEGER, usename VARCHAR, application_name VARCHAR, "
    "state VARCHAR, query VARCHAR",
    "pg_locks": "locktype VARCHAR, relation BIGINT, pid INTEGER, mode VARCHAR, granted BOOLEAN",
}
# Columns of existing pg_catalog relations that DuckDB does not have, with PostgreSQL's value for our tables.
_EXTRA_COLUMNS: dict[str, str] = {
    "pg_collation": "CAST(NULL AS BIGINT) AS collnamespace",
    "pg_index": "false AS indnullsnotdistinct",
    "pg_database": "'UTF8' AS encoding_name, 6 AS encoding, 'C' AS datcollate, 'C' AS datctype, 10 AS datdba, "
    "-1 AS datconnlimit, NULL AS datacl, 0 AS dattablespace, NULL AS daticulocale, NULL AS daticurules, "
    "'c' AS datlocprovider, NULL AS datcollversion, 0 AS datfrozenxid",
}
# PostgreSQL's storage sizes by type oid (DuckDB says 16 for varchar, NULL for numeric): drivers read these.
_TYPLEN = (
    "CASE oid WHEN 16 THEN 1 WHEN 21 THEN 2 WHEN 23 THEN 4 WHEN 20 THEN 8 WHEN 700 THEN 4 WHEN 701 THEN 8 "
    "WHEN 1082 THEN 4 WHEN 1114 THEN 8 WHEN 1184 THEN 8 WHEN 1083 THEN 8 WHEN 1186 THEN 16 WHEN 2950 THEN 16 "
    "WHEN 25 THEN -1 WHEN 1043 THEN -1 WHEN 1700 THEN -1 WHEN 17 THEN -1 WHEN 114 THEN -1 ELSE typlen END"
)
# Columns DuckDB leaves NULL where PostgreSQL never has NULL; psqlODBC's SQLColumns fails on a NULL typtypmod.
_REPLACED: dict[str, str] = {
    "pg_type": f"SELECT * REPLACE (CAST({_TYPLEN} AS SMALLINT) AS typlen, CAST(-1 AS INTEGER) AS typtypmod, "
    "CAST(0 AS BIGINT) AS typbasetype, false AS typnotnull, ',' AS typdelim, CAST(0 AS BIGINT) AS typrelid, "
    "CAST(0 AS BIGINT) AS typelem, CAST(0 AS BIGINT) AS typarray, CAST(0 AS INTEGER) AS typndims, "
    "CAST(CASE WHEN oid IN (25, 1043) THEN 100 ELSE 0 END AS BIGINT) AS typcollation) FROM pg_catalog.pg_type",
    # numeric's typmod as PostgreSQL encodes it (((precision << 16) | scale) + 4; DuckDB says precision*1000+scale),
    # which JDBC and ODBC decode into precision and scale.
    "pg_attribute": "SELECT a.* REPLACE (CAST(CASE WHEN a.atttypid = 1700 AND a.atttypmod > 0 THEN "
    "((a.atttypmod // 1000) * 65536 + a.atttypmod % 1000) + 4 ELSE a.atttypmod END AS INTEGER) AS atttypmod, "
    f"CAST(coalesce((SELECT {_TYPLEN.replace('oid', 't.oid').replace('typlen', 't.typlen')} "
    "FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid), -1) AS SMALLINT) AS attlen, "
    "coalesce(a.attidentity, '') AS attidentity, coalesce(a.attgenerated, '') AS attgenerated) "
    "FROM pg_catalog.pg_attribute a",
}
_HIDDEN = f"('{SHADOW}', 'main', 'pg_catalog', 'information_schema')"
# Relations whose rows are filtered so only the user's schemas show (not the mirror's own machinery).
_FILTERED: dict[str, str] = {
    "pg_namespace": f"SELECT * FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('{SHADOW}', 'main')",
    "pg_class": f"SELECT * REPLACE (CAST(NULL AS VARCHAR[]) AS reloptions), false AS relforcerowsecurity "
    f"FROM pg_catalog.pg_class WHERE relnamespace NOT IN "
    f"(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname IN ('{SHADOW}', 'main'))",
    "schemata": f"SELECT * FROM information_schema.schemata WHERE catalog_name = '{DATABASE}' "
    f"AND schema_name NOT IN ('{SHADOW}', 'main')",
    "tables": f"SELECT * FROM information_schema.tables WHERE table_catalog = '{DATABASE}' "
    f"AND table_schema NOT IN {_HIDDEN}",
    "columns": f"SELECT * FROM information_schema.columns WHERE table_catalog = '{DATABASE}' "
    f"AND table_schema NOT IN {_HIDDEN}",
    "views": f"SELECT * FROM information_schema.views WHERE table_catalog = '{DATABASE}' "
    f"AND table_schema NOT IN {_HIDDEN}",
}
_ROLES = (
    "SELECT 10::BIGINT AS oid, {user} AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole, "
    "false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, "
    "NULL::TIMESTAMPTZ AS rolvaliduntil, false AS rolbypassrls, NULL::VARCHAR[] AS rolconfig, NULL AS rolpassword"
)
_USERS = "SELECT {user} AS usename, 10::BIGINT AS usesysid, false AS usecreatedb, false AS usesuper, NULL AS passwd"
_SHADOWED = sorted(
    {*_MISSING, *_EXTRA_COLUMNS, *_REPLACED, "pg_roles", "pg_user", "pg_namespace", "pg_class"}, key=len, reverse=True
)
_SHADOW_NAMES = re.compile(
    r"(?<![\w.\"])(?:pg_catalog\s*\.\s*)?\b(" + "|".join(_SHADOWED) + r")\b(?!\s*\()", re.IGNORECASE
)


def _shadow(connection: duckdb.DuckDBPyConnection, user: str) -> None:
    """The schema of pg_catalog relations DuckDB lacks or lacks columns of (queries are rewritten to it)."""
    connection.execute(f"CREATE SCHEMA {SHADOW}")
    for name, columns in _MISSING.items():
        body = ", ".join(f"CAST(NULL AS {c.split(' ', 1)[1]}) AS {c.split(' ', 1)[0]}" for c in columns.split(", "))
        connection.execute(f"CREATE VIEW {SHADOW}.{name} AS SELECT {body} WHERE false")
    for name, extra in _EXTRA_COLUMNS.items():
        only = f" WHERE datname = '{DATABASE}'" if name == "pg_database" else ""
        connection.execute(f"CREATE VIEW {SHADOW}.{name} AS SELECT *, {extra} FROM pg_catalog.{name}{only}")
    for name, body in {**_REPLACED, **_FILTERED}.items():
        connection.execute(f"CREATE VIEW {SHADOW}.{name} AS {body}")
    connection.execute(f"CREATE VIEW {SHADOW}.pg_roles AS {_ROLES.format(user=_literal(user))}")
    connection.execute(f"CREATE VIEW {SHADOW}.pg_user AS {_USERS.format(user=_literal(user))}")


def duckdb_type(text: str) -> str:
    """The DuckDB column type of a Lakemesh column type (a type shown as unknown becomes VARCHAR)."""
    try:
        arrow = parse_type(text)
    except Exception:
        return "VARCHAR"
    if pa.types.is_decimal(arrow):
        return f"DECIMAL({arrow.precision},{arrow.scale})"
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMPTZ" if arrow.tz else "TIMESTAMP"
    names = {
        pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.bool_(): "BOOLEAN", pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float32(): "REAL",
        pa.float64(): "DOUBLE", pa.date32(): "DATE", pa.binary(): "BLOB",
    }  # fmt: skip
    return names.get(arrow, "VARCHAR")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_LOCKED = {"enable_external_access": False, "autoinstall_known_extensions": False, "autoload_known_extensions": False}


def build(objects: Sequence[SqlObject], search_path: Sequence[str], user: str) -> duckdb.DuckDBPyConnection:
    """A locked, empty DuckDB with one schema per lakehouse, one table per readable table, one view per product."""
    connection = duckdb.connect(
        ":memory:",
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    connection.execute(f"ATTACH ':memory:' AS {DATABASE}; USE {DATABASE}")
    for macro in _MACROS:
        try:
            connection.execute(macro)
        except duckdb.Error:
            continue  # the DuckDB in use already has it
    _shadow(connection, user)
    schemas = sorted({o.schema for o in objects})
    for schema in schemas:
        connection.execute(f"CREATE SCHEMA {_ident(schema)}")
    for obj in objects:
        columns = [(c.name, duckdb_type(c.type), c.description) for c in obj.columns] or [("?column?", "VARCHAR", "")]
        target = f"{_ident(obj.schema)}.{_ident(obj.name)}"
        if obj.kind == "view":
            body = ", ".join(f"CAST(NULL AS {t}) AS {_ident(n)}" for n, t, _ in columns)
            connection.execute(f"CREATE VIEW {target} AS SELECT {body} WHERE false")
        else:
            body = ", ".join(f"{_ident(n)} {t}" for n, t, _ in columns)
            connection.execute(f"CREATE TABLE {target} ({body})")
            if obj.description:
                connection.execute(f"COMMENT ON TABLE {target} IS {_literal(obj.description)}")
            for name, _, description in columns:
                if description:
                    connection.execute(f"COMMENT ON COLUMN {target}.{_ident(name)} IS {_literal(description)}")
    path = [s for s in search_path if s in schemas] or schemas or ["main"]
    connection.execute(f"SET search_path = {_literal(','.join([*path, 'main']))}")
    connection.execute("SET lock_configuration = true")
    return connection


def run_catalog_query(
    objects: Sequence[SqlObject], search_path: Sequence[str], user: str, sql: str, params: Sequence[Any]
) -> pa.Table:
    """Answer a catalog query from the mirror of what this user may read."""
    text = _SHADOW_NAMES.sub(lambda match: f"{SHADOW}.{match.group(1).lower()}", sql)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    connection = build(objects, search_path, user)
    try:
        result = connection.sql(text, params=list(params) if params else None).to_arrow_table()
    except duckdb.Error as exc:
        raise SqlError("0A000", f"catalog query not supported by the SQL endpoint: {str(exc).splitlines()[0]}") from exc
    finally:
        connection.close()
    return result
