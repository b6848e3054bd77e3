"""What Lakemesh reads from a dbt manifest: the models, their materializations, their parents, and lineage events."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lakemesh.core.errors import InvalidInput, invalid
from lakemesh.core.names import slugify, validate_table_name
from lakemesh.lineage.events import DatasetRef

SUPPORTED_SCHEMAS = ("v10", "v11", "v12")  # dbt 1.6 to 1.11
PUBLISHED = ("table", "incremental")
PRODUCER = "https://github.com/lakemesh/lakemesh/dbt"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
_VERSION = re.compile(r"/manifest/(v\d+)\.json$")


@dataclass
class Model:
    unique_id: str
    name: str
    materialized: str
    schema: str
    unique_key: list[str]
    parents: list[str]
    contract_enforced: bool
    columns: dict[str, str | None] = field(default_factory=dict)
    tests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # dbt test name, its kwargs
    relation: tuple[str, ...] = ()  # how compiled SQL names it: ("lakemesh", "main", "model"), lower case
    compiled: str | None = None  # the compiled SELECT, when the manifest has it (after compile, run or build)


@dataclass
class Source:
    unique_id: str
    table: str  # domain.lakehouse.table when the source is a Lakemesh table, else source_name.identifier
    in_mesh: bool
    relation: tuple[str, ...] = ()


@dataclass
class Project:
    name: str
    models: dict[str, Model]
    sources: dict[str, Source]


def load(manifest: Path | dict[str, Any]) -> Project:
    """A manifest of a supported dbt version, or a clear refusal naming the version it has."""
    data = json.loads(manifest.read_text()) if isinstance(manifest, Path) else manifest
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict) or "nodes" not in data:
        raise invalid("manifest", "is not a dbt manifest.json (no metadata and nodes)")
    metadata = data["metadata"]
    found = _VERSION.search(str(metadata.get("dbt_schema_version", "")))
    version = found.group(1) if found else str(metadata.get("dbt_schema_version") or "unknown")
    if version not in SUPPORTED_SCHEMAS:
        raise invalid(
            "manifest",
            f"is dbt manifest schema {version} (dbt {metadata.get('dbt_version', '?')}); Lakemesh reads schemas "
            f"{', '.join(SUPPORTED_SCHEMAS)} (dbt 1.6 to 1.11): run the project with one of those versions",
        )
    models = {uid: _model(uid, node) for uid, node in data["nodes"].items() if node.get("resource_type") == "model"}
    sources = {uid: _source(uid, node) for uid, node in (data.get("sources") or {}).items()}
    for node in data["nodes"].values():
        attached = node.get("attached_node") or next(iter((node.get("depends_on") or {}).get("nodes") or []), None)
        test = node.get("test_metadata") or {}
        if node.get("resource_type") == "test" and attached in models and test.get("name"):
            kwargs = {k: v for k, v in (test.get("kwargs") or {}).items() if k != "model"}
            kwargs.setdefault("column_name", node.get("column_name"))
            # `relationships`: the `to` model or source is the test's other parent (its `to` is Jinja text)
            others = [n for n in (node.get("depends_on") or {}).get("nodes") or [] if n != attached]
            if others:
                kwargs["to_node"] = others[0]
            models[attached].tests.append((str(test["name"]), kwargs))
    return Project(name=str(metadata.get("project_name") or "dbt"), models=models, sources=sources)


def _model(uid: str, node: dict[str, Any]) -> Model:
    config = node.get("config") or {}
    key = config.get("unique_key")
    keys = [key] if isinstance(key, str) else list(key or [])
    return Model(
        unique_id=uid,
        name=str(node.get("alias") or node["name"]),
        materialized=str(config.get("materialized", "view")),
        schema=str(node.get("schema") or "main"),
        unique_key=keys,
        parents=list((node.get("depends_on") or {}).get("nodes") or []),
        contract_enforced=bool((config.get("contract") or {}).get("enforced")),
        columns={str(c): spec.get("data_type") for c, spec in (node.get("columns") or {}).items()},
        relation=_relation(node),
        compiled=node.get("compiled_code") or None,
    )


def _relation(node: dict[str, Any]) -> tuple[str, ...]:
    """`"lakemesh"."main"."orders"` → ("lakemesh", "main", "orders"): how compiled SQL refers to the node."""
    text = str(node.get("relation_name") or "")
    return tuple(part.strip('"').lower() for part in text.split(".")) if text else ()


def _source(uid: str, node: dict[str, Any]) -> Source:
    meta = {**(node.get("source_meta") or {}), **(node.get("meta") or {})}
    if meta.get("plugin") == "lakemesh":
        table = _mesh_table(str(meta["domain"]), str(meta["lakehouse"]), str(meta.get("table") or node["identifier"]))
        return Source(uid, table, True, _relation(node))
    return Source(uid, f"{node.get('source_name')}.{node.get('identifier')}", False, _relation(node))


def check(project: Project) -> None:
    """Refuse before anything runs: views (Lakemesh stores tables) and model names Lakemesh does not accept."""
    problems = []
    for model in project.models.values():
        if model.materialized in ("view", "materialized_view"):
            problems.append(
                f"model {model.name!r} is materialized as a {model.materialized}: Lakemesh stores tables; "
                "use materialized='table' or 'incremental' (or 'ephemeral' to inline it)"
            )
        elif model.materialized in PUBLISHED:
            try:
                validate_table_name(model.name, "model")
            except InvalidInput as exc:
                problems.append(f"model {model.name!r}: {exc}")
    if problems:
        raise InvalidInput("The dbt project cannot be built on Lakemesh: " + "; ".join(problems))


def lineage_events(
    project: Project, domain: str, lakehouse: str, statuses: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One OpenLineage COMPLETE (or FAIL) event per published model: sources and parent models in, the table out,
    with the columns each output column is computed from where the compiled SQL shows it."""
    from lakemesh.dbt.columns import model_columns

    now = datetime.now(UTC).isoformat()
    run = str(uuid.uuid4())
    tables = mesh_tables(project, domain, lakehouse)
    events = []
    for model in project.models.values():
        if model.materialized not in PUBLISHED:
            continue
        status = (statuses or {}).get(model.unique_id, "success")
        if status == "skipped":
            continue
        inputs = [_dataset(project, parent, domain, lakehouse) for parent in model.parents]
        output = DatasetRef(_mesh_table(domain, lakehouse, model.name), columns=model_columns(project, model, tables))
        events.append(
            {
                "eventType": "COMPLETE" if status in ("success", "pass") else "FAIL",
                "eventTime": now,
                "run": {"runId": run, "facets": {}},
                "job": {"namespace": slugify(domain), "name": f"dbt.{project.name}.{model.name}", "facets": {}},
                "inputs": [d for d in inputs if d is not None],
                "outputs": [output.as_event()],
                "producer": PRODUCER,
                "schemaURL": SCHEMA_URL,
            }
        )
    return events


