"""Model versions: what changed between two documents, and whether consumers' queries may break."""

from __future__ import annotations

from lakemesh.semantic.models import SemanticModelSpec


def _names(spec: SemanticModelSpec) -> dict[str, set[str]]:
    columns = {f"{t.name}[{c.name}]".lower() for t in spec.tables for c in t.columns}
    return {
        "table": {t.name.lower() for t in spec.tables},
        "column": columns,
        "measure": {m.name.lower() for m in spec.measures},
    }


def compare(old: SemanticModelSpec, new: SemanticModelSpec) -> tuple[list[str], bool]:
    """(changes, breaking): removing a table, column or measure breaks queries that name it."""
    if old.model_dump(mode="json", by_alias=True) == new.model_dump(mode="json", by_alias=True):
        return [], False
    before, after = _names(old), _names(new)
    changes: list[str] = []
    breaking = False
    for kind in ("table", "column", "measure"):
        for name in sorted(before[kind] - after[kind]):
            changes.append(f"removed {kind} {name}")
            breaking = True
        for name in sorted(after[kind] - before[kind]):
            changes.append(f"added {kind} {name}")
    old_measures = {m.name.lower(): m.expression for m in old.measures}
    for measure in new.measures:
        previous = old_measures.get(measure.name.lower())
        if previous is not None and previous != measure.expression:
            changes.append(f"changed measure {measure.name.lower()}")
    return changes or ["changed descriptions, formats or sources"], breaking


def next_version(current: str, breaking: bool) -> str:
    major, minor, *_ = (int(p) for p in current.split("."))
    return f"{major + 1}.0.0" if breaking else f"{major}.{minor + 1}.0"
