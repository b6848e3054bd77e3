"""Data in and out of lakehouse tables: writes (checked before they commit), reads, time travel, maintenance."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import pyarrow as pa
from deltalake.exceptions import DeltaError

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden, InvalidInput, LakemeshError, invalid
from lakemesh.executors import Executor
from lakemesh.lakehouses.maintenance import compact
from lakemesh.lakehouses.models import CommitInfo, OptimizeResult, VacuumResult, WriteResult
from lakemesh.lakehouses.tables import TableHandle, TableService, merge_columns
from lakemesh.storage import textcast
from lakemesh.storage.delta import WriteMode
from lakemesh.storage.schemas import compare, conform, delta_schema

SchemaMode = Literal["merge", "overwrite"]
METADATA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_METADATA = 20
MAX_METADATA_VALUE = 1024


class BatchCheck(Protocol):
    """Sees every batch before it is written; `finish()` raises to refuse the whole write."""

    def check(self, batch: pa.RecordBatch) -> None: ...

    def finish(self) -> list[str]: ...


# Access control registers a transform per read (column masking): given the reader and the table, a function
# applied to every batch they receive, or None when they may see everything.
ReadTransform = Callable[[Principal, TableHandle], Callable[[pa.RecordBatch], pa.RecordBatch] | None]

# Products register a guard: given the table and the schema of the data, a check to run, or None.
WriteGuard = Callable[[TableHandle, pa.Schema, str], BatchCheck | None]


@dataclass
class _Stream:
    """Counts rows, runs checks, and keeps the first error raised inside the stream (delta-rs wraps it)."""

    checks: list[BatchCheck]
    rows: int = 0
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)

    def run(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            for batch in batches:
                for check in self.checks:
                    check.check(batch)
                self.rows += batch.num_rows
                yield batch
            for check in self.checks:
                self.warnings.extend(check.finish())
        except BaseException as exc:
            self.error = exc
            raise


class TableData:
    def __init__(self, catalog: Catalog, clock: Clock, tables: TableService, executor: Executor | None = None) -> None:
        self._catalog = catalog
        self._clock = clock
        self._tables = tables
        self._guards: list[WriteGuard] = []
        self._read_transforms: list[ReadTransform] = []
        self.executor = executor  # large tables are compacted there (Ray)

    def register_write_guard(self, guard: WriteGuard) -> None:
        self._guards.append(guard)

    def register_read_transform(self, transform: ReadTransform) -> None:
        self._read_transforms.append(transform)

    def write(
        self,
        actor: Principal,
        domain: str,
        lakehouse: str,
        table: str,
        data: pa.RecordBatchReader | pa.Table,
        *,
        mode: WriteMode = "append",
        schema_mode: SchemaMode | None = None,
        merge_keys: list[str] | None = None,
        commit_metadata: dict[str, str] | None = None,
    ) -> WriteResult:
        """Create the table on first write; otherwise check the schema, run the guards, then commit.

        `commit_metadata` is kept with the commit and shown in the table's history (e.g. a loader's load id).
        """
        if mode not in ("append", "overwrite"):
            raise invalid("mode", "must be append or overwrite")
        metadata = checked_metadata(commit_metadata)
        reader = data.to_reader() if isinstance(data, pa.Table) else data
        with self._catalog.transaction() as session:
            handle = self._tables.locate_for_write(session, actor, domain, lakehouse, table)
        exists = self._tables.delta.exists(handle.uri)
        reader = self._typed_text(reader, handle, exists)
        incoming = delta_schema(reader.schema)
        target = incoming
        if exists and schema_mode is None:
            errors, target = compare(incoming, self._tables.delta.snapshot(handle.uri).schema)
            if errors:
                raise InvalidInput("The data does not match the table's schema; nothing was written", errors=errors)
        write_kind = "merge" if merge_keys else mode
        checks = [c for guard in self._guards if (c := guard(handle, target, write_kind)) is not None]
        stream = _Stream(checks)
        batches = stream.run(conform(iter(reader), reader.schema, target))
        source = pa.RecordBatchReader.from_batches(target, batches)
        try:
            if merge_keys:
                version = self._merge(handle, source, merge_keys, actor, exists, metadata)
            else:
                version = self._tables.delta.write(
                    handle.uri, source, mode=mode, schema_mode=schema_mode, actor=actor.name, metadata=metadata
                )
        except (DeltaError, pa.ArrowException, OSError, ValueError) as exc:
            self._forget_if_new(handle, exists)
            if isinstance(stream.error, LakemeshError):
                raise stream.error from None
            for check in checks:  # a contract violation explains a refusal better than the storage error
                check.finish()
            raise invalid("data", f"the write was refused by the storage layer: {str(exc).splitlines()[0]}") from exc
        except LakemeshError:
            self._forget_if_new(handle, exists)
            raise
        self._after_write(actor, handle, version, mode if not merge_keys else "merge", stream.rows)
        return WriteResult(
            table=handle.qualified_name,
            version=version,
            mode=mode if not merge_keys else "merge",
            rows_written=stream.rows,
            warnings=stream.warnings,
        )

    def _typed_text(self, reader: pa.RecordBatchReader, handle: TableHandle, exists: bool) -> pa.RecordBatchReader:
        """CSV / JSON lines: parsed with an existing table's types; a CSV for a new table gets inferred types."""
        fmt = textcast.text_format(reader.schema)
        if fmt is None:
            return reader
        if exists:
            return textcast.parsed_as(reader, self._tables.delta.snapshot(handle.uri).schema)
        if fmt == "csv":
            return textcast.inferred(reader)
        plain = reader.schema.remove_metadata()
        return pa.RecordBatchReader.from_batches(plain, (b.replace_schema_metadata(None) for b in reader))

    def _forget_if_new(self, handle: TableHandle, existed: bool) -> None:
        """A table created by a first write that failed leaves nothing behind."""
        if existed or self._tables.delta.exists(handle.uri):
            return
        with self._catalog.transaction() as session:
            row = session.get(type(handle.table), handle.table.id)
            if row is not None and row.version is None:
                session.delete(row)

    def _merge(
        self,
        handle: TableHandle,
        source: pa.RecordBatchReader,
        keys: list[str],
        actor: Principal,
        exists: bool,
        metadata: dict[str, str],
    ) -> int:
        if not exists:
            return self._tables.delta.write(handle.uri, source, mode="append", actor=actor.name, metadata=metadata)
        names = {n.lower(): n for n in source.schema.names}
        missing = [k for k in keys if k.lower() not in names]
        if missing:
            raise invalid("merge_keys", f"not columns of the data: {missing}")
        keys = [names[k.lower()] for k in keys]
        return self._tables.delta.merge(handle.uri, source, keys, actor=actor.name, metadata=metadata)

    def _after_write(self, actor: Principal, handle: TableHandle, version: int, mode: str, rows: int) -> None:
        snapshot = self._tables.delta.snapshot(handle.uri)
        with self._catalog.transaction() as session:
            row = session.get(type(handle.table), handle.table.id, with_for_update=True)
            if row is None:  # deleted while we wrote; the data stays in the log until vacuum
                return
            if row.version is None or snapshot.version >= row.version:  # another replica may have recorded a newer one
                row.columns = merge_columns(row.columns, snapshot.schema)
                row.version, row.row_count = snapshot.version, snapshot.row_count
                row.size_bytes = snapshot.size_bytes
            row.last_write_at = self._clock.now()
            row.updated_at = row.last_write_at
            self._tables.journal(
                session,
                actor,
                self._tables.handle(handle.domain, handle.lakehouse, row),
                "table.written",
                after={"version": version, "mode": mode, "rows": rows},
            )

    def read(
        self,
        actor: Principal,
        domain: str,
        lakehouse: str,
        table: str,
        *,
        version: int | None = None,
        timestamp: datetime | None = None,
        columns: list[str] | None = None,
        limit: int | None = None,
    ) -> pa.RecordBatchReader:
        if limit is not None and limit < 0:
            raise invalid("limit", "must be zero or more")
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_READ)
        if version is None and timestamp is None:
            version = handle.pinned_version  # a shortcut that pins a version reads it unless asked otherwise
        reader = self._tables.delta.read(handle.uri, version=version, timestamp=timestamp, columns=columns, limit=limit)
        transforms = [t for make in self._read_transforms if (t := make(actor, handle)) is not None]
        if not transforms:
            return reader
        return _transformed(reader, transforms)

    def history(
        self, actor: Principal, domain: str, lakehouse: str, table: str, *, limit: int = 50
    ) -> list[CommitInfo]:
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
            owner = self._tables.is_owner(session, actor, handle)
        return [
            CommitInfo(
                version=c.version,
                at=c.at,
                operation=c.operation,
                actor=c.actor,
                rows_added=c.rows_added,
                parameters={k: v if owner else _hide_locations(v) for k, v in c.parameters.items() if k != "metadata"},
                metadata=c.metadata,
            )
            for c in self._tables.delta.history(handle.uri, limit=limit)
        ]

    def vacuum(
        self,
        actor: Principal,
        domain: str,
        lakehouse: str,
        table: str,
        *,
        retention_hours: int | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> VacuumResult:
        """Removes files no version within the retention needs; below the lakehouse's retention only with force."""
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_WRITE)
        minimum = (handle.table.retention_days or handle.lakehouse.retention_days) * 24
        hours = minimum if retention_hours is None else retention_hours
        if hours < 0:
            raise invalid("retention_hours", "must be zero or more")
        if hours < minimum and not force:
            raise invalid(
                "retention_hours", f"is below the lakehouse's retention of {minimum}h; a platform admin may force it"
            )
        if hours < minimum and not actor.is_platform_admin:
            raise Forbidden("Only platform admins may vacuum below the lakehouse's retention")
        removed = self._tables.delta.vacuum(
            handle.uri, retention_hours=hours, enforce=hours >= 168, dry_run=dry_run, actor=actor.name
        )
        if not dry_run:
            with self._catalog.transaction() as session:
                self._tables.journal(
                    session, actor, handle, "table.vacuumed", after={"retention_hours": hours, "files": len(removed)}
                )
        return VacuumResult(dry_run=dry_run, retention_hours=hours, files_removed=len(removed), files=removed[:1000])

    def optimize(self, actor: Principal, domain: str, lakehouse: str, table: str) -> OptimizeResult:
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_WRITE)
        metrics = compact(self._tables, handle.uri, actor=actor.name, executor=self.executor)
        version = self._tables.delta.snapshot(handle.uri).version
        with self._catalog.transaction() as session:
            self._tables.journal(session, actor, handle, "table.optimized", after={"version": version})
        return OptimizeResult(
            version=version,
            files_added=int(metrics.get("numFilesAdded", 0)),
            files_removed=int(metrics.get("numFilesRemoved", 0)),
            metrics=metrics,
        )


