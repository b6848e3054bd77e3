"""Column-level lineage of dbt models: sqlglot's lineage over each model's compiled SQL, as pipelines record it.

Every output column is traced back to the columns of the sources and parent models it is computed from; the result
is the OpenLineage `columnLineage` facet on the model's output, so `lineage_impact(..., column=)` follows it.
Columns sqlglot cannot trace (`*` without a schema, macros it cannot parse) are left out rather than guessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from lakemesh.lineage.events import column_lineage

if TYPE_CHECKING:
    from lakemesh.dbt.manifest import Model, Project

ColumnSources = dict[str, list[tuple[str, str]]]  # output column -> [(domain.lakehouse.table, column)]


def model_columns(project: Project, model: Model, tables: dict[str, str]) -> ColumnSources:
    """Where each column of `model` comes from; `tables` maps the project's node ids to Lakemesh tables."""
    if not model.compiled:
        return {}
    names: dict[tuple[str, ...], str] = {}
    for uid in model.parents:
        node = project.sources.get(uid) or project.models.get(uid)
        if node is None or uid not in tables or not node.relation:
            continue
        for start in range(len(node.relation)):  # "db"."schema"."t", "schema"."t" and "t" all name it
            names.setdefault(node.relation[start:], tables[uid])
    outputs = _outputs(model.compiled) or list(model.columns)
    if not outputs or not names:
        return {}
    return column_lineage(model.compiled, pa.schema([(name, pa.null()) for name in outputs]), names)


def _outputs(sql: str) -> list[str]:
    """The named columns of the model's outermost SELECT (none for `select *`)."""
    try:
        parsed = sqlglot.parse_one(sql, dialect="duckdb")
    except SqlglotError:
        return []
    if not isinstance(parsed, exp.Query):
        return []
    return [name for name in parsed.named_selects if name and name != "*"]
