"""Table profiles (per-column statistics and their history) on the in-process `Mesh`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.auth.models import Principal
from lakemesh.facade.operation import remote
from lakemesh.profiles.models import ColumnProfilePoint, TableProfile

if TYPE_CHECKING:
    from lakemesh.platform import Platform

PROFILE = "/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}/profile"


class ProfileMethods:
    platform: Platform
    principal: Principal

    @remote("GET", PROFILE)
    def get_table_profile(self, domain: str, lakehouse: str, table: str) -> TableProfile:
        """Per-column statistics of the table's current version (computed now if none is stored yet).

        Columns masked for you keep only their row and null counts (`withheld`).
        """
        return self.platform.profiles.profile(self.principal, domain, lakehouse, table)

    @remote("POST", PROFILE, query=("full",))
    def profile_table(self, domain: str, lakehouse: str, table: str, *, full: bool = False) -> TableProfile:
        """Profile the table now, in one scan, and keep the result in the `data_profiles` history.

        A table only appended to since its last profile is profiled from the appended files (`method:
        incremental`, docs/profiles.md); `full` scans the whole version instead.
        """
        return self.platform.profiles.profile(self.principal, domain, lakehouse, table, refresh=True, full=full)

    @remote("GET", PROFILE + "/columns/{column}", query=("limit",))
    def column_profile_history(
        self, domain: str, lakehouse: str, table: str, column: str, *, limit: int = 100
    ) -> list[ColumnProfilePoint]:
        """One column's statistics at each stored profile, newest first (how it drifted)."""
        return self.platform.profiles.column_history(self.principal, domain, lakehouse, table, column, limit=limit)
