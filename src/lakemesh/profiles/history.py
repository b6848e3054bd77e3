"""The `data_profiles` Delta table: one row per column per profile, so drift is visible over versions.

It lives beside `data_quality_metrics` in the platform's own lakehouse, readable by any Delta tool; through
Lakemesh a reader sees a table's rows only with the masking that applies to them (ProfileService).
Distributions are kept as JSON text, so the table's schema stays flat and stable across column types.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.profiles.models import ColumnProfile, ColumnProfilePoint, TableProfile
from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot

PROFILES_TABLE = "data_profiles"
SCHEMA = pa.schema(
    [
        pa.field("table_id", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("table_version", pa.int64(), nullable=False),
        pa.field("computed_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("last_modified", pa.timestamp("us", tz="UTC")),
        pa.field("column_name", pa.string(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),
        pa.field("profile", pa.string(), nullable=False),  # the ColumnProfile as JSON
    ]
)


class ProfileHistory:
    def __init__(self, delta: DeltaTables, root: DataRoot) -> None:
        self._delta = delta
        self.uri = root.platform_table_uri(PROFILES_TABLE)
        self._latest: dict[str, TableProfile] = {}  # table id -> newest profile (this process wrote or read it)
        self._lock = threading.Lock()

    def append(self, table_id: str, profile: TableProfile) -> None:
        rows = [
            {
                "table_id": table_id,
                "table_name": profile.table,
                "table_version": profile.version,
                "computed_at": profile.computed_at,
                "last_modified": profile.last_modified,
                "column_name": column.name,
                "position": position,
                "profile": _stored(profile, column),
            }
            for position, column in enumerate(profile.columns)
        ]
        if rows:
            self._delta.write(self.uri, pa.Table.from_pylist(rows, schema=SCHEMA), mode="append")
        with self._lock:
            self._latest[table_id] = profile

    def latest(self, table_id: str, version: int) -> TableProfile | None:
        """The newest stored profile of the table at `version`, or None."""
        with self._lock:
            cached = self._latest.get(table_id)
        if cached is not None and cached.version == version:
            return cached
        rows = self._rows(pc.field("table_id") == table_id)
        if rows.num_rows == 0:
            return None
        rows = rows.filter(pc.equal(rows["table_version"], version))
        if rows.num_rows == 0:
            return None
        newest = pc.max(rows["computed_at"]).as_py()
        rows = rows.filter(pc.equal(rows["computed_at"], pa.scalar(newest, rows.schema.field("computed_at").type)))
        profile = _table_profile(rows.sort_by("position").to_pylist())
        with self._lock:
            self._latest[table_id] = profile
        return profile

    def newest(self, table_id: str) -> TableProfile | None:
        """The table's newest stored profile, whatever its version (what an incremental profile builds on)."""
        with self._lock:
            cached = self._latest.get(table_id)
        rows = self._rows(pc.field("table_id") == table_id)
        if rows.num_rows == 0:
            return None
        version = pc.max(rows["table_version"]).as_py()
        if cached is not None and cached.version == version:
            return cached
        return self.latest(table_id, version)

    def column_history(self, table_id: str, column: str, *, limit: int) -> list[ColumnProfilePoint]:
        """The column's statistics at each profile, newest first."""
        rows = self._rows((pc.field("table_id") == table_id) & (pc.field("column_name") == column))
        rows = rows.sort_by([("computed_at", "descending")]).slice(0, limit)
        return [
            ColumnProfilePoint(
                version=r["table_version"],
                computed_at=r["computed_at"],
                column=ColumnProfile.model_validate_json(r["profile"]),  # without the stored state
            )
            for r in rows.to_pylist()
        ]

    def _rows(self, where: pc.Expression) -> pa.Table:
        if not self._delta.exists(self.uri):
            return SCHEMA.empty_table()
        return self._delta.open(self.uri).to_pyarrow_dataset().to_table(filter=where)


def _stored(profile: TableProfile, column: ColumnProfile) -> str:
    """The column's profile as JSON, with what a later incremental profile needs (the table's method and rows
    appended since its last full profile, the column's value counts); readers of the history ignore these."""
    document = column.model_dump(mode="json")
    document["method"], document["appended_rows"] = profile.method, profile.appended_rows
    if column.value_counts is not None:
        document["value_counts"] = [[value, count] for value, count in column.value_counts]
    return json.dumps(document, default=str)


def _table_profile(rows: list[dict[str, Any]]) -> TableProfile:
    documents = [json.loads(r["profile"]) for r in rows]
    columns = [ColumnProfile.model_validate(d) for d in documents]
    first = rows[0]
    computed: datetime = first["computed_at"]
    return TableProfile(
        table=first["table_name"],
        version=first["table_version"],
        rows=columns[0].rows if columns else 0,
        computed_at=computed,
        last_modified=first["last_modified"],
        columns=columns,
        method=documents[0].get("method", "full") if documents else "full",
        appended_rows=int(documents[0].get("appended_rows", 0)) if documents else 0,
    )
