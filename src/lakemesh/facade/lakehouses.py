"""Templates, lakehouses, tables, table data and files on the in-process `Mesh`."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, composed, remote
from lakemesh.lakehouses.models import (
    CommitInfo,
    FileInfo,
    Lakehouse,
    LakehouseCreate,
    LakehouseUpdate,
    OptimizeResult,
    TableCreate,
    TableInfo,
    TableUpdate,
    VacuumResult,
    WriteResult,
    columns_from,
)
from lakemesh.storage.arrowio import ARROW_STREAM, as_reader
from lakemesh.templates.models import Template, TemplateDocument, TemplateVersion

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport

TEMPLATE = "/api/v1/templates/{name}"
LAKEHOUSES = "/api/v1/domains/{domain}/lakehouses"
LAKEHOUSE = LAKEHOUSES + "/{name}"
TABLES = LAKEHOUSES + "/{lakehouse}/tables"
TABLE = TABLES + "/{table}"
FILE = LAKEHOUSES + "/{lakehouse}/files/{path:path}"


def _joined(values: Iterable[str] | None) -> str | None:
    return ",".join(values) if values else None


def _table_fields(a: Args) -> dict[str, Any]:
    fields = {k: a[k] for k in ("name", "layer", "description", "change_data_feed")}
    fields["columns"] = columns_from(a["schema"], a["column_descriptions"], a["sensitivity_labels"])
    fields["partition_columns"] = list(a["partition_columns"])
    return fields


def _stream(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    """An Arrow IPC stream body, produced batch by batch so large writes are not held in memory."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            yield sink.getvalue()
            sink.seek(0)
            sink.truncate()
    yield sink.getvalue()


def _write_table(http: Transport, path: str, a: Args) -> WriteResult:
    params = {"mode": a["mode"], "schema_mode": a["schema_mode"], "merge_keys": _joined(a["merge_keys"])}
    if a["commit_metadata"]:
        params["commit_metadata"] = json.dumps(a["commit_metadata"])
    response = http.request(
        "POST",
        path,
        params={k: v for k, v in params.items() if v is not None},
        content=_stream(as_reader(a["data"])),
        headers={"Content-Type": ARROW_STREAM},
    )
    return WriteResult.model_validate(response.json())


def _read_table(http: Transport, path: str, a: Args) -> pa.Table:
    timestamp = a["timestamp"].isoformat() if a["timestamp"] else None
    params = {"format": "arrow", "version": a["version"], "timestamp": timestamp}
    params |= {"columns": _joined(a["columns"]), "limit": a["limit"]}
    return http.arrow("GET", path, params={k: v for k, v in params.items() if v is not None})


def _upload_file(http: Transport, path: str, a: Args) -> FileInfo:
    headers = {"Content-Type": "application/octet-stream"}
    if isinstance(a["source"], str | Path):
        with Path(a["source"]).open("rb") as handle:
            return FileInfo.model_validate(http.json("PUT", path, content=handle, headers=headers))
    return FileInfo.model_validate(http.json("PUT", path, content=a["source"], headers=headers))


def _download_file(http: Transport, path: str, _: Args) -> bytes:
    return http.request("GET", path).content


