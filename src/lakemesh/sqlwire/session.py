"""What one connection remembers: who it is, its settings, its prepared statements and portals."""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.sqlwire.catalog import SqlObject
from lakemesh.sqlwire.cursors import Cursor
from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.login import Credential
from lakemesh.sqlwire.mirror import DATABASE, SERVER_VERSION
from lakemesh.sqlwire.statements import Statement, governed_sql
from lakemesh.sqlwire.types import offset_text

# Reported to the client at start-up (and on change), as a PostgreSQL server would.
REPORTED = ("application_name", "client_encoding", "DateStyle", "TimeZone", "standard_conforming_strings")
NAMES_TTL_SECONDS = 5.0
TRANSLATIONS_KEPT = 64
# PostgreSQL session settings a client may SET (kept for SHOW; none reaches the engine). Others are unknown, as
# in PostgreSQL (42704): engine settings such as enable_external_access do not exist here.
SETTABLE = {
    "application_name", "client_encoding", "datestyle", "timezone", "search_path", "extra_float_digits",
    "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "intervalstyle",
    "standard_conforming_strings", "client_min_messages", "bytea_output", "default_transaction_read_only",
    "default_transaction_isolation", "transaction_isolation", "transaction_read_only", "row_security", "jit",
    "names", "plan_cache_mode", "max_parallel_workers_per_gather", "work_mem", "geqo", "lc_messages",
    "lc_monetary", "lc_numeric", "lc_time", "escape_string_warning", "join_collapse_limit", "from_collapse_limit",
    "idle_session_timeout", "tcp_keepalives_idle", "role", "session_authorization", "xmloption",
}  # fmt: skip


def default_settings(user: str, application: str) -> dict[str, str]:
    return {
        "server_version": SERVER_VERSION,
        "server_version_num": "160000",
        "server_encoding": "UTF8",
        "client_encoding": "UTF8",
        "DateStyle": "ISO, MDY",
        "IntervalStyle": "postgres",
        "TimeZone": "UTC",
        "integer_datetimes": "on",
        "standard_conforming_strings": "on",
        "is_superuser": "off",
        "session_authorization": user,
        "application_name": application,
        "transaction_isolation": "read committed",
        "transaction_read_only": "on",
        "default_transaction_read_only": "on",
        "max_identifier_length": "63",
        "search_path": '"$user", public',
        "lc_collate": "C",
        "lc_ctype": "C",
        "statement_timeout": "0",
        "extra_float_digits": "1",
        "database": DATABASE,
    }


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
        """The IANA name of the session's TimeZone (timestamptz text is written in it)."""
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


_SET = re.compile(
    r"^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?(?:(TIME\s+ZONE)\s+(.+?)|([\w.]+)\s*(?:=|\bTO\b)\s*(.+?))\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def parse_set(text: str) -> tuple[str, str] | None:
    """(name, value) of a `SET name = value` (None for forms like SET SESSION CHARACTERISTICS)."""
    match = _SET.match(text)
    if not match:
        return None
    name = "TimeZone" if match.group(1) else match.group(3)
    value = (match.group(2) or match.group(4)).strip()
    if value.upper() == "DEFAULT" or (match.group(1) and value.upper() == "LOCAL"):  # SET TIME ZONE LOCAL
        value = ""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1].replace("''", "'")
    return name, value


def canonical(settings: dict[str, str], name: str) -> str:
    """The spelling a setting is stored under (setting names are case-insensitive)."""
    lowered = name.lower()
    return next((k for k in settings if k.lower() == lowered), lowered)


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
    """Set a checked setting; "" (DEFAULT, RESET) is the session's value at connect. A TimeZone is kept under its
    IANA name, as PostgreSQL shows it."""
    key = canonical(session.settings, name)
    if not value:
        value = session.defaults.get(key, "")
    elif key.lower() == "timezone":
        value = shown_zone(time_zone(value) or value)
    session.settings[key] = value


def check_setting(name: str, value: str) -> None:
    """Refuse what PostgreSQL refuses: an unknown setting (42704), a timeout that is not a duration (22023)."""
    if name.lower() not in SETTABLE:
        raise SqlError("42704", f'unrecognized configuration parameter "{name}"')
    if name.lower() == "statement_timeout" and value and duration_seconds(value) is None:
        raise SqlError("22023", f'invalid value for parameter "statement_timeout": "{value}"')
    if name.lower() == "timezone" and value and time_zone(value) is None:
        raise SqlError("22023", f'invalid value for parameter "TimeZone": "{value}"')


_UTC_NAMES = {"utc", "gmt", "z", "zulu", "uct", "universal", "etc/utc", "etc/gmt"}


_HOURS = re.compile(r"^[+-]?\d{1,2}(\.\d+)?$")
_SHOWN_OFFSET = re.compile(r"^<([+-]\d\d(?::\d\d)?)>")


@functools.lru_cache(maxsize=64)
def time_zone(value: str) -> str | None:
    """The zone a TimeZone setting means: an IANA name (names are case-insensitive, as in PostgreSQL), or a fixed
    offset `+05:30` for hours east of UTC (`SET TIME ZONE 5.5`, or as SHOW spells it, `<+05:30>-05:30`); None if
    unknown."""
    name = value.strip()
    if name.lower() in _UTC_NAMES:
        return "UTC"
    minutes = _offset_minutes(name)
    if minutes is not None:
        if abs(minutes) > 15 * 60:
            return None
        return (
            "UTC" if minutes == 0 else f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        )
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        return next((known for known in _zone_names() if known.lower() == name.lower()), None)


def _offset_minutes(name: str) -> int | None:
    if shown := _SHOWN_OFFSET.match(name):
        hours, _, minutes = shown.group(1)[1:].partition(":")
        return (-1 if shown.group(1)[0] == "-" else 1) * (int(hours) * 60 + int(minutes or 0))
    return round(float(name) * 60) if _HOURS.match(name) else None


def shown_zone(zone: str) -> str:
    """A zone as SHOW TimeZone spells it: its name, or a fixed offset as PostgreSQL's POSIX form (`<-07>+07`)."""
    if zone[0] not in "+-":
        return zone
    seconds = (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return f"<{offset_text(seconds)}>{offset_text(-seconds)}"


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def duration_seconds(value: str) -> float | None:
    """A PostgreSQL duration setting in seconds (a bare number is milliseconds); None when it is not one."""
    match = _DURATION.match(value)
    if match is None:
        return None
    return float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "ms").lower()]


def startup_options(options: str) -> dict[str, str]:
    """The settings in a startup packet's `options` (`-c name=value` or `--name=value`, as libpq's PGOPTIONS; a
    backslash keeps a space in a value)."""
    words = [w.replace("\x00", " ") for w in options.replace("\\ ", "\x00").split()]
    settings: list[str] = []
    for i, word in enumerate(words):
        if word == "-c" and i + 1 < len(words):
            settings.append(words[i + 1])
        elif word.startswith(("-c", "--")) and len(word) > 2:
            settings.append(word[2:])
    found: dict[str, str] = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if equals:
            found[name.strip().replace("-", "_")] = value
    return found


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
