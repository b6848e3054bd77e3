"""Validation of a product against its table, and semantic versions of its contract."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.errors import Conflict, ErrorItem, InvalidInput
from lakemesh.engine.rules import parse_rule, validate_rule_columns
from lakemesh.lakehouses.models import ColumnDef, TableCreate
from lakemesh.products.compat import Change, next_version
from lakemesh.products.contract import to_arrow_schema
from lakemesh.products.models import SEMVER, ProductSpec, QualityRuleSpec
from lakemesh.products.status import VISIBLE_TO_ALL
from lakemesh.storage.types import type_name


def rule_errors(spec: ProductSpec, schema: pa.Schema | None) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    available = {f.name: f.type for f in schema} if schema is not None else None
    for index, entry in enumerate(spec.quality_rules):
        loc = ("quality_rules", index)
        try:
            if isinstance(entry, QualityRuleSpec):
                rule = parse_rule(
                    entry.condition,
                    name=entry.name,
                    threshold=entry.threshold if entry.threshold is not None else 1.0,
                    severity=entry.severity,
                    loc=loc,
                )
            else:
                rule = parse_rule(entry, loc=loc)
        except InvalidInput as exc:
            errors.extend(exc.errors or [ErrorItem(loc, exc.detail)])
            continue
        if available is not None:
            errors.extend(validate_rule_columns(rule, available, loc=loc))
    return errors


def table_from(spec: ProductSpec) -> TableCreate:
    schema = to_arrow_schema(spec.contract)
    columns = spec.contract.columns
    return TableCreate(
        name=spec.storage.table,
        description=spec.description[:1000],
        columns=[
            ColumnDef(
                name=f.name,
                type=type_name(f.type),
                nullable=f.nullable,
                description=columns[f.name].description or "",
                sensitivity_label=columns[f.name].sensitivity_label,
            )
            for f in schema
        ],
    )


def breaking_conflict(row: ProductRow, breaking: list[Change]) -> Conflict:
    return Conflict(
        f"Breaking change to published product {row.name!r} (version {row.version}); "
        f"send version {major(row.version) + 1}.0.0 or later to release it as a new major version",
        errors=[ErrorItem(("contract", *c.path.split(".")), c.message, {"kind": c.kind}) for c in breaking],
    )


def semver_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = ([*version.split("-", maxsplit=1)[0].split("+", maxsplit=1)[0].split("."), "0", "0"])[:3]
    return int(major), int(minor), int(patch)


def major(version: str) -> int:
    return semver_key(version)[0]


def bump_patch(version: str) -> str:
    first, second, third = semver_key(version)
    return f"{first}.{second}.{third + 1}"


def version_after(
    row: ProductRow, diff: list[Change], requested: str | None, refuse: Callable[[list[Change]], Conflict]
) -> str:
    """The next version of a changed product: `requested` if it is newer semver (and a major bump when a served
    product breaks), else derived from the diff; `refuse(breaking)` is the 409 to raise."""
    breaking = [c for c in diff if c.breaking]
    if requested is not None:
        if not SEMVER.match(requested):
            raise InvalidInput("version: not a semantic version", errors=[ErrorItem(("version",), "not semver")])
        if major(requested) <= major(row.version) and breaking and row.status in VISIBLE_TO_ALL:
            raise refuse(breaking)
        if semver_key(requested) <= semver_key(row.version):
            raise Conflict(f"Version {requested} is not newer than {row.version}")
        return requested
    if breaking and row.status in VISIBLE_TO_ALL:
        raise refuse(breaking)
    return next_version(row.version, diff) if diff else bump_patch(row.version)
