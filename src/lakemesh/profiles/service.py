"""Profiles of tables: computed by the platform in clear, stored as history, shown to each reader masked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from lakemesh.access.reads import ReadGovernor
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.core.errors import NotFound, invalid
from lakemesh.engine.session import EngineSession
from lakemesh.lakehouses.tables import TableHandle, TableService
from lakemesh.profiles.compute import profile_relation
from lakemesh.profiles.history import ProfileHistory
from lakemesh.profiles.incremental import MAX_APPENDED_SHARE, appended_since, merge_appended, missing_state
from lakemesh.profiles.models import ColumnProfile, ColumnProfilePoint, TableProfile
from lakemesh.profiles.native import ParquetSession, native_files
from lakemesh.storage.delta import arrow_schema

log = logging.getLogger(__name__)
RELATION = "profiled"
MAX_HISTORY = 1000


class ProfileService:
    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        tables: TableService,
        reads: ReadGovernor,
        history: ProfileHistory,
        *,
        memory_limit: str,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._tables = tables
        self._reads = reads
        self.history = history
        self._memory_limit = memory_limit

    # -- use cases -------------------------------------------------------------------------------
    def profile(
        self, actor: Principal, domain: str, lakehouse: str, table: str, *, refresh: bool = False, full: bool = False
    ) -> TableProfile:
        """The table's profile at its current version (computed now if there is none yet, or `refresh`).

        Anyone who may read the table's data sees its profile; masked columns keep only their counts.
        """
        handle = self._locate(actor, domain, lakehouse, table)
        version = self._tables.delta.open(handle.uri).version()
        stored = None if refresh else self.history.latest(handle.table.id, version)
        return self._as_seen_by(actor, handle, stored or self.compute(handle, full=full))

    def stored(self, actor: Principal, domain: str, lakehouse: str, table: str) -> TableProfile | None:
        """The stored profile of the current version as `actor` may see it, without computing one (for pages)."""
        handle = self._locate(actor, domain, lakehouse, table)
        stored = self.history.latest(handle.table.id, self._tables.delta.open(handle.uri).version())
        return self._as_seen_by(actor, handle, stored) if stored is not None else None

    def column_history(
        self, actor: Principal, domain: str, lakehouse: str, table: str, column: str, *, limit: int = 100
    ) -> list[ColumnProfilePoint]:
        """One column's statistics at each stored profile, newest first: its drift."""
        if not 1 <= limit <= MAX_HISTORY:
            raise invalid("limit", f"must be between 1 and {MAX_HISTORY}")
        handle = self._locate(actor, domain, lakehouse, table)
        points = self.history.column_history(handle.table.id, column, limit=limit)
        if not points and column not in self._tables.delta.open(handle.uri).schema().to_arrow().names:
            raise NotFound(f"Table {handle.qualified_name} has no column {column!r}")
        withheld = self._reads.plan(actor, handle).function_for(column) is not None
        for point in points:
            point.column = _withheld(point.column) if withheld else point.column
        return points

    def compute(self, handle: TableHandle, *, full: bool = False) -> TableProfile:
        """Profile the table's current version in clear and store it (the platform's own read; never returned
        to a caller without `_as_seen_by`). An append-only table is profiled incrementally from its previous
        profile (docs/profiles.md) unless `full`."""
        delta = self._tables.delta.open(handle.uri)
        schema = arrow_schema(delta)
        version = delta.version()
        previous = None if full else self.history.newest(handle.table.id)
        appended = self._appended_files(handle, delta, schema, previous, version)
        profile = None
        if previous is not None and appended is not None:
            profile = self._incremental(delta, schema, previous, appended)
        if profile is None:
            with self._session(delta) as engine:
                rows, columns = profile_relation(engine, RELATION, schema)
            profile = TableProfile(
                table=handle.qualified_name, version=version, rows=rows, computed_at=self._clock.now(), columns=columns
            )
        last = delta.history(1)
        profile.table, profile.version, profile.computed_at = handle.qualified_name, version, self._clock.now()
        profile.last_modified = datetime.fromtimestamp(last[0]["timestamp"] / 1000, UTC) if last else None
        self.history.append(handle.table.id, profile)
        return profile

    def _appended_files(
        self, handle: TableHandle, delta: DeltaTable, schema: pa.Schema, previous: TableProfile | None, version: int
    ) -> list[str] | None:
        """The data files appended since `previous` was profiled, when only appends happened since (and DuckDB
        reads the files as they are); None when the table must be profiled in full."""
        if previous is None or not previous.rows or previous.version >= version:
            return None
        if [(c.name, c.type) for c in previous.columns] != [(f.name, str(f.type)) for f in schema]:
            return None  # the schema changed
        if missing_state(previous.columns):
            return None
        names = appended_since(self._tables.delta, handle.uri, previous.version, version)
        return native_files(delta, names) if names else None

    def _incremental(
        self, delta: DeltaTable, schema: pa.Schema, previous: TableProfile, files: list[str]
    ) -> TableProfile | None:
        with ParquetSession(RELATION, files, memory_limit=self._memory_limit, schema=schema) as engine:
            rows, columns = merge_appended(engine, RELATION, schema, previous.columns, previous.rows)
        appended = previous.appended_rows + rows - previous.rows
        if appended > MAX_APPENDED_SHARE * rows:
            return None  # quantiles could have moved too far: profile in full
        return TableProfile(
            table=previous.table,
            version=delta.version(),
            rows=rows,
            computed_at=self._clock.now(),
            columns=columns,
            method="incremental",
            appended_rows=appended,
        )

    def profile_changed(self) -> int:
        """Scheduled: profile every table whose current version has no profile yet; returns how many."""
        done = 0
        for handle in self._tables.every_handle():
            try:
                version = self._tables.delta.open(handle.uri).version()
                if self.history.latest(handle.table.id, version) is None:
                    self.compute(handle)
                    done += 1
            except (DeltaError, OSError) as exc:  # one unreadable table must not stop the others
                log.warning("could not profile %s: %s", handle.qualified_name, exc)
        return done

    # -- internals -------------------------------------------------------------------------------
    def _locate(self, actor: Principal, domain: str, lakehouse: str, table: str) -> TableHandle:
        with self._catalog.read() as session:
            return self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_READ)

    def _as_seen_by(self, actor: Principal, handle: TableHandle, profile: TableProfile) -> TableProfile:
        plan = self._reads.plan(actor, handle)
        if plan.clear:
            return profile
        columns = [_withheld(c) if plan.function_for(c.name) is not None else c for c in profile.columns]
        return profile.model_copy(update={"columns": columns})

    def _session(self, delta: DeltaTable) -> EngineSession:
        files = native_files(delta)
        if files is not None:
            return ParquetSession(RELATION, files, memory_limit=self._memory_limit, schema=arrow_schema(delta))
        engine = EngineSession(memory_limit=self._memory_limit, threads=2)
        engine.register(RELATION, delta.to_pyarrow_dataset())
        return engine


def _withheld(column: ColumnProfile) -> ColumnProfile:
    """What a reader of a masked column may know: how many values there are and how many are missing."""
    return ColumnProfile(
        name=column.name,
        type=column.type,
        rows=column.rows,
        nulls=column.nulls,
        null_pct=column.null_pct,
        withheld=True,
    )