def checked_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Writers may label a commit with a few short string pairs; anything else is refused, not truncated."""
    if not metadata:
        return {}
    if not isinstance(metadata, dict) or len(metadata) > MAX_METADATA:
        raise invalid("commit_metadata", f"must be an object of at most {MAX_METADATA} string pairs")
    for key, value in metadata.items():
        if not isinstance(key, str) or not METADATA_KEY.match(key):
            raise invalid("commit_metadata", f"key {key!r} must be 1-64 letters, digits, '_', '.', ':' or '-'")
        if not isinstance(value, str) or len(value) > MAX_METADATA_VALUE:
            raise invalid("commit_metadata", f"value of {key!r} must be a string of at most {MAX_METADATA_VALUE}")
    return dict(metadata)


def _transformed(
    reader: pa.RecordBatchReader, transforms: list[Callable[[pa.RecordBatch], pa.RecordBatch]]
) -> pa.RecordBatchReader:
    def apply(batch: pa.RecordBatch) -> pa.RecordBatch:
        for transform in transforms:
            batch = transform(batch)
        return batch

    schema = apply(pa.RecordBatch.from_pylist([], schema=reader.schema)).schema
    return pa.RecordBatchReader.from_batches(schema, (apply(batch) for batch in reader))


_LOCATION = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"',]*")


def _hide_locations(value: Any) -> Any:
    """Storage URIs (`file:///srv/...`, `s3://bucket/...`) in commit parameters are for the owning domain only."""
    return _LOCATION.sub("<storage location>", value) if isinstance(value, str) else value
