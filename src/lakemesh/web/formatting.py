"""How pages write types, numbers, times, schedules and counts (30.12): in the contract's and the user's words."""

from __future__ import annotations

import re
from datetime import datetime

_ARROW_TYPES = [
    (re.compile(r"^(large_)?(string|utf8)$"), "string"),
    (re.compile(r"^u?int(8|16|32|64)$"), "integer"),
    (re.compile(r"^(float|double|halffloat)(16|32|64)?$"), "float"),
    (re.compile(r"^bool$"), "boolean"),
    (re.compile(r"^date(32|64)(\[.*\])?$"), "date"),
    (re.compile(r"^timestamp\[.*\]$"), "timestamp"),
]
_DECIMAL = re.compile(r"^decimal(128|256)?\((\d+),\s*(\d+)\)$")


def contract_type(arrow_name: object) -> str:
    """`date32[day]` → `date`, `timestamp[us, tz=UTC]` → `timestamp`, `decimal128(18, 2)` → `decimal(18,2)`."""
    text = str(arrow_name).strip()
    found = _DECIMAL.match(text)
    if found:
        return f"decimal({found.group(2)},{found.group(3)})"
    for pattern, name in _ARROW_TYPES:
        if pattern.match(text):
            return name
    return text


def number(value: object) -> str:
    """Thousands separators; integers stay integers."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def when(value: datetime | None, *, seconds: bool = True) -> str:
    """UTC, to the second at most: no microseconds on any page."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def plural(count: int | None, noun: str) -> str:
    """`1 attempt`, `3 attempts`."""
    n = count or 0
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def cron_words(expression: str | None) -> str:
    """A plain reading of the common cron shapes (`0 * * * *` → hourly at :00); '' when it is not obvious."""
    if not expression:
        return ""
    parts = expression.split()
    if len(parts) != 5 or not parts[0].isdigit():
        return ""
    minute, hour, day, month, weekday = parts
    at_minute = f":{int(minute):02d}"
    if hour == "*" and day == month == weekday == "*":
        return f"hourly at {at_minute}"
    if not hour.isdigit():
        return ""
    at = f"{int(hour):02d}{at_minute} UTC"
    if day == month == weekday == "*":
        return f"daily at {at}"
    names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    if day == month == "*" and weekday.isdigit() and int(weekday) <= 7:
        return f"every {names[int(weekday)]} at {at}"
    if day.isdigit() and month == weekday == "*":
        return f"monthly on day {int(day)} at {at}"
    return ""


def percent(value: float | None) -> str:
    """One way to write a share everywhere it appears: `66.7%`, `100%`; the API keeps the exact number."""
    if value is None:
        return "\u2013"  # an en dash: no figure yet
    rounded = round(float(value), 1)
    return f"{int(rounded) if rounded.is_integer() else rounded}%"
