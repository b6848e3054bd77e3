"""Checking a pipeline spec before it is stored: step order (no cycles), table names, SQL, functions, schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from croniter import croniter
from sqlglot import exp

from lakemesh.core.errors import ErrorItem, InvalidInput, LakemeshError
from lakemesh.core.names import validate_identifier
from lakemesh.engine.gate import parse_query
from lakemesh.pipelines.models import PipelineSpec, StepSpec

TableRef = tuple[str, str, str]  # domain, lakehouse, table (as written; matched case-insensitively)


@dataclass(frozen=True)
class Plan:
    """Steps in the order they run, and each step's upstream steps."""

    order: list[StepSpec]
    upstream: dict[str, list[str]]


def resolve_name(parts: tuple[str, ...], domain: str, lakehouse: str | None, loc: tuple[str | int, ...]) -> TableRef:
    """`table`, `lakehouse.table` or `domain.lakehouse.table`, with the pipeline's defaults."""
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return domain, parts[0], parts[1]
    if len(parts) == 1 and lakehouse:
        return domain, lakehouse, parts[0]
    raise InvalidInput(
        f"{'.'.join(parts)}: name the lakehouse (lakehouse.table) or set the pipeline's lakehouse",
        errors=[ErrorItem(loc, "table needs a lakehouse")],
    )


def target_of(step: StepSpec, domain: str, lakehouse: str | None, index: int) -> TableRef | None:
    if step.target is None:
        return None
    parts = tuple(step.target.table.split("."))
    if len(parts) > 2:
        raise InvalidInput(
            "targets are tables of the pipeline's own domain",
            errors=[ErrorItem(("steps", index, "target", "table"), "write table or lakehouse.table")],
        )
    ref = resolve_name(parts, domain, lakehouse, ("steps", index, "target", "table"))
    validate_identifier(ref[2], "target.table")
    return ref


def sql_tables(sql: str) -> list[tuple[str, ...]]:
    """Tables a SQL step reads, as written (CTE names excluded)."""
    query = parse_query(sql)
    ctes = {c.alias_or_name.lower() for c in query.find_all(exp.CTE)}
    names = []
    for table in query.find_all(exp.Table):
        parts = tuple(p.name for p in table.parts)
        if len(parts) == 1 and parts[0].lower() in ctes:
            continue
        names.append(parts)
    return names


def build_plan(
    spec: PipelineSpec,
    domain: str,
    *,
    table_exists: Callable[[TableRef], bool],
    function_known: Callable[[str], bool],
    product_known: Callable[[str], bool],
) -> Plan:
    """Every problem as one 422: unknown steps, cycles, unknown tables or functions, bad SQL or cron."""
    errors: list[ErrorItem] = []
    if spec.schedule is not None and not croniter.is_valid(spec.schedule):
        errors.append(ErrorItem(("schedule",), f"{spec.schedule!r} is not a cron expression like '0 6 * * *'"))
    names = [s.name for s in spec.steps]
    duplicates = {n for n in names if names.count(n) > 1}
    errors.extend(ErrorItem(("steps",), f"step name {n!r} is used twice") for n in sorted(duplicates))
    writers: dict[TableRef, str] = {}
    for index, step in enumerate(spec.steps):
        try:
            ref = target_of(step, domain, spec.lakehouse, index)
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        if ref is not None:
            writers[_key(ref)] = step.name
    upstream: dict[str, list[str]] = {}
    for index, step in enumerate(spec.steps):
        deps = list(step.depends_on) if step.depends_on is not None else ([names[index - 1]] if index else [])
        for dep in deps:
            if dep not in names:
                errors.append(ErrorItem(("steps", index, "depends_on"), f"no step named {dep!r}"))
        for ref in _reads(step, index, domain, spec.lakehouse, errors):
            writer = writers.get(_key(ref))
            if writer is not None and writer != step.name:
                deps.append(writer)
            elif writer is None and not table_exists(ref):
                errors.append(ErrorItem(_read_loc(step, index), f"unknown table {'.'.join(ref)}"))
        errors.extend(_unknown_names(step, index, function_known, product_known))
        upstream[step.name] = [d for d in dict.fromkeys(deps) if d in names and d != step.name]
    if errors:
        raise InvalidInput(f"The pipeline {spec.name!r} is not valid", errors=errors)
    order = _topological(spec.steps, upstream)
    return Plan(order=order, upstream=upstream)


def tables_of(spec: PipelineSpec, domain: str) -> tuple[list[str], list[str]]:
    """The tables a stored spec reads and writes, as `domain.lakehouse.table` in lower case (names that do not
    resolve are left out: the spec was checked when it was applied)."""
    reads: list[str] = []
    writes: list[str] = []
    for index, step in enumerate(spec.steps):
        reads.extend(".".join(_key(ref)) for ref in _reads(step, index, domain, spec.lakehouse, []))
        try:
            target = target_of(step, domain, spec.lakehouse, index)
        except InvalidInput:
            target = None
        if target is not None:
            writes.append(".".join(_key(target)))
    written = set(writes)
    return [r for r in dict.fromkeys(reads) if r not in written], list(dict.fromkeys(writes))


def _unknown_names(
    step: StepSpec, index: int, function_known: Callable[[str], bool], product_known: Callable[[str], bool]
) -> list[ErrorItem]:
    if step.type == "python" and step.function and not function_known(step.function):
        return [ErrorItem(("steps", index, "function"), f"no Python step registered as {step.function!r}")]
    if step.type == "quality" and step.product and not product_known(step.product):
        return [ErrorItem(("steps", index, "product"), f"unknown data product {step.product!r}")]
    return []


def _reads(step: StepSpec, index: int, domain: str, lakehouse: str | None, errors: list[ErrorItem]) -> list[TableRef]:
    written: list[tuple[str, ...]] = []
    try:
        if step.type == "sql" and step.sql:
            written = sql_tables(step.sql)
        elif step.type == "python":
            written = [tuple(name.split(".")) for name in step.inputs]
    except LakemeshError as exc:
        errors.extend(ErrorItem(("steps", index, "sql"), e.message) for e in exc.errors)
        return []
    refs = []
    for parts in written:
        try:
            refs.append(resolve_name(parts, domain, lakehouse, _read_loc(step, index)))
        except InvalidInput as exc:
            errors.extend(exc.errors)
    return refs


def _read_loc(step: StepSpec, index: int) -> tuple[str | int, ...]:
    return ("steps", index, "sql" if step.type == "sql" else "inputs")


def _key(ref: TableRef) -> TableRef:
    return (ref[0].lower(), ref[1].lower(), ref[2].lower())


def _topological(steps: list[StepSpec], upstream: dict[str, list[str]]) -> list[StepSpec]:
    by_name = {s.name: s for s in steps}
    remaining = {name: set(deps) for name, deps in upstream.items()}
    order: list[StepSpec] = []
    while remaining:
        ready = [s.name for s in steps if s.name in remaining and not remaining[s.name]]
        if not ready:
            cycle = ", ".join(sorted(remaining))
            raise InvalidInput(
                "The pipeline's steps depend on each other in a cycle",
                errors=[ErrorItem(("steps",), f"cycle between steps: {cycle}")],
            )
        for name in ready:
            order.append(by_name[name])
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def next_fire(schedule: str, after: datetime) -> datetime:
    """The next time a cron schedule fires strictly after `after` (UTC)."""
    fire: datetime = croniter(schedule, after).get_next(datetime)
    return fire
