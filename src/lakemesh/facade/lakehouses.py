"""Templates, lakehouses, tables, table data and files on the in-process `Mesh`."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
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
from lakemesh.platform import Platform
from lakemesh.storage.arrowio import as_reader
from lakemesh.templates.models import Template, TemplateDocument, TemplateVersion


class LakehouseMethods:
    platform: Platform
    principal: Principal

    # -- templates ---------------------------------------------------------------------------------
    def list_templates(self) -> list[Template]:
        return self.platform.templates.list(self.principal)

    def get_template(self, name: str) -> Template:
        return self.platform.templates.get(self.principal, name)

    def template_versions(self, name: str) -> list[TemplateVersion]:
        """Every stored version of a template, newest first."""
        return [TemplateVersion.model_validate(v) for v in self.platform.templates.versions(self.principal, name)]

    def put_template(self, name: str, document: dict[str, Any]) -> Template:
        return self.platform.templates.put(self.principal, name, parse_model(TemplateDocument, document))

    # -- lakehouses --------------------------------------------------------------------------------
    def create_lakehouse(self, domain: str, name: str, **options: Any) -> Lakehouse:
        """Options: description, data_steward, template, sensitivity, layers, retention_days, auto_vacuum."""
        return self.platform.lakehouses.create(
            self.principal, domain, parse_model(LakehouseCreate, {"name": name, **options})
        )

    def list_lakehouses(self, domain: str) -> list[Lakehouse]:
        return self.platform.lakehouses.list(self.principal, domain)

    def get_lakehouse(self, domain: str, name: str) -> Lakehouse:
        return self.platform.lakehouses.get(self.principal, domain, name)

    def update_lakehouse(self, domain: str, name: str, *, if_match: str | None = None, **changes: Any) -> Lakehouse:
        spec = parse_model(LakehouseUpdate, changes)
        return self.platform.lakehouses.update(self.principal, domain, name, spec, if_match=if_match)

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
        spec = parse_model(
            TableCreate,
            {
                "name": name,
                "layer": layer,
                "description": description,
                "columns": columns_from(schema, column_descriptions, sensitivity_labels),
                "partition_columns": list(partition_columns),
                "change_data_feed": change_data_feed,
            },
        )
        return self.platform.tables.create(self.principal, domain, lakehouse, spec)

    def list_tables(self, domain: str, lakehouse: str) -> list[TableInfo]:
        return self.platform.tables.list(self.principal, domain, lakehouse)

    def get_table(self, domain: str, lakehouse: str, table: str) -> TableInfo:
        return self.platform.tables.get(self.principal, domain, lakehouse, table)

    def update_table(self, domain: str, lakehouse: str, table: str, **changes: Any) -> TableInfo:
        """Changes: layer, description, columns={name: {description, sensitivity_label}}."""
        return self.platform.tables.update(self.principal, domain, lakehouse, table, parse_model(TableUpdate, changes))

    def delete_table(self, domain: str, lakehouse: str, table: str) -> None:
        self.platform.tables.delete(self.principal, domain, lakehouse, table)

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
        """`data`: a pyarrow Table or RecordBatchReader, or a pandas or polars DataFrame."""
        return self.platform.table_data.write(
            self.principal,
            domain,
            lakehouse,
            table,
            as_reader(data),
            mode=mode,  # type: ignore[arg-type]
            schema_mode=schema_mode,  # type: ignore[arg-type]
            merge_keys=list(merge_keys) if merge_keys else None,
        )

    def merge_table(self, domain: str, lakehouse: str, table: str, data: Any, keys: Iterable[str]) -> WriteResult:
        """Upsert: rows whose keys match are updated, the others inserted."""
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

    def table_history(self, domain: str, lakehouse: str, table: str, *, limit: int = 50) -> list[CommitInfo]:
        return self.platform.table_data.history(self.principal, domain, lakehouse, table, limit=limit)

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

    def optimize_table(self, domain: str, lakehouse: str, table: str) -> OptimizeResult:
        return self.platform.table_data.optimize(self.principal, domain, lakehouse, table)

    # -- files -------------------------------------------------------------------------------------
    def upload_file(self, domain: str, lakehouse: str, path: str, source: bytes | str | Path | BinaryIO) -> FileInfo:
        if isinstance(source, bytes):
            return self.platform.files.upload(self.principal, domain, lakehouse, path, io.BytesIO(source))
        if isinstance(source, str | Path):
            with Path(source).open("rb") as handle:
                return self.platform.files.upload(self.principal, domain, lakehouse, path, handle)
        return self.platform.files.upload(self.principal, domain, lakehouse, path, source)

    def list_files(self, domain: str, lakehouse: str, prefix: str = "") -> list[FileInfo]:
        return self.platform.files.list(self.principal, domain, lakehouse, prefix)

    def download_file(self, domain: str, lakehouse: str, path: str) -> bytes:
        _, chunks = self.platform.files.download(self.principal, domain, lakehouse, path)
        return b"".join(chunks)

    def delete_file(self, domain: str, lakehouse: str, path: str) -> None:
        self.platform.files.delete(self.principal, domain, lakehouse, path)
