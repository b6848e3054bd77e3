"""The work a Ray worker does: Daft over a Delta table or Arrow inputs, and delta-rs compaction.

Workers get only what the task needs: a table's URI, version and storage options, or the Arrow inputs of a
query. They never see the catalog. Each function is safe to run twice (a retried task reads the same pinned
version; compaction of a compacted table changes nothing), which is what makes Ray's retries correct.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from lakemesh.executors import DeltaSource
from lakemesh.executors.daft_sql import DaftQuery, NotDistributable


def scan_delta(source: DeltaSource, relation: str, query: DaftQuery) -> pa.Table:
    """Run a compiled scan (or its sample query) over one pinned version of a Delta table."""
    daft = _native_daft()
    frame = daft.read_deltalake(source.uri, version=source.version, io_config=io_config(source.storage_options))
    return _run(query, {relation: frame})


def run_query(query: DaftQuery, inputs: Mapping[str, pa.Table]) -> pa.Table:
    """Run a gated query over Arrow inputs (read, with governance applied, by the server)."""
    daft = _native_daft()
    return _run(query, {name: daft.from_arrow(table) for name, table in inputs.items()})


def compact_table(source: DeltaSource, actor: str | None) -> dict[str, Any]:
    """OPTIMIZE compact through delta-rs, committed to the table's log with the actor recorded."""
    from deltalake import CommitProperties, DeltaTable

    table = DeltaTable(source.uri, storage_options=source.storage_options or None)
    metadata = {"lakemesh.actor": actor} if actor else None
    metrics: dict[str, Any] = table.optimize.compact(commit_properties=CommitProperties(custom_metadata=metadata))
    return metrics


def plan(query: DaftQuery, schemas: Mapping[str, pa.Schema]) -> pa.Schema:
    """Plan the query over empty inputs: the schema Daft will return, or NotDistributable if Daft cannot run it."""
    import daft

    frames = {name: daft.from_arrow(schema.empty_table()) for name, schema in schemas.items()}
    try:
        return _frame(query, frames).schema().to_pyarrow_schema()
    except Exception as exc:  # Daft raises several exception types for SQL it does not support
        raise NotDistributable(f"Daft cannot run this query: {str(exc).splitlines()[0]}") from exc


def io_config(options: Mapping[str, str]) -> Any:
    """Daft's S3 settings from the data root's delta-rs storage options; None for local tables."""
    if not options:
        return None
    from daft.io import IOConfig, S3Config

    endpoint = options.get("AWS_ENDPOINT_URL")
    return IOConfig(
        s3=S3Config(
            endpoint_url=endpoint,
            region_name=options.get("AWS_REGION"),
            key_id=options.get("AWS_ACCESS_KEY_ID"),
            access_key=options.get("AWS_SECRET_ACCESS_KEY"),
            use_ssl=not (endpoint or "").startswith("http://"),
            force_virtual_addressing=False,
        )
    )


def _native_daft() -> Any:
    """Daft with its in-process runner: inside a Ray task it would otherwise start a Ray job of its own."""
    import daft
    from daft.daft import get_runner

    if get_runner() is None:
        daft.set_runner_native()
    return daft


def _run(query: DaftQuery, frames: Mapping[str, Any]) -> pa.Table:
    result: pa.Table = _frame(query, frames).to_arrow()
    return result


def _frame(query: DaftQuery, frames: Mapping[str, Any]) -> Any:
    import daft

    return daft.sql(query.sql, register_globals=False, **frames)
