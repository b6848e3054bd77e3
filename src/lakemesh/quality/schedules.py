"""Cron schedules of quality runs: five-field expressions in UTC, next run computed with croniter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import croniter

from lakemesh.core.errors import invalid

MIN_INTERVAL = timedelta(minutes=1)


def parse_cron(expression: str) -> str:
    """A normalised five-field cron expression, or InvalidInput naming the problem."""
    text = " ".join(expression.split())
    if len(text.split(" ")) != 5:
        raise invalid("cron", f"{expression!r} is not a five-field cron expression like '0 6 * * *'")
    if not croniter.is_valid(text):
        raise invalid("cron", f"{expression!r} is not a valid cron expression")
    return text


def next_run(expression: str, after: datetime) -> datetime:
    """The first time strictly after `after` that the expression matches (UTC)."""
    start = after.astimezone(UTC)
    following: datetime = croniter(expression, start).get_next(datetime)
    return following.astimezone(UTC)
