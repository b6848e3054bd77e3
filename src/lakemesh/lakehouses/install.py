"""Lakehouses, their tables, table data and files; domains count and purge them; tables are vacuumed on a schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.core.durations import parse_duration
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.files import FileService
from lakemesh.lakehouses.maintenance import auto_vacuum
from lakemesh.lakehouses.service import LakehouseService, purge_lakehouses
from lakemesh.lakehouses.store import count_lakehouses, template_usage
from lakemesh.lakehouses.tables import TableService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.lakehouses = LakehouseService(p.catalog, p.authorizer, p.clock, p.domains, p.templates, p.data_root)
    p.tables = TableService(p.catalog, p.authorizer, p.clock, p.lakehouses, p.data_root, p.delta)
    p.table_data = TableData(p.catalog, p.clock, p.tables, executor=p.executor)
    p.files = FileService(p.catalog, p.clock, p.lakehouses, p.data_root)
    p.domains.register_dependent(count_lakehouses, purge_lakehouses)
    p.templates.register_usage_counter(template_usage)
    vacuum_every = parse_duration(p.settings.auto_vacuum_interval, "auto_vacuum_interval").total_seconds()
    tables = p.tables
    p.scheduler.every(vacuum_every, "auto-vacuum", lambda: auto_vacuum(p.catalog, tables))
