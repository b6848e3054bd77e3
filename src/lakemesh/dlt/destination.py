"""A dlt custom destination (`@dlt.destination`) that writes each load job through the table-data write path.

dlt's write dispositions map onto Lakemesh writes: `append` appends, `replace` overwrites on the load's first job for
a table, `merge` with a primary key upserts on it. dlt's column contract maps onto `schema_mode` (`evolve` lets new
columns in, anything stricter makes a mismatch a refusal). A batch Lakemesh refuses (a product contract, a policy,
a bad name) fails the load at once with Lakemesh's own words and leaves the table at its last good version.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import dlt
import pyarrow as pa
import pyarrow.parquet as pq
from dlt.common.destination.exceptions import DestinationTerminalException

from lakemesh.core.errors import LakemeshError, NotFound
from lakemesh.dlt.lineage import load_event

if TYPE_CHECKING:
    from dlt.common.schema.typing import TTableSchema

    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh

LOAD_ID_KEY = "dlt.load_id"
PIPELINE_KEY = "dlt.pipeline"
_REPLACED = "lakemesh_replaced"  # tables already overwritten in this load (kept in dlt's load package state)
_PATH_LIKE = ("/", "\\", "..")


class LakemeshRefused(DestinationTerminalException):
    """Lakemesh refused a batch: retrying would be refused again, so dlt fails the load at once."""


class _Connection:
    """The Lakemesh the destination writes to, opened on first use and shared by the load's jobs."""

    def __init__(
        self, url: str | None, token: str | None, home: str | Path | None, mesh: Mesh | RemoteMesh | None
    ) -> None:
        self._url, self._token, self._home = url, token, home
        self._mesh = mesh
        self._lock = threading.Lock()

    def get(self) -> Mesh | RemoteMesh:
        with self._lock:
            if self._mesh is None:
                self._mesh = self._open()
            return self._mesh

    def _open(self) -> Mesh | RemoteMesh:
        if self._url:
            from lakemesh.sdk.client import RemoteMesh

            if not self._token:
                raise ValueError("lakemesh.dlt.destination: url= needs token= (a Lakemesh API token)")
            return RemoteMesh(self._url, self._token)
        if self._home is not None:
            from lakemesh.mesh import Mesh

            return Mesh.open(self._home, token=self._token)
        from lakemesh.connection import connect_from_env

        return connect_from_env()


def destination(
    domain: str,
    lakehouse: str,
    *,
    url: str | None = None,
    token: str | None = None,
    home: str | Path | None = None,
    mesh: Mesh | RemoteMesh | None = None,
    name: str = "lakemesh",
) -> Any:
    """A dlt destination loading into `domain`/`lakehouse`: a server (`url=`, `token=`), a home (`home=`), an open
    `mesh=`, or, with none of them, what LAKEMESH_URL / LAKEMESH_TOKEN name (the local home when unset)."""
    connection = _Connection(url, token, home, mesh)

    def lakemesh_sink(items: Any, table: TTableSchema) -> None:
        _load_file(connection.get(), domain, lakehouse, str(items), table)  # batch_size=0: the job's file path

    factory = dlt.destination(
        lakemesh_sink,
        name=name,
        batch_size=0,  # one call per load job with its Parquet file: one Lakemesh commit per job
        loader_file_format="parquet",
        naming_convention="snake_case",
        loader_parallelism_strategy="table-sequential",
    )
    return factory()


