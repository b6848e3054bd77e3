"""Table profiles: per-column statistics, computed in one scan, masked per reader, and their history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.api.limits import HeavySlot
from lakemesh.profiles.models import ColumnProfilePoint, TableProfile

router = APIRouter(tags=["profiles"])
PROFILE = "/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}/profile"
MASKING = (
    "Anyone who may read the table's data sees its profile; columns masked for the caller keep only `rows`, "
    "`nulls` and `null_pct` (`withheld: true`). `distinct` and `quantiles` are approximate (docs/profiles.md)."
)


@router.get(
    PROFILE,
    summary="The table's profile at its current version",
    description="Computed on first request when none is stored for this version. " + MASKING,
)
def get_profile(domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller) -> TableProfile:
    return platform.profiles.profile(caller, domain, lakehouse, table)


@router.post(
    PROFILE,
    summary="Profile the table now",
    description="One scan of the current version (of the files appended since the last profile, when the table was "
    "only appended to, unless `full`); the result is appended to `data_profiles`. " + MASKING,
    dependencies=[HeavySlot],
)
def post_profile(
    domain: str,
    lakehouse: str,
    table: str,
    platform: PlatformDep,
    caller: Caller,
    full: Annotated[bool, Query(description="Scan the whole version, even after appends only.")] = False,
) -> TableProfile:
    return platform.profiles.profile(caller, domain, lakehouse, table, refresh=True, full=full)


@router.get(PROFILE + "/columns/{column}", summary="One column's statistics over time, newest first")
def column_history(
    domain: str,
    lakehouse: str,
    table: str,
    column: str,
    platform: PlatformDep,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ColumnProfilePoint]:
    return platform.profiles.column_history(caller, domain, lakehouse, table, column, limit=limit)
