"""`sempy.fabric`'s calls in its shapes, answered by the semantic-model service as the signed-in principal."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from lakemesh.connection import connect_from_env

# The mesh these module-level calls act through, as semantic link acts as the notebook's user: opened on first use.
_connection: dict[str, Any] = {}
_COLUMN = re.compile(r"^'?[^'\[]*'?\[(?P<column>[^\]]+)\]$")


def connect(mesh: Any) -> None:
    """Not semantic link: act through this `Mesh` or `RemoteMesh` (None: LAKEMESH_URL or the local home again)."""
    if mesh is None:
        _connection.clear()
    else:
        _connection["mesh"] = mesh


def evaluate_dax(dataset: str, dax_string: str, workspace: str | None = None) -> pd.DataFrame:
    """Columns are named like semantic link's: `Customers[Segment]`, `[Total Revenue]`."""
    return pd.DataFrame(_mesh().evaluate_dax(dataset=dataset, dax_string=dax_string, workspace=workspace))


def list_datasets(workspace: str | None = None) -> pd.DataFrame:
    """One row per semantic model the principal may read, in `workspace` (a domain) or everywhere."""
    models = _mesh().list_semantic_models(workspace)
    rows = [
        {
            "Dataset Name": m.name,
            "Dataset ID": m.id,
            "Workspace": m.domain,
            "Description": m.description,
            "Created Timestamp": m.created_at,
            "Last Update": m.updated_at,
        }
        for m in models
    ]
    return pd.DataFrame(
        rows, columns=["Dataset Name", "Dataset ID", "Workspace", "Description", "Created Timestamp", "Last Update"]
    )


def list_measures(dataset: str, workspace: str | None = None) -> pd.DataFrame:
    """One row per measure, with its table, DAX expression, format and visibility."""
    model = _mesh().get_semantic_model(_workspace(dataset, workspace), dataset)
    rows = [
        {
            "Table Name": m.get("table") or "",
            "Measure Name": m["name"],
            "Measure Expression": m["expression"],
            "Measure Format String": m.get("format") or "",
            "Measure Hidden": bool(m.get("hidden", False)),
            "Measure Description": m.get("description", ""),
        }
        for m in model.document.get("measures", [])
    ]
    columns = ["Table Name", "Measure Name", "Measure Expression", "Measure Format String", "Measure Hidden"]
    return pd.DataFrame(rows, columns=[*columns, "Measure Description"])


def read_table(dataset: str, table: str, workspace: str | None = None) -> pd.DataFrame:
    """The model table's rows (governed and masked like any DAX query), columns named plainly as semantic link does."""
    quoted = "'" + table.replace("'", "''") + "'"
    frame = evaluate_dax(dataset, f"EVALUATE {quoted}", workspace=workspace)
    return frame.rename(columns=lambda name: m.group("column") if (m := _COLUMN.match(str(name))) else name)


def _workspace(dataset: str, workspace: str | None) -> str:
    if workspace is not None:
        return workspace
    found = list_datasets()
    matches = found[found["Dataset Name"].str.lower() == dataset.lower()]
    if len(matches) != 1:
        from lakemesh.core.errors import InvalidInput, NotFound

        if matches.empty:
            raise NotFound(f"Semantic model {dataset!r} not found")
        raise InvalidInput(f"Several domains have a model named {dataset!r}; give workspace=")
    return str(matches.iloc[0]["Workspace"])


def _mesh() -> Any:
    if "mesh" not in _connection:
        _connection["mesh"] = connect_from_env()
    return _connection["mesh"]
