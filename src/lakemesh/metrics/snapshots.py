"""The `mesh_metrics` Delta table: one row per metric (and per domain/status for product counts) per day.

It lives beside `data_quality_metrics` in the platform's own area (`<data root>/_platform/Tables/mesh_metrics`),
so any Delta reader can chart the mesh's health. Two replicas snapshotting the same day is harmless: reads keep
the newest row per day, metric and dimension.
"""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot

MESH_METRICS_TABLE = "mesh_metrics"
SCHEMA = pa.schema(
    [
        pa.field("day", pa.date32(), nullable=False),
        pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("metric", pa.string(), nullable=False),
        # "" for the mesh-wide value; "<domain>/<status>" for data_products_count's breakdown.
        pa.field("dimension", pa.string(), nullable=False),
        pa.field("value", pa.float64()),
    ]
)

Row = tuple[str, str, float | None]  # metric, dimension, value


class SnapshotTable:
    def __init__(self, delta: DeltaTables, root: DataRoot) -> None:
        self._delta = delta
        self.uri = root.platform_table_uri(MESH_METRICS_TABLE)

    def append(self, day: date, at: datetime, rows: list[Row]) -> int:
        data = pa.table(
            {
                "day": [day] * len(rows),
                "at": [at] * len(rows),
                "metric": [r[0] for r in rows],
                "dimension": [r[1] for r in rows],
                "value": [r[2] for r in rows],
            },
            schema=SCHEMA,
        )
        return self._delta.write(self.uri, data, mode="append")

    def last_day(self) -> date | None:
        if not self._delta.exists(self.uri):
            return None
        days = self._delta.open(self.uri).to_pyarrow_dataset().to_table(columns=["day"])["day"]
        newest = pc.max(days).as_py() if len(days) else None
        return newest if isinstance(newest, date) else None

    def read(self, since: date) -> dict[tuple[date, str, str], float | None]:
        """(day, metric, dimension) -> value from `since` on, the newest snapshot of each day winning."""
        if not self._delta.exists(self.uri):
            return {}
        dataset = self._delta.open(self.uri).to_pyarrow_dataset()
        table = dataset.to_table(filter=pc.field("day") >= pa.scalar(since, pa.date32()))
        table = table.sort_by([("at", "ascending")])
        out: dict[tuple[date, str, str], float | None] = {}
        for day, metric, dimension, value in zip(
            table["day"].to_pylist(),
            table["metric"].to_pylist(),
            table["dimension"].to_pylist(),
            table["value"].to_pylist(),
            strict=True,
        ):
            out[(day, metric, dimension)] = value
        return out