def _load_file(mesh: Mesh | RemoteMesh, domain: str, lakehouse: str, path: str, table: TTableSchema) -> None:
    name = str(table["name"])
    resource = str(table.get("resource") or name)
    _check_resource_name(resource, name)
    load_id = dlt.current.load_package_state()["load_id"]
    pipeline = dlt.current.pipeline().pipeline_name
    columns = [c for c in table.get("columns", {}) if c in _file_columns(path)]
    reader = pq.ParquetFile(path).iter_batches(columns=columns or None)
    schema = pq.read_schema(path)
    if columns:
        schema = pa.schema([schema.field(c) for c in columns])
    data = pa.RecordBatchReader.from_batches(schema, reader)
    mode, merge_keys = _disposition(table, name)
    metadata = {LOAD_ID_KEY: load_id, PIPELINE_KEY: pipeline}
    schema_mode = _schema_mode(table, mode, _existing_columns(mesh, domain, lakehouse, name), schema.names)
    try:
        result = mesh.write_table(
            domain,
            lakehouse,
            name,
            data,
            mode=mode,
            schema_mode=schema_mode,
            merge_keys=merge_keys,
            commit_metadata=metadata,
        )
    except LakemeshError as exc:
        if exc.status >= 500:
            raise  # the server's trouble: dlt retries the job
        failed = load_event("FAIL", domain, f"{domain}.{lakehouse}.{name}", pipeline, load_id, resource, exc)
        raise LakemeshRefused(
            f"Lakemesh refused the batch for table {name!r} (dlt resource {resource!r}, load {load_id}); the table "
            f"keeps its last good version. {type(exc).__name__} ({exc.status}): {exc}{_recorded(mesh, failed)}"
        ) from exc
    if mode == "overwrite":
        _replaced_tables().append(name)
    mesh.post_lineage(load_event("COMPLETE", domain, result.table, pipeline, load_id, resource))


def _recorded(mesh: Mesh | RemoteMesh, event: dict[str, Any]) -> str:
    """Record the failed run in lineage; when even that is refused (e.g. no such domain), say so in the message."""
    try:
        mesh.post_lineage(event)
    except LakemeshError as exc:
        return f" (the failed run was not recorded in lineage: {exc})"
    return ""


def _check_resource_name(resource: str, table: str) -> None:
    """dlt would quietly turn `../escape` into `_escape`; a name shaped like a path is a mistake worth stopping."""
    if any(part in resource for part in _PATH_LIKE):
        raise LakemeshRefused(
            f"The dlt resource name {resource!r} looks like a path; Lakemesh table names are letters, digits and "
            f"underscores. Name the resource like a table (dlt would have loaded it as {table!r})."
        )


def _file_columns(path: str) -> set[str]:
    return set(pq.read_schema(path).names)


def _disposition(table: Mapping[str, Any], name: str) -> tuple[str, list[str] | None]:
    disposition = table.get("write_disposition") or "append"
    if disposition == "replace":
        return ("append" if name in _replaced_tables() else "overwrite"), None
    if disposition == "merge":
        keys = [c for c, spec in table.get("columns", {}).items() if spec.get("primary_key")]
        keys = keys or [c for c, spec in table.get("columns", {}).items() if spec.get("merge_key")]
        return "append", keys or None  # dlt's rule: merge without keys appends
    return "append", None


def _existing_columns(mesh: Mesh | RemoteMesh, domain: str, lakehouse: str, table: str) -> set[str] | None:
    try:
        info = mesh.get_table(domain, lakehouse, table)
    except NotFound:
        return None
    return {c.name.lower() for c in info.columns} if info.version is not None else None


def _schema_mode(
    table: Mapping[str, Any], mode: str, existing: set[str] | None, incoming: list[str]
) -> Literal["merge", "overwrite"] | None:
    """dlt's `columns` contract: `evolve` (its default) lets new columns in; `freeze` and `discard_*` do not.

    Only a write that needs it asks to evolve: a plain write streams straight to storage.
    """
    contract = table.get("schema_contract")
    columns = contract.get("columns", "evolve") if isinstance(contract, dict) else (contract or "evolve")
    if columns != "evolve" or existing is None:
        return None
    if mode == "overwrite":
        return "overwrite"
    return "merge" if {c.lower() for c in incoming} - existing else None


def _replaced_tables() -> list[str]:
    state: list[str] = dlt.current.destination_state().setdefault(_REPLACED, [])
    return state
