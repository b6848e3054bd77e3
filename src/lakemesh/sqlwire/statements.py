"""Reading what a client sent: split a simple query into statements, sort each into what the endpoint does
with it, and turn PostgreSQL names into the governed SQL `POST /api/v1/query` takes.

Bind parameters stay `$n`: the gate passes their values to the engine as values (never formatted into text), so
a prepared statement run again with new values is translated and gated once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from lakemesh.core.errors import NotFound
from lakemesh.sqlwire.catalog import SqlObject
from lakemesh.sqlwire.errors import SqlError

CATALOG_SCHEMAS = {"pg_catalog", "information_schema"}
# Functions clients call on connect that only the catalog mirror answers (no table data involved).
CATALOG_FUNCTIONS = re.compile(
    r"\b(version|current_schema|current_schemas|current_database|current_catalog|current_user|session_user|"
    r"current_setting|set_config|pg_\w+|has_\w+_privilege|format_type|obj_description|col_description|"
    r"shobj_description|quote_ident|inet_server_\w+|txid_current)\s*\(",
    re.IGNORECASE,
)
_SESSION_COMMANDS = re.compile(
    r"^\s*(SET|RESET|SHOW|BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|DEALLOCATE|DISCARD|SAVEPOINT|"
    r"RELEASE|UNLISTEN)\b",
    re.IGNORECASE,
)
_CURSORS = re.compile(r"^\s*(DECLARE|FETCH|MOVE|CLOSE)\b", re.IGNORECASE)
_UNSUPPORTED = re.compile(
    r"^\s*(LISTEN|NOTIFY|PREPARE|EXECUTE|LOCK|CHECKPOINT|LOAD|VACUUM|ANALYZE|CLUSTER|REINDEX|"
    r"CALL|DO|EXPLAIN|IMPORT|SECURITY)\b",
    re.IGNORECASE,
)
_WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|MERGE|UPSERT|CREATE|DROP|ALTER|TRUNCATE|COPY|GRANT|REVOKE|COMMENT|REFRESH|"
    r"ATTACH|DETACH|INSTALL|USE|PRAGMA|REPLACE)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Statement:
    text: str
    kind: str  # "empty", "session", "cursor", "write", "unsupported", "catalog", "query"
    command: str  # the first keyword, upper case (for CommandComplete)


def split_statements(sql: str) -> list[str]:
    """Split on `;` outside quotes, dollar quotes and comments; empty pieces are dropped."""
    parts: list[str] = []
    start, i, n = 0, 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:
                end = sql.find(c, end + 2)
            i = n if end == -1 else end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end == -1 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end == -1 else end + 2
            continue
        if c == "$" and (tag := re.match(r"\$[A-Za-z_]*\$", sql[i:])):
            end = sql.find(tag.group(0), i + len(tag.group(0)))
            i = n if end == -1 else end + len(tag.group(0))
            continue
        if c == ";":
            parts.append(sql[start:i])
            start = i + 1
        i += 1
    parts.append(sql[start:])
    return [p for p in parts if _strip_comments(p).strip()]


def _strip_comments(sql: str) -> str:
    return re.sub(r"/\*.*?\*/", " ", re.sub(r"--[^\n]*", " ", sql), flags=re.DOTALL)


def classify(text: str) -> Statement:
    """What the endpoint does with one statement; the SQL itself is judged later by the gate."""
    body = _strip_comments(text).strip()
    if not body:
        return Statement(text, "empty", "")
    first = body.split(None, 1)[0].upper().rstrip(";")
    if _SESSION_COMMANDS.match(body):
        return Statement(text, "session", first)
    if _CURSORS.match(body):
        return Statement(text, "cursor", first)
    if _WRITES.match(body):
        return Statement(text, "write", first)
    if _UNSUPPORTED.match(body):
        return Statement(text, "unsupported", first)
    if touches_catalog(body):
        return Statement(text, "catalog", "SELECT")
    return Statement(text, "query", "SELECT")


def touches_catalog(sql: str) -> bool:
    """A query over pg_catalog / information_schema, or one calling only the functions clients probe with."""
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except SqlglotError:
        return bool(re.search(r"\b(pg_catalog|information_schema)\s*\.", sql, re.IGNORECASE))
    tables = [t for t in tree.find_all(exp.Table) if t.name]
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    real = [t for t in tables if t.name.lower() not in ctes]
    catalog = [t for t in real if t.db.lower() in CATALOG_SCHEMAS or (not t.db and t.name.lower().startswith("pg_"))]
    if catalog and len(catalog) != len(real):
        raise SqlError("0A000", "a query cannot join catalog views (pg_catalog, information_schema) with data")
    if catalog:
        return True
    return not real and bool(CATALOG_FUNCTIONS.search(sql))


# -- translation to governed SQL -----------------------------------------------------------------------


def governed_sql(sql: str, objects: Sequence[SqlObject], search_path: Sequence[str], bound: int) -> str:
    """The query in the governed dialect: schema-qualified names to `<domain>.<lakehouse>.<table>`.

    `$n` stay parameters (the engine takes the `bound` values as values). Names the user may not read are left
    as written: the governed service answers "not found" for them.
    """
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except SqlglotError as exc:
        raise SqlError("42601", f"syntax error: {str(exc).splitlines()[0]}") from exc
    by_schema = {(o.schema, o.name.lower()): o for o in objects}
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        if table.catalog or not table.name or (not table.db and table.name.lower() in ctes):
            continue
        schemas = [table.db.lower()] if table.db else list(search_path)
        match = next(
            (by_schema[(s, table.name.lower())] for s in schemas if (s, table.name.lower()) in by_schema), None
        )
        if match is None:
            if table.db:
                raise NotFound(f'relation "{table.db}.{table.name}" does not exist')
            continue
        domain, middle, name = match.governed
        table.set("catalog", exp.to_identifier(domain))
        table.set("db", exp.to_identifier(middle))
        table.set("this", exp.to_identifier(name))
    for node in tree.find_all(exp.Parameter, exp.Placeholder):
        _check_parameter(node, bound)
    return tree.sql(dialect="duckdb")


def _check_parameter(node: exp.Expr, bound: int) -> None:
    name = node.name or (node.this.name if isinstance(node.this, exp.Expr) else str(node.this or ""))
    if not name.isdigit() or not 1 <= int(name) <= bound:
        raise SqlError("08P01", f"the query uses ${name} but {bound} parameters were bound")


def engine_value(value: Any) -> Any:
    """A bound value as the engine takes it: bytes are read as text, as PostgreSQL reads an untyped literal."""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
