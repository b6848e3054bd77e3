"""dbt model contracts become Lakemesh product contracts, and dbt tests its quality rules.

A model with `contract: {enforced: true}` becomes (or updates) a draft data product on its table; publish it as any
product. Its dbt tests map onto the rule language: `not_null` → `col is not null`, `unique` → `unique(col)`,
`accepted_values` → `col is null or col in (...)`, `expression_is_true` → the expression, `relationships` →
`col references domain.lakehouse.table(field)` (checked against the referenced table as read by the product's
owner). A relationship to a table outside Lakemesh is reported as not imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.dbt.manifest import Model, Project, mesh_tables

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh

_TYPES = {
    "varchar": "string", "text": "string", "string": "string", "char": "string", "character varying": "string",
    "bigint": "integer", "integer": "integer", "int": "integer", "smallint": "integer", "tinyint": "integer",
    "hugeint": "integer", "double": "double", "float": "double", "real": "double", "double precision": "double",
    "boolean": "boolean", "bool": "boolean", "date": "date", "timestamp": "timestamp",
    "timestamptz": "timestamp", "timestamp with time zone": "timestamp",
}  # fmt: skip
_DECIMAL = re.compile(r"^(decimal|numeric)(\(\s*\d+\s*,\s*\d+\s*\))?$")


@dataclass
class ProductSync:
    products: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)


def contract_of(model: Model) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for column, data_type in model.columns.items():
        text = (data_type or "").strip().lower()
        kind = _TYPES.get(text) or (text.replace(" ", "") if _DECIMAL.match(text) else None)
        if kind is None:
            raise InvalidInput(
                f"model {model.name!r}: column {column!r} has data_type {data_type!r}, which a Lakemesh contract "
                f"cannot state; use one of {', '.join(sorted(set(_TYPES)))} or decimal(p,s)"
            )
        schema[column] = {"type": kind}
    return {"schema": schema}


def rule_of(test: str, kwargs: dict[str, Any], tables: dict[str, str] | None = None) -> str | None:
    """The rule a dbt test becomes; `tables`: node id → Lakemesh table, for the `to` of `relationships`."""
    column = kwargs.get("column_name")
    quoted = f'"{column}"' if column else None
    if test == "relationships" and quoted and kwargs.get("field"):
        referenced = (tables or {}).get(str(kwargs.get("to_node")))
        return f'{quoted} references {referenced}("{kwargs["field"]}")' if referenced else None
    if test == "not_null" and quoted:
        return f"{quoted} is not null"
    if test == "unique" and quoted:
        return f"unique({quoted})"
    if test == "accepted_values" and quoted and kwargs.get("values"):
        values = ", ".join(_literal(v) for v in kwargs["values"])
        return f"{quoted} is null or {quoted} in ({values})"
    if test == "expression_is_true" and kwargs.get("expression"):
        return f"{quoted} {kwargs['expression']}" if quoted else str(kwargs["expression"])
    return None


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).upper() if value is not None else "NULL"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def check_contracts(mesh: Mesh | RemoteMesh, project: Project, domain: str) -> None:
    """Before any table is written: the new dbt contract of every model that already is a product goes through
    `put_contract`, so a breaking change to a published product fails the build with the product API's 409."""
    for model in project.models.values():
        if not model.contract_enforced:
            continue
        try:
            mesh.get_product(domain, model.name)
        except NotFound:
            continue
        mesh.put_contract(domain, model.name, contract_of(model))


def sync(mesh: Mesh | RemoteMesh, project: Project, domain: str, lakehouse: str) -> ProductSync:
    """Create or update one product per model with an enforced contract (a breaking change to a published one is the
    usual 409, raised unchanged)."""
    result = ProductSync()
    tables = mesh_tables(project, domain, lakehouse)
    for model in project.models.values():
        if not model.contract_enforced:
            continue
        rules = []
        for test, kwargs in model.tests:
            rule = rule_of(test, kwargs, tables)
            if rule is None:
                result.not_imported.append(f"{model.name}: {test}")
            else:
                rules.append(rule)
        contract = contract_of(model)
        try:
            mesh.get_product(domain, model.name)
        except NotFound:
            document = {
                "name": model.name,
                "domain": domain,
                "owner": mesh.whoami().name,
                "description": f"dbt model {model.unique_id}",
                "contract": contract,
                "storage": {"type": "lakehouse_table", "lakehouse": lakehouse, "table": model.name},
                "quality_rules": rules,
            }
            mesh.create_product(document)
        else:
            mesh.put_contract(domain, model.name, contract)
            mesh.update_product(domain, model.name, quality_rules=rules)
        result.products.append(f"{domain}/{model.name}")
    return result
