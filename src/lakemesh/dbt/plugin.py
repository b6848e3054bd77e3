"""The dbt-duckdb plugin `lakemesh`: a source with `meta: {plugin: lakemesh, domain, lakehouse, table}` is read
through Lakemesh as the signed-in principal, so grants and column masks apply to what dbt sees.

profiles.yml: `plugins: [{module: lakemesh.dbt.plugin, alias: lakemesh, config: {url:, token:} or {home:}}]`
(with no config, LAKEMESH_URL / LAKEMESH_TOKEN decide, as for the CLI).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from lakemesh.dbt.connect import connect


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._config = dict(plugin_config)
        self._mesh: Any = None

    def load(self, source_config: SourceConfig) -> pa.Table:
        for key in ("domain", "lakehouse"):
            if key not in source_config:
                raise ValueError(f"source {source_config.name!r}: meta needs `{key}` to read it from Lakemesh")
        if self._mesh is None:
            self._mesh = connect(self._config)
        table = source_config.meta.get("table") or source_config.identifier
        result: pa.Table = self._mesh.read_table(source_config["domain"], source_config["lakehouse"], table)
        return result

    def default_materialization(self) -> str:
        return "table"