class LakehouseMethods:
    platform: Platform
    principal: Principal

    # -- templates ---------------------------------------------------------------------------------
    @remote("GET", "/api/v1/templates")
    def list_templates(self) -> list[Template]:
        return self.platform.templates.list(self.principal)

    @remote("GET", TEMPLATE)
    def get_template(self, name: str) -> Template:
        return self.platform.templates.get(self.principal, name)

    @remote("GET", TEMPLATE + "/versions")
    def template_versions(self, name: str) -> list[TemplateVersion]:
        """Every stored version of a template, newest first."""
        return [TemplateVersion.model_validate(v) for v in self.platform.templates.versions(self.principal, name)]

    @remote("PUT", TEMPLATE, body="document")
    def put_template(self, name: str, document: dict[str, Any]) -> Template:
        return self.platform.templates.put(self.principal, name, parse_model(TemplateDocument, document))

    # -- lakehouses --------------------------------------------------------------------------------
    @remote("POST", LAKEHOUSES, body=("name", "options"))
    def create_lakehouse(self, domain: str, name: str, **options: Any) -> Lakehouse:
        """Options: description, data_steward, template, sensitivity, layers, retention_days, auto_vacuum."""
        return self.platform.lakehouses.create(
            self.principal, domain, parse_model(LakehouseCreate, {"name": name, **options})
        )

    @remote("GET", LAKEHOUSES)
    def list_lakehouses(self, domain: str) -> list[Lakehouse]:
        return self.platform.lakehouses.list(self.principal, domain)

    @remote("GET", LAKEHOUSE)
    def get_lakehouse(self, domain: str, name: str) -> Lakehouse:
        return self.platform.lakehouses.get(self.principal, domain, name)

    @remote("PATCH", LAKEHOUSE, body=("changes",), headers={"If-Match": "if_match"})
    def update_lakehouse(self, domain: str, name: str, *, if_match: str | None = None, **changes: Any) -> Lakehouse:
        spec = parse_model(LakehouseUpdate, changes)
        return self.platform.lakehouses.update(self.principal, domain, name, spec, if_match=if_match)

    # -- tables ------------------------------------------------------------------------------------
    @remote("POST", TABLES, body=_table_fields)
    def create_table(
        self,
        domain: str,
        lakehouse: str,
        name: str,
        schema: pa.Schema | Iterable[dict[str, Any]],
        *,
        layer: str | None = None,
        description: str = "",
        partition_columns: Iterable[str] = (),
        column_descriptions: dict[str, str] | None = None,
        sensitivity_labels: dict[str, str] | None = None,
        change_data_feed: bool = False,
    ) -> TableInfo:
        spec = parse_model(TableCreate, _table_fields(locals()))
        return self.platform.tables.create(self.principal, domain, lakehouse, spec)

    @remote("GET", TABLES)
    def list_tables(self, domain: str, lakehouse: str) -> list[TableInfo]:
        return self.platform.tables.list(self.principal, domain, lakehouse)

    @remote("GET", TABLE)
    def get_table(self, domain: str, lakehouse: str, table: str) -> TableInfo:
        return self.platform.tables.get(self.principal, domain, lakehouse, table)

    @remote("PATCH", TABLE, body=("changes",))
    def update_table(self, domain: str, lakehouse: str, table: str, **changes: Any) -> TableInfo:
        """Changes: layer, description, columns={name: {description, sensitivity_label}}."""
        return self.platform.tables.update(self.principal, domain, lakehouse, table, parse_model(TableUpdate, changes))

    @remote("DELETE", TABLE)
    def delete_table(self, domain: str, lakehouse: str, table: str) -> None:
        self.platform.tables.delete(self.principal, domain, lakehouse, table)

    # -- data --------------------------------------------------------------------------------------
    @remote("POST", TABLE + "/data", call=_write_table)
    def write_table(
        self,
        domain: str,
        lakehouse: str,
        table: str,
        data: Any,
        *,
        mode: str = "append",
        schema_mode: str | None = None,
        merge_keys: Iterable[str] | None = None,
        commit_metadata: dict[str, str] | None = None,
    ) -> WriteResult:
        """`data`: a pyarrow Table or RecordBatchReader, or a pandas or polars DataFrame.

        `commit_metadata`: a few string pairs kept with the commit and shown in the table's history."""
        return self.platform.table_data.write(
            self.principal,
            domain,
            lakehouse,
            table,
            as_reader(data),
            mode=mode,  # type: ignore[arg-type]
            schema_mode=schema_mode,  # type: ignore[arg-type]
            merge_keys=list(merge_keys) if merge_keys else None,
            commit_metadata=commit_metadata,
        )

    @composed
    def merge_table(self, domain: str, lakehouse: str, table: str, data: Any, keys: Iterable[str]) -> WriteResult:
        """Upsert: rows whose keys match are updated, the others inserted."""
        return self.write_table(domain, lakehouse, table, data, merge_keys=keys)

    @remote("GET", TABLE + "/data", call=_read_table)
    def read_table(
        self,
        domain: str,
        lakehouse: str,
        table: str,
        *,
        version: int | None = None,
        timestamp: datetime | None = None,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> pa.Table:
        reader = self.platform.table_data.read(
            self.principal,
            domain,
            lakehouse,
            table,
            version=version,
            timestamp=timestamp,
            columns=list(columns) if columns else None,
            limit=limit,
        )
        return reader.read_all()

    @remote("GET", TABLE + "/history", query=("limit",))
    def table_history(self, domain: str, lakehouse: str, table: str, *, limit: int = 50) -> list[CommitInfo]:
        return self.platform.table_data.history(self.principal, domain, lakehouse, table, limit=limit)

    @remote("POST", TABLE + "/vacuum", body=("retention_hours", "dry_run", "force"))
    def vacuum_table(
        self,
        domain: str,
        lakehouse: str,
        table: str,
        *,
        retention_hours: int | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> VacuumResult:
        return self.platform.table_data.vacuum(
            self.principal, domain, lakehouse, table, retention_hours=retention_hours, dry_run=dry_run, force=force
        )

    @remote("POST", TABLE + "/optimize")
    def optimize_table(self, domain: str, lakehouse: str, table: str) -> OptimizeResult:
        return self.platform.table_data.optimize(self.principal, domain, lakehouse, table)

    # -- files -------------------------------------------------------------------------------------
    @remote("PUT", FILE, call=_upload_file)
    def upload_file(self, domain: str, lakehouse: str, path: str, source: bytes | str | Path | BinaryIO) -> FileInfo:
        if isinstance(source, bytes):
            return self.platform.files.upload(self.principal, domain, lakehouse, path, io.BytesIO(source))
        if isinstance(source, str | Path):
            with Path(source).open("rb") as handle:
                return self.platform.files.upload(self.principal, domain, lakehouse, path, handle)
        return self.platform.files.upload(self.principal, domain, lakehouse, path, source)

    @remote("GET", LAKEHOUSES + "/{lakehouse}/files", query=("prefix",))
    def list_files(self, domain: str, lakehouse: str, prefix: str = "") -> list[FileInfo]:
        return self.platform.files.list(self.principal, domain, lakehouse, prefix)

    @remote("GET", FILE, call=_download_file)
    def download_file(self, domain: str, lakehouse: str, path: str) -> bytes:
        _, chunks = self.platform.files.download(self.principal, domain, lakehouse, path)
        return b"".join(chunks)

    @remote("DELETE", FILE)
    def delete_file(self, domain: str, lakehouse: str, path: str) -> None:
        self.platform.files.delete(self.principal, domain, lakehouse, path)
