"""PostgreSQL session settings as the endpoint keeps them: which a client may set, what their values mean
(time zones, durations), and how `SET`, startup packets and `options` spell them."""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.mirror import DATABASE, SERVER_VERSION
from lakemesh.sqlwire.types import offset_text, zone_info

# Reported to the client at start-up (and on change), as a PostgreSQL server would.
REPORTED = ("application_name", "client_encoding", "DateStyle", "TimeZone", "standard_conforming_strings")
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
_POSIX_OFFSET = re.compile(r"^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d\d))?$", re.IGNORECASE)


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
        hours, rest = divmod(abs(minutes), 60)
        return "UTC" if minutes == 0 else f"{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        return next((known for known in _zone_names() if known.lower() == name.lower()), None)


def _offset_minutes(name: str) -> int | None:
    """Minutes east of UTC of a fixed-offset setting: hours (`-7`, `5.5`), SHOW's `<+05:30>-05:30`, or a POSIX
    `GMT-01:00` / `UTC+5` (west positive: JDBC sends a JVM zone `GMT+01:00` so)."""
    if shown := _SHOWN_OFFSET.match(name):
        hours, _, minutes = shown.group(1)[1:].partition(":")
        return (-1 if shown.group(1)[0] == "-" else 1) * (int(hours) * 60 + int(minutes or 0))
    if posix := _POSIX_OFFSET.match(name):
        west = int(posix.group(2)) * 60 + int(posix.group(3) or 0)
        return -west if posix.group(1) == "+" else west
    return round(float(name) * 60) if _HOURS.match(name) else None


def shown_zone(value: str) -> str:
    """A valid TimeZone setting as SHOW spells it, as PostgreSQL does: a name as the zone database writes it, hours
    as a POSIX zone (`-7` is `<-07>+07`), a POSIX zone as given."""
    zone = time_zone(value) or "UTC"
    if zone[0] not in "+-":
        return zone
    if not _HOURS.match(value.strip()):
        return value.strip()
    offset = zone_info(zone).utcoffset(None)
    seconds = int(offset.total_seconds()) if offset is not None else 0
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


def startup_settings(user: str, params: dict[str, str]) -> dict[str, str]:
    """A session's settings at connect: the defaults, then those of the startup packet and of its `options` (a bad
    one in `options`, or an unknown TimeZone, which JDBC sends, raises SqlError)."""
    settings = default_settings(user, params.get("application_name", ""))
    given = {k: v for k, v in params.items() if k not in ("user", "database", "password", "options", "replication")}
    options = startup_options(params.get("options", ""))
    for name, value in options.items():
        check_setting(name, value)
    for name, value in {**given, **options}.items():
        settings[canonical(settings, name)] = value
    check_setting("TimeZone", settings["TimeZone"])
    settings["TimeZone"] = shown_zone(settings["TimeZone"])
    return settings


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
