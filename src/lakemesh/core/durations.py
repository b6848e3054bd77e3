"""Durations as users write them: `24h`, `90d`, `15m`, `25 hours`."""

from __future__ import annotations

import re
from datetime import timedelta

from lakemesh.core.errors import invalid

_UNITS = {
    "s": "seconds",
    "sec": "seconds",
    "second": "seconds",
    "seconds": "seconds",
    "m": "minutes",
    "min": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}
_PATTERN = re.compile(r"^\s*(\d{1,15}(?:\.\d{1,9})?)\s*([a-zA-Z]+)\s*$")
_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
MAX_DURATION = timedelta(days=36525)  # 100 years: beyond it, dates overflow and nothing means "that long"


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """A duration of at most 100 years; anything else is a 422 on `field` (never an OverflowError)."""
    match = _PATTERN.match(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise invalid(field, f"{text!r} is not a duration; write it like 24h, 90d or 15m")
    seconds = float(match.group(1)) * _SECONDS[unit]
    if seconds > MAX_DURATION.total_seconds():
        raise invalid(field, f"{text!r} is longer than 100 years; durations are at most 36525d")
    return timedelta(seconds=seconds)


def unit_names() -> tuple[str, ...]:
    """Every unit word `parse_duration` reads (any letter case), for the OpenAPI document's pattern."""
    return tuple(_UNITS)


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"
