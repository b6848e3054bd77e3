"""Building OpenLineage RunEvents for pipeline runs, column lineage from SQL, and graph node keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import lineage

from lakemesh.core.names import slugify
from lakemesh.storage.types import type_name

MESH_NAMESPACE = "lakemesh"
PRODUCER = "https://github.com/lakemesh/lakemesh"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
_FACET = "https://openlineage.io/spec/facets/1-0-1/"


def table_key(qualified: str) -> str:
    """`table:<domain>.<lakehouse>.<table>`, lower case (names match case-insensitively)."""
    return f"table:{qualified.lower()}"


def product_key(domain: str, product: str) -> str:
    return f"product:{slugify(domain)}/{slugify(product)}"


def pipeline_key(domain: str, pipeline: str) -> str:
    return f"pipeline:{slugify(domain)}/{slugify(pipeline)}"


def run_uuid(run_id: str) -> str:
    """OpenLineage wants a UUID per run; ours is derived from the run id so it is stable."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lakemesh:{run_id}"))


@dataclass
class DatasetRef:
    """A dataset a run read or wrote: a mesh table (`domain.lakehouse.table`) or an outside source."""

    name: str
    namespace: str = MESH_NAMESPACE
    schema: pa.Schema | None = None
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # out column -> [(table, column)]

    def as_event(self) -> dict[str, Any]:
        facets: dict[str, Any] = {}
        if self.schema is not None:
            facets["schema"] = {
                "_producer": PRODUCER,
                "_schemaURL": f"{_FACET}SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                "fields": [{"name": f.name, "type": type_name(f.type)} for f in self.schema],
            }
        if self.columns:
            facets["columnLineage"] = {
                "_producer": PRODUCER,
                "_schemaURL": f"{_FACET}ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
                "fields": {
                    out: {
                        "inputFields": [
                            {"namespace": MESH_NAMESPACE, "name": table, "field": column} for table, column in sources
                        ]
                    }
                    for out, sources in self.columns.items()
                },
            }
        return {"namespace": self.namespace, "name": self.name, "facets": facets}


def run_event(
    event_type: str,
    *,
    run_id: str,
    domain: str,
    pipeline: str,
    at: datetime,
    inputs: list[DatasetRef],
    outputs: list[DatasetRef],
    error: str | None = None,
) -> dict[str, Any]:
    run_facets: dict[str, Any] = {}
    if error:
        run_facets["errorMessage"] = {
            "_producer": PRODUCER,
            "_schemaURL": f"{_FACET}ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
            "message": error[:4000],
            "programmingLanguage": "python",
        }
    return {
        "eventType": event_type,
        "eventTime": at.isoformat(),
        "run": {"runId": run_uuid(run_id), "facets": run_facets},
        "job": {"namespace": domain, "name": pipeline, "facets": {}},
        "inputs": [d.as_event() for d in _unique(inputs)],
        "outputs": [d.as_event() for d in _unique(outputs)],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }


def _unique(datasets: list[DatasetRef]) -> list[DatasetRef]:
    seen: dict[tuple[str, str], DatasetRef] = {}
    for dataset in datasets:
        key = (dataset.namespace, dataset.name.lower())
        if key not in seen or dataset.columns or dataset.schema is not None:
            seen[key] = dataset
    return list(seen.values())


def column_lineage(sql: str, output: pa.Schema, tables: dict[tuple[str, ...], str]) -> dict[str, list[tuple[str, str]]]:
    """For each output column, the input columns it is computed from (sqlglot's lineage on the user's SQL).

    `tables` maps the table names as written (parts, lower case) to qualified `domain.lakehouse.table` names.
    Columns sqlglot cannot trace (e.g. `*` without a schema) are left out rather than guessed.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for column in output.names:
        try:
            node = lineage(column, sql, {}, dialect="duckdb")
        except (SqlglotError, KeyError, ValueError, RecursionError):
            continue
        sources: list[tuple[str, str]] = []
        for leaf in node.walk():
            if leaf.downstream or not isinstance(leaf.expression, exp.Table):
                continue
            written = tuple(p.name.lower() for p in leaf.expression.parts)
            qualified = tables.get(written)
            if qualified is not None:
                pair = (qualified, leaf.name.rsplit(".", 1)[-1])
                if pair not in sources:
                    sources.append(pair)
        if sources:
            found[column] = sources
    return found