def mesh_tables(project: Project, domain: str, lakehouse: str) -> dict[str, str]:
    """Node id → Lakemesh table, for the sources in the mesh and the published models."""
    tables = {uid: source.table.lower() for uid, source in project.sources.items() if source.in_mesh}
    for uid, model in project.models.items():
        if model.materialized in PUBLISHED:
            tables[uid] = _mesh_table(domain, lakehouse, model.name)
    return tables


def _mesh_table(domain: str, lakehouse: str, table: str) -> str:
    return f"{slugify(domain)}.{lakehouse}.{table}".lower()


def _dataset(project: Project, parent: str, domain: str, lakehouse: str) -> dict[str, Any] | None:
    if parent in project.sources:
        source = project.sources[parent]
        namespace = "lakemesh" if source.in_mesh else f"dbt.{project.name}"
        return {"namespace": namespace, "name": source.table.lower(), "facets": {}}
    model = project.models.get(parent)
    if model is None or model.materialized not in PUBLISHED:
        return None
    return {"namespace": "lakemesh", "name": _mesh_table(domain, lakehouse, model.name), "facets": {}}


def statuses(run_results: Path | dict[str, Any] | None) -> dict[str, str]:
    if run_results is None:
        return {}
    data = json.loads(run_results.read_text()) if isinstance(run_results, Path) else run_results
    return {str(r["unique_id"]): str(r.get("status")) for r in data.get("results", [])}
