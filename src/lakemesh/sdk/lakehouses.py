"""Templates, lakehouses, tables, table data and files over REST: the same methods as the in-process Mesh."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import pyarrow as pa

from lakemesh.lakehouses.models import (
    CommitInfo,
    FileInfo,
    Lakehouse,
    OptimizeResult,
    TableInfo,
    VacuumResult,
    WriteResult,
    columns_from,
)
from lakemesh.sdk.transport import Transport
from lakemesh.storage.arrowio import ARROW_STREAM, as_reader
from lakemesh.templates.models import Template, TemplateVersion


def _seg(name: str) -> str:
    return quote(name, safe="")


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


class RemoteLakehouseMethods:
    _http: Transport

    def _lh(self, domain: str, lakehouse: str | None = None) -> str:
        base = f"/api/v1/domains/{_seg(domain)}/lakehouses"
        return f"{base}/{_seg(lakehouse)}" if lakehouse is not None else base

    def _tbl(self, domain: str, lakehouse: str, table: str) -> str:
        return f"{self._lh(domain, lakehouse)}/tables/{_seg(table)}"

    # -- templates ---------------------------------------------------------------------------------
    def list_templates(self) -> list[Template]:
        return [Template.model_validate(t) for t in self._http.json("GET", "/api/v1/templates")["items"]]

    def get_template(self, name: str) -> Template:
        return Template.model_validate(self._http.json("GET", f"/api/v1/templates/{_seg(name)}"))

    def template_versions(self, name: str) -> list[TemplateVersion]:
        """Every stored version of a template, newest first."""
        items = self._http.json("GET", f"/api/v1/templates/{_seg(name)}/versions")["items"]
        return [TemplateVersion.model_validate(v) for v in items]

    def put_template(self, name: str, document: dict[str, Any]) -> Template:
        return Template.model_validate(self._http.json("PUT", f"/api/v1/templates/{_seg(name)}", json=document))

    # -- lakehouses --------------------------------------------------------------------------------
    def create_lakehouse(self, domain: str, name: str, **options: Any) -> Lakehouse:
        body = {"name": name, **{k: v for k, v in options.items() if v is not None}}
        return Lakehouse.model_validate(self._http.json("POST", self._lh(domain), json=body))

    def list_lakehouses(self, domain: str) -> list[Lakehouse]:
        return [Lakehouse.model_validate(x) for x in self._http.json("GET", self._lh(domain))["items"]]

    def get_lakehouse(self, domain: str, name: str) -> Lakehouse:
        return Lakehouse.model_validate(self._http.json("GET", self._lh(domain, name)))

    def update_lakehouse(self, domain: str, name: str, *, if_match: str | None = None, **changes: Any) -> Lakehouse:
        headers = {"If-Match": if_match} if if_match else {}
        return Lakehouse.model_validate(self._http.json("PATCH", self._lh(domain, name), json=changes, headers=headers))

    # -- tables ------------------------------------------------------------------------------------
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
        body = {
            "name": name,
            "layer": layer,
            "description": description,
            "columns": columns_from(schema, column_descriptions, sensitivity_labels),
            "partition_columns": list(partition_columns),
            "change_data_feed": change_data_feed,
        }
        return TableInfo.model_validate(self._http.json("POST", f"{self._lh(domain, lakehouse)}/tables", json=body))

    def list_tables(self, domain: str, lakehouse: str) -> list[TableInfo]:
        page = self._http.json("GET", f"{self._lh(domain, lakehouse)}/tables")
        return [TableInfo.model_validate(t) for t in page["items"]]

    def get_table(self, domain: str, lakehouse: str, table: str) -> TableInfo:
        return TableInfo.model_validate(self._http.json("GET", self._tbl(domain, lakehouse, table)))

    def update_table(self, domain: str, lakehouse: str, table: str, **changes: Any) -> TableInfo:
        return TableInfo.model_validate(self._http.json("PATCH", self._tbl(domain, lakehouse, table), json=changes))

    def delete_table(self, domain: str, lakehouse: str, table: str) -> None:
        self._http.request("DELETE", self._tbl(domain, lakehouse, table))

    # -- data --------------------------------------------------------------------------------------
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
    ) -> WriteResult:
        params = {"mode": mode, "schema_mode": schema_mode, "merge_keys": ",".join(merge_keys) if merge_keys else None}
        response = self._http.request(
            "POST",
            f"{self._tbl(domain, lakehouse, table)}/data",
            params={k: v for k, v in params.items() if v is not None},
            content=_stream(as_reader(data)),
            headers={"Content-Type": ARROW_STREAM},
        )
        return WriteResult.model_validate(response.json())

    def merge_table(self, domain: str, lakehouse: str, table: str, data: Any, keys: Iterable[str]) -> WriteResult:
        return self.write_table(domain, lakehouse, table, data, merge_keys=keys)

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
        params = {
            "format": "arrow",
            "version": version,
            "timestamp": timestamp.isoformat() if timestamp else None,
            "columns": ",".join(columns) if columns else None,
            "limit": limit,
        }
        url = f"{self._tbl(domain, lakehouse, table)}/data"
        response = self._http.request("GET", url, params={k: v for k, v in params.items() if v is not None})
        return pa.ipc.open_stream(response.content).read_all()

    def table_history(self, domain: str, lakehouse: str, table: str, *, limit: int = 50) -> list[CommitInfo]:
        page = self._http.json("GET", f"{self._tbl(domain, lakehouse, table)}/history", params={"limit": limit})
        return [CommitInfo.model_validate(c) for c in page["items"]]

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
        body = {"retention_hours": retention_hours, "dry_run": dry_run, "force": force}
        return VacuumResult.model_validate(
            self._http.json("POST", f"{self._tbl(domain, lakehouse, table)}/vacuum", json=body)
        )

    def optimize_table(self, domain: str, lakehouse: str, table: str) -> OptimizeResult:
        return OptimizeResult.model_validate(self._http.json("POST", f"{self._tbl(domain, lakehouse, table)}/optimize"))

    # -- files -------------------------------------------------------------------------------------
    def _file(self, domain: str, lakehouse: str, path: str) -> str:
        return f"{self._lh(domain, lakehouse)}/files/{quote(path, safe='/')}"

    def upload_file(self, domain: str, lakehouse: str, path: str, source: bytes | str | Path | BinaryIO) -> FileInfo:
        headers = {"Content-Type": "application/octet-stream"}
        url = self._file(domain, lakehouse, path)
        if isinstance(source, str | Path):
            with Path(source).open("rb") as handle:
                return FileInfo.model_validate(self._http.json("PUT", url, content=handle, headers=headers))
        return FileInfo.model_validate(self._http.json("PUT", url, content=source, headers=headers))

    def list_files(self, domain: str, lakehouse: str, prefix: str = "") -> list[FileInfo]:
        page = self._http.json("GET", f"{self._lh(domain, lakehouse)}/files", params={"prefix": prefix})
        return [FileInfo.model_validate(f) for f in page["items"]]

    def download_file(self, domain: str, lakehouse: str, path: str) -> bytes:
        return self._http.request("GET", self._file(domain, lakehouse, path)).content

    def delete_file(self, domain: str, lakehouse: str, path: str) -> None:
        self._http.request("DELETE", self._file(domain, lakehouse, path))
