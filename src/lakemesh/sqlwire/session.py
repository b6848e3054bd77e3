"""What one connection remembers: who it is, its settings, its prepared statements and portals."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.sqlwire.catalog import SqlObject
from lakemesh.sqlwire.cursors import Cursor
from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.login import Credential
from lakemesh.sqlwire.settings import (
    REPORTED,
    SETTABLE,
    canonical,
    check_setting,
    duration_seconds,
    parse_set,
    shown_zone,
    time_zone,
)
from lakemesh.sqlwire.statements import Statement, governed_sql

NAMES_TTL_SECONDS = 5.0
TRANSLATIONS_KEPT = 64


@dataclass
class Prepared:
    statement: Statement
    param_oids: list[int]


@dataclass
class Portal:
    prepared: Prepared
    params: list[Any]
    formats: list[int]
    result: pa.Table | None = None
    sent: int = 0
    described: bool = False


@dataclass
class Session:
    principal: Principal
    credential: Credential
    settings: dict[str, str]
    transaction: str = "I"  # I idle, T in a transaction, E failed transaction
    statements: dict[str, Prepared] = field(default_factory=dict)
    portals: dict[str, Portal] = field(default_factory=dict)
    cursors: dict[str, Cursor] = field(default_factory=dict)
    moved: int = 0  # rows the last MOVE went over (its command tag)
    defaults: dict[str, str] = field(default_factory=dict)  # the settings at connect (RESET, SET ... DEFAULT)
    changed: list[str] = field(default_factory=list)  # REPORTED settings changed since last told (ParameterStatus)
    _objects: list[SqlObject] | None = None
    _objects_at: float = 0.0
    # (text, bound parameters) -> (the names it was translated with, the governed SQL)
    _translated: dict[tuple[str, int], tuple[list[SqlObject], list[str], str]] = field(default_factory=dict)

    def search_path(self, objects: list[SqlObject]) -> list[str]:
        """Schemas unqualified names resolve in: the ones SET, else every schema the user may read."""
        wanted = [p.strip().strip('"').lower() for p in self.settings["search_path"].split(",")]
        known = sorted({o.schema for o in objects})
        chosen = [s for s in wanted if s in known]
        return chosen or known

    @property
    def zone(self) -> str:
        """The session's TimeZone (timestamptz text is written in it): an IANA name or a fixed offset `+05:30`."""
        return time_zone(self.settings.get("TimeZone", "UTC")) or "UTC"

    def statement_timeout(self) -> float | None:
        """Seconds a statement may run (`SET statement_timeout`); None: no limit but the server's."""
        seconds = duration_seconds(self.settings.get("statement_timeout", "0") or "0")
        return seconds or None

    def end_transaction(self) -> None:
        """COMMIT or ROLLBACK: cursors declared WITHOUT HOLD end with the transaction, as in PostgreSQL."""
        self.transaction = "I"
        self.cursors = {name: c for name, c in self.cursors.items() if c.hold}

    def cached_objects(self) -> list[SqlObject] | None:
        """Names resolved a moment ago (data queries only; the governed service re-checks every read)."""
        fresh = time.monotonic() - self._objects_at < NAMES_TTL_SECONDS
        return self._objects if fresh else None

    def remember_objects(self, objects: list[SqlObject]) -> None:
        self._objects, self._objects_at = objects, time.monotonic()

    def translate(self, sql: str, objects: list[SqlObject], bound: int) -> str:
        """The statement in governed SQL, kept while the names and the search path it was translated with hold."""
        path = self.search_path(objects)
        kept = self._translated.get((sql, bound))
        if kept is not None and kept[0] is objects and kept[1] == path:
            return kept[2]
        text = governed_sql(sql, objects, path, bound)
        if len(self._translated) >= TRANSLATIONS_KEPT:
            self._translated.clear()
        self._translated[(sql, bound)] = (objects, path, text)
        return text


# -- session commands (SET, SHOW, BEGIN, ...): answered from the session alone ------------------------


def session_command(session: Session, statement: Statement) -> pa.Table | None:
    """Answer a session command; settings clients follow that it changed are left in `session.changed`."""
    command = statement.command
    before = {name: session.settings.get(name) for name in REPORTED}
    if command in ("BEGIN", "START"):
        session.transaction = "T"
    elif command in ("COMMIT", "END", "ROLLBACK", "ABORT"):
        session.end_transaction()
    elif command == "DEALLOCATE":
        name = statement.text.split()[-1].strip('";')
        if name.upper() == "ALL":
            session.statements.clear()
        else:
            session.statements.pop(name, None)
    elif command == "DISCARD":
        session.statements.clear()
        session.portals.clear()
        session.cursors.clear()
    elif command in ("SET", "RESET"):
        _set(session, statement)
        session.changed += [name for name in REPORTED if session.settings.get(name) != before[name]]
    elif command == "SHOW":
        return _show(session, statement.text)
    return None


def _set(session: Session, statement: Statement) -> None:
    words = statement.text.split()
    if statement.command == "RESET":
        name = words[1].strip(";") if len(words) > 1 else ""
        if name.lower() == "all":
            session.settings |= {k: v for k, v in session.defaults.items() if k.lower() in SETTABLE}
            return
        if name.lower() not in SETTABLE:
            raise SqlError("42704", f'unrecognized configuration parameter "{name}"')
        _assign(session, name, "")
        return
    parsed = parse_set(statement.text)
    if parsed is None:
        return  # SET TRANSACTION / SESSION CHARACTERISTICS: every transaction here is read-only anyway
    name, value = parsed
    check_setting(name, value)
    if name.lower() in ("role", "session_authorization") and value.lower() not in (
        "",
        "none",
        "default",
        session.principal.name.lower(),
    ):
        raise SqlError("42501", "the SQL endpoint runs as the token's principal; SET ROLE cannot change it")
    _assign(session, name, value)


def _assign(session: Session, name: str, value: str) -> None:
    """Set a checked setting; "" (DEFAULT, RESET) is the session's value at connect. A TimeZone is kept as
    PostgreSQL's SHOW spells it (`shown_zone`)."""
    key = canonical(session.settings, name)
    if not value:
        value = session.defaults.get(key, "")
    elif key.lower() == "timezone":
        value = shown_zone(value)
    session.settings[key] = value


def _show(session: Session, text: str) -> pa.Table:
    name = text.split(None, 1)[1].strip().rstrip(";").strip().strip('"') if len(text.split()) > 1 else ""
    settings = session.settings
    if name.lower() == "all":
        keys = sorted(settings)
        return pa.table({"name": keys, "setting": [settings[k] for k in keys], "description": [""] * len(keys)})
    aliases = {"transaction isolation level": "transaction_isolation", "time zone": "TimeZone"}
    key = canonical(settings, aliases.get(" ".join(name.lower().split()), name))
    if key not in settings:
        raise SqlError("42704", f'unrecognized configuration parameter "{name}"')
    return pa.table({key.lower(): [settings[key]]})
