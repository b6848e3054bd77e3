"""Open Data Contract Standard v3: export a product's contract and import one written elsewhere.

The mapping is documented in docs/contracts.md; what ODCS has no place for travels in `customProperties`
so that native → ODCS → native gives back the same product.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, cast

import sqlglot
import yaml
from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import ValidationError

from lakemesh.core.documents import MAX_DEPTH, nesting_depth
from lakemesh.core.errors import ErrorItem, InvalidInput, invalid
from lakemesh.products.contract import ColumnKind, ColumnSpec, SlaSpec, invalid_from_validation, parse_column_type
from lakemesh.products.models import ProductSpec, QualityRuleSpec
from lakemesh.products.views import NotImported

if TYPE_CHECKING:
    import jsonschema

EXPORT_VERSION = "v3.1.0"
_SCHEMA_FILES = {
    "v3.0": "odcs-v3.0.2.schema.json",
    "v3.1": "odcs-v3.1.0.schema.json",
    "v3.2": "odcs-v3.2.0.schema.json",
}
_KNOWN = {"v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0"}
MAX_DOCUMENT_CHARS = 1_000_000
MAX_REPORTED_ERRORS = 20
_LOGICAL = {
    ColumnKind.STRING: "string",
    ColumnKind.DECIMAL: "number",
    ColumnKind.INTEGER: "integer",
    ColumnKind.FLOAT: "number",
    ColumnKind.BOOLEAN: "boolean",
    ColumnKind.DATE: "date",
    ColumnKind.TIMESTAMP: "timestamp",
}
_FROM_LOGICAL = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}
_FROM_LOGICAL |= {"date": "date", "timestamp": "timestamp"}
_SLA_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\S.*)?$")
_NATIVE = "lakemesh"


@dataclass(frozen=True)
class OdcsImport:
    spec: ProductSpec
    not_imported: list[NotImported]


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves unquoted dates as text: JSON Schema and ODCS both expect strings there."""

    yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


@cache
def _schema(api_version: str) -> dict[str, Any]:
    text = files("lakemesh.products").joinpath("schemas", _SCHEMA_FILES[api_version[:4]]).read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


def _validator(api_version: str) -> jsonschema.protocols.Validator:
    import jsonschema  # loaded on the first ODCS import/export, not at server start

    schema = _schema(api_version)
    return jsonschema.validators.validator_for(schema)(schema)


def export_odcs(product: ProductSpec, *, id: str, version: str, status: str, api_version: str = EXPORT_VERSION) -> str:
    """The product's contract as an ODCS v3 YAML document, checked against the official schema."""
    if api_version not in _KNOWN:
        raise invalid("api_version", f"{api_version!r} is not an ODCS v3 version ({', '.join(sorted(_KNOWN))})")
    legacy = api_version.startswith("v3.0")
    table = product.storage.table
    doc: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": "DataContract",
        "id": id,
        "name": product.name,
        "version": version,
        "status": status,
        "domain": product.domain,
        "dataProduct": product.name,
    }
    description = {"purpose": product.description} if product.description else {}
    if product.contract.access_patterns:
        description["usage"] = "\n".join(product.contract.access_patterns)
    if description:
        doc["description"] = description
    if product.tags:
        doc["tags"] = list(product.tags)
    table_object: dict[str, Any] = {
        "name": table,
        "physicalName": table,
        "physicalType": "table",
        "logicalType": "object",
        "properties": [_property(name, column, legacy) for name, column in product.contract.columns.items()],
    }
    if product.quality_rules:
        table_object["quality"] = [_quality_entry(rule, table) for rule in product.quality_rules]
    doc["schema"] = [table_object]
    server = {"server": product.storage.lakehouse, "type": "custom", "format": "delta", "path": f"Tables/{table}"}
    doc["servers"] = [server]
    members = [{"username": product.owner, "role": "owner"}]
    if product.data_steward:
        members.append({"username": product.data_steward, "role": "data steward"})
    doc["team"] = members if legacy else {"members": members}
    if sla := _sla_properties(product.contract.sla, table):
        doc["slaProperties"] = sla
    doc["customProperties"] = _custom_properties(product)
    errors = sorted(_validator(api_version).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:  # a bug in this module, not a user error: fail loudly
        raise RuntimeError(f"exported ODCS does not match the {api_version} schema: {errors[0].message}")
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _property(name: str, column: ColumnSpec, legacy: bool) -> dict[str, Any]:
    kind = column.column_type.kind
    prop: dict[str, Any] = {
        "name": name,
        # v3.0 has no `timestamp` logical type; `date` is what it used, physicalType keeps the difference.
        "logicalType": "date" if legacy and kind is ColumnKind.TIMESTAMP else _LOGICAL[kind],
        "physicalType": column.type,
        "required": column.required,
        "unique": column.unique,
    }
    if column.description is not None:
        prop["description"] = column.description
    if column.sensitivity_label is not None:
        prop["classification"] = column.sensitivity_label
    options = _type_options(column, legacy)
    if column.format is not None:
        options["format"] = column.format
    if options:
        prop["logicalTypeOptions"] = options
    if column.enum is not None:
        check: dict[str, Any] = {"name": f"{name}_valid_values", "type": "library", "dimension": "conformity"}
        if legacy:
            check |= {"rule": "validValues", "validValues": list(column.enum), "mustBe": 0}
        else:
            check |= {"metric": "invalidValues", "arguments": {"validValues": list(column.enum)}, "mustBe": 0}
        prop["quality"] = [check]
    return prop


_ODCS_OPTION = {"min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"}
_ODCS_OPTION |= {"minimum": "minimum", "maximum": "maximum"}
_ODCS_OPTION |= {"exclusive_minimum": "exclusiveMinimum", "exclusive_maximum": "exclusiveMaximum"}


def _type_options(column: ColumnSpec, legacy: bool) -> dict[str, Any]:
    """Property constraints as `logicalTypeOptions`; v3.0 writes an exclusive bound as the bound plus `true`."""
    found = column.model_dump(mode="json", include=set(column.constraints))
    options = {_ODCS_OPTION[name]: value for name, value in found.items()}
    if legacy:
        for side in ("Minimum", "Maximum"):
            exclusive = options.pop(f"exclusive{side}", None)
            if exclusive is not None:
                options[side.lower()] = exclusive
                options[f"exclusive{side}"] = True
    return options


def _constraints_from(options: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `_type_options`, for v3.0 (boolean exclusive flags) and v3.1+ (exclusive numbers)."""
    found = {name: options[key] for name, key in _ODCS_OPTION.items() if key in options}
    for side in ("minimum", "maximum"):
        if found.get(f"exclusive_{side}") is True and side in found:
            found[f"exclusive_{side}"] = found.pop(side)
        elif isinstance(found.get(f"exclusive_{side}"), bool):
            del found[f"exclusive_{side}"]
    return found


def _quality_entry(rule: str | QualityRuleSpec, table: str) -> dict[str, Any]:
    """A native rule as an ODCS check: `sql` when the condition is SQL, else `custom` for the lakemesh engine."""
    spec = rule if isinstance(rule, QualityRuleSpec) else None
    condition = rule.condition if isinstance(rule, QualityRuleSpec) else rule
    entry: dict[str, Any] = {"name": spec.name} if spec is not None and spec.name else {}
    entry["description"] = condition
    threshold = spec.threshold if spec is not None else None
    failing = f"NOT COALESCE(({condition}), FALSE)"
    if not _is_sql_condition(condition):
        entry |= {"type": "custom", "engine": _NATIVE, "implementation": condition}
    elif threshold is None:
        entry |= {"type": "sql", "query": f"SELECT COUNT(*) FROM {table} WHERE {failing}", "mustBe": 0}
    else:
        query = f"SELECT 100.0 * COUNT(*) FILTER (WHERE {failing}) / COUNT(*) FROM {table}"
        allowed = round((1 - threshold) * 100, 6)
        entry |= {"type": "sql", "query": query, "unit": "percent", "mustBeLessOrEqualTo": allowed}
    if spec is not None:
        entry["severity"] = spec.severity
    custom: list[dict[str, Any]] = [{"property": "condition", "value": condition}]
    if threshold is not None:
        custom.append({"property": "threshold", "value": threshold})
    if spec is not None and spec.enforce is not None:
        custom.append({"property": "enforce", "value": spec.enforce})
    entry["customProperties"] = custom
    return entry


def _is_sql_condition(condition: str) -> bool:
    try:
        parsed = sqlglot.parse(condition, read="duckdb")
    except sqlglot.errors.ParseError:
        return False
    return len(parsed) == 1 and isinstance(parsed[0], sqlglot.exp.Condition)


def _rule_from_entry(entry: dict[str, Any], column: str | None) -> str | QualityRuleSpec | None:
    """Our own checks come back exactly; a foreign `nullValues` check becomes `<column> is not null`."""
    custom = {c.get("property"): c.get("value") for c in entry.get("customProperties") or []}
    condition = custom.get("condition")
    if condition is None:
        metric = entry.get("metric") or entry.get("rule")
        if metric in ("nullValues", "nullCheck") and column and entry.get("mustBe", 0) == 0:
            return f"{column} is not null"
        if metric in ("rowCount", "countCheck") and column is None:
            return _row_count_rule(entry)
        return None
    threshold, enforce = custom.get("threshold"), custom.get("enforce")
    if "name" not in entry and "severity" not in entry and threshold is None and enforce is None:
        return str(condition)
    severity = entry.get("severity") if entry.get("severity") in ("error", "warning", "info") else "error"
    return QualityRuleSpec(
        name=entry.get("name"),
        condition=str(condition),
        threshold=threshold,
        severity=severity,
        enforce=enforce if enforce in ("on_write", "scheduled") else None,
    )


_ROW_COUNT_OPS = {"mustBe": "=", "mustBeGreaterThan": ">", "mustBeGreaterOrEqualTo": ">="}
_ROW_COUNT_OPS |= {"mustBeLessThan": "<", "mustBeLessOrEqualTo": "<=", "mustBeGreaterThanOrEqualTo": ">="}
_ROW_COUNT_OPS |= {"mustBeLessThanOrEqualTo": "<="}


def _row_count_rule(entry: dict[str, Any]) -> str | None:
    """A v3.0/v3.1 library row-count check (`rule: countCheck` / `metric: rowCount`) as `row_count <op> N`."""
    for key, op in _ROW_COUNT_OPS.items():
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"row_count {op} {value}"
    between = entry.get("mustBeBetween")
    if isinstance(between, list) and len(between) == 2 and all(isinstance(v, int) for v in between):
        return f"row_count between {between[0]} and {between[1]}"
    return None


def _sla_properties(sla: SlaSpec, table: str) -> list[dict[str, Any]]:
    found = []
    for prop, text in (
        ("freshness", sla.freshness),
        ("availability", sla.availability),
        ("qualityScore", sla.quality_score),
    ):
        match = _SLA_NUMBER.match(text or "")
        if text is None or match is None:
            continue
        number = float(match.group(1))
        unit = (match.group(2) or "").strip()
        entry: dict[str, Any] = {"property": prop, "value": int(number) if number.is_integer() else number}
        entry["unit"] = "percent" if unit == "%" else unit
        if prop == "freshness":
            entry["element"] = table
        found.append(entry)
    return found


def _custom_properties(product: ProductSpec) -> list[dict[str, Any]]:
    native: dict[str, Any] = {
        "enforcement": product.enforcement,
        "qualityRulesOnWrite": product.quality_rules_on_write,
        "createTable": product.create_table,
        "accessPatterns": list(product.contract.access_patterns),
    }
    optional = {
        "classification": product.classification,
        "documentationUrl": product.documentation_url,
        "productVersion": product.version,
        "inputPorts": [p.model_dump(exclude_none=True) for p in product.input_ports] or None,
        "outputPorts": [p.model_dump() for p in product.output_ports] or None,
        "usageTerms": list(product.usage_terms) or None,
    }
    native |= {key: value for key, value in optional.items() if value is not None}
    return [{"property": _NATIVE, "value": native}]


def import_odcs(text: str, *, domain: str | None = None, owner: str | None = None) -> ProductSpec:
    """Read an ODCS v3 document (YAML or JSON); `domain`/`owner` fill in what the document leaves out."""
    return import_odcs_document(load_document(text), overrides={"domain": domain, "owner": owner}).spec


def is_odcs(document: dict[str, Any]) -> bool:
    """An ODCS document declares `apiVersion` or `kind`; a native product document has neither."""
    return "apiVersion" in document or "kind" in document


def import_odcs_document(doc: dict[str, Any], *, overrides: dict[str, Any] | None = None) -> OdcsImport:
    """A product from a parsed ODCS document; `overrides` (domain, name, owner, lakehouse, table, create_table)
    win over what the document says or complete it. Also lists what the product cannot hold."""
    api_version = doc.get("apiVersion")
    if api_version not in _KNOWN:
        raise invalid("apiVersion", f"{api_version!r} is not an ODCS v3 apiVersion ({', '.join(sorted(_KNOWN))})")
    if doc.get("kind") != "DataContract":
        raise invalid("kind", f"kind must be DataContract, not {doc.get('kind')!r}")
    errors = sorted(_validator(str(api_version)).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        items = [
            ErrorItem(tuple(e.absolute_path), e.message[:300], {"json_path": e.json_path})
            for e in errors[:MAX_REPORTED_ERRORS]
        ]
        raise InvalidInput(f"The document is not valid ODCS {api_version}: {items[0].message}", errors=items)
    contract = OpenDataContractStandard.model_validate(doc)
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    try:
        spec, index, lakehouse_from = _to_product(contract, doc, given)
    except ValidationError as error:
        raise invalid_from_validation(error, "The contract does not make a valid data product") from None
    from lakemesh.products.odcs_report import not_imported  # the report reads this module's mapping

    return OdcsImport(spec, not_imported(doc, spec, index, lakehouse_from))


def load_document(text: str) -> dict[str, Any]:
    """A YAML or JSON mapping, bounded: size, no aliases, nesting depth."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise invalid((), f"the document is larger than {MAX_DOCUMENT_CHARS} characters")
    if nesting_depth(text) > MAX_DEPTH:  # refused before parsing: PyYAML takes seconds to hit its recursion limit
        raise invalid((), f"the document nests deeper than {MAX_DEPTH} levels")
    try:
        # Aliases are refused: they let a few lines expand into gigabytes ("billion laughs").
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=_TextDatesLoader)):
            raise invalid((), "YAML aliases (*name) are not accepted in a contract")
        doc = yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise invalid((), f"the document is not valid YAML{where}: {getattr(error, 'problem', error)}") from None
    except RecursionError:  # thousands of nested `[`: the parser recurses per level
        raise invalid((), "the document nests too deeply") from None
    if not isinstance(doc, dict):
        raise invalid((), "an ODCS document is a mapping with apiVersion, kind, id, version and status")
    return doc


def _to_product(
    contract: OpenDataContractStandard, doc: dict[str, Any], given: dict[str, Any]
) -> tuple[ProductSpec, int, str]:
    native = next((c.value for c in contract.customProperties or [] if c.property == _NATIVE), None)
    native = native if isinstance(native, dict) else {}
    index = _pick_object(doc.get("schema") or [], given.get("table"))
    table, props = doc["schema"][index], doc["schema"][index].get("properties") or []
    columns = {column_name(p): _column(index, i, p) for i, p in enumerate(props)}
    entries: list[tuple[dict[str, Any], str | None]] = [(e, None) for e in table.get("quality") or []]
    entries += [(e, column_name(p)) for p in props for e in p.get("quality") or []]
    rules = [rule for e, column in entries if (rule := _rule_from_entry(e, column)) is not None]
    description = contract.description
    patterns = native.get("accessPatterns")
    if patterns is None:
        patterns = [line for line in (description.usage or "").splitlines() if line.strip()] if description else []
    team = contract.team
    members = team if isinstance(team, list) else team.members if team is not None else None
    by_role = {(m.role or "").lower(): m.username for m in members or [] if m.username}
    domain = given.get("domain") or contract.domain
    lakehouse, lakehouse_from = _lakehouse(doc, given, domain)
    data: dict[str, Any] = {
        "name": given.get("name") or contract.name or contract.dataProduct or contract.id,
        "domain": domain,
        "owner": given.get("owner") or by_role.get("owner") or next(iter(by_role.values()), None),
        "description": (description.purpose or "") if description else "",
        "contract": {"schema": columns, "sla": _sla(contract), "access_patterns": patterns},
        "storage": {
            "lakehouse": _identifier(lakehouse),
            "table": _identifier(given.get("table") or table.get("physicalName") or table["name"]),
        },
        "quality_rules": rules,
        "tags": contract.tags or [],
        "data_steward": by_role.get("data steward") or by_role.get("steward"),
    }
    mapped = {"documentationUrl": "documentation_url", "productVersion": "version", "inputPorts": "input_ports"}
    mapped |= {"outputPorts": "output_ports", "enforcement": "enforcement", "createTable": "create_table"}
    mapped |= {"classification": "classification", "qualityRulesOnWrite": "quality_rules_on_write"}
    mapped |= {"usageTerms": "usage_terms"}
    data |= {field: native[key] for key, field in mapped.items() if key in native}
    if "create_table" in given:
        data["create_table"] = bool(given["create_table"])
    if data["domain"] is None:
        raise invalid("domain", "the document names no domain; pass one (--domain)")
    if data["owner"] is None:
        raise invalid("team", "the document names no team member to own the product; pass an owner (--owner)")
    return ProductSpec.model_validate(data), index, lakehouse_from


def column_name(prop: dict[str, Any]) -> str:
    """The table's column: the property's `physicalName` when it has one (v3.0.2+), else its `name`."""
    return str(prop.get("physicalName") or prop["name"])


def _pick_object(objects: list[dict[str, Any]], table: str | None) -> int:
    """The schema object the product serves: the only one, or the one named by `table`."""
    names = [str(o.get("physicalName") or o.get("name")) for o in objects]
    if table is not None and len(objects) > 1:
        for index, obj in enumerate(objects):
            if table in (obj.get("physicalName"), obj.get("name")):
                return index
        raise invalid("schema", f"no schema object is named {table!r} (the document has {', '.join(names)})")
    if len(objects) != 1:
        found = f": {', '.join(names)}; pass the table to use" if objects else ""
        raise invalid("schema", f"a data product serves exactly one table; the document has {len(objects)}{found}")
    return 0


_LAKEHOUSE_SERVERS = {"custom", "local"}  # what our export writes; a postgres or s3 server is not a lakehouse


def _lakehouse(doc: dict[str, Any], given: dict[str, Any], domain: str | None) -> tuple[str, str]:
    """The lakehouse and where it came from: the caller, the first server when it is a lakehouse, else the
    domain's conventional `<domain>_lakehouse`."""
    if given.get("lakehouse"):
        return str(given["lakehouse"]), "given"
    servers = doc.get("servers") or []
    first = servers[0] if servers and isinstance(servers[0], dict) else {}
    if first.get("server") and first.get("type") in _LAKEHOUSE_SERVERS:
        return str(first["server"]), "server"
    return f"{domain}_lakehouse", "default"


def _identifier(name: str) -> str:
    # Foreign server and table names ("my-postgres", "tbl.v1") become lakehouse-safe identifiers.
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "imported"
    return cleaned if not cleaned[0].isdigit() else f"_{cleaned}"


def _column(obj: int, index: int, prop: dict[str, Any]) -> dict[str, Any]:
    spelled, logical = str(prop.get("physicalType") or ""), prop.get("logicalType")
    try:
        parse_column_type(spelled)
        column_type = spelled.strip().lower().replace(" ", "")
    except ValueError:
        if logical not in _FROM_LOGICAL:
            where = ("schema", obj, "properties", index, "logicalType")
            raise invalid(where, f"{prop['name']}: logicalType {logical!r} has no native column type") from None
        column_type = _FROM_LOGICAL[logical]
    primary = bool(prop.get("primaryKey"))  # a primary key is required and unique, whatever else the entry says
    column: dict[str, Any] = {
        "type": column_type,
        "required": bool(prop.get("required")) or primary,
        "unique": bool(prop.get("unique")) or primary,
    }
    for key, field in (("description", "description"), ("classification", "sensitivity_label")):
        if prop.get(key) is not None:
            column[field] = prop[key]
    options = prop.get("logicalTypeOptions") or {}
    if "format" in options:
        column["format"] = str(options["format"])
    if _FROM_LOGICAL.get(str(logical)) in ("string", "number", "integer"):
        column |= _constraints_from(options)
    if (enum := _enum(prop)) is not None:
        column["enum"] = enum
    return column


def _enum(prop: dict[str, Any]) -> list[str] | None:
    if prop.get("enum"):  # v3.2 property-level enum values
        return [str(v.get("value")) for v in prop["enum"]]
    for entry in prop.get("quality") or []:
        metric = entry.get("metric") or entry.get("rule")
        values = (entry.get("arguments") or {}).get("validValues") if metric == "invalidValues" else None
        values = entry.get("validValues") if metric == "validValues" else values
        if isinstance(values, list):
            return [str(v) for v in values]
    return None


def _sla(contract: OpenDataContractStandard) -> dict[str, str]:
    sla: dict[str, str] = {}
    names = {"freshness": "freshness", "latency": "freshness", "availability": "availability", "uptime": "availability"}
    names["qualityScore"] = "quality_score"
    for entry in contract.slaProperties or []:
        key = names.get(entry.property or "")
        if key is None or key in sla or entry.value is None or isinstance(entry.value, bool):
            continue
        value, unit = entry.value, (entry.unit or "").strip()
        number = f"{value:g}" if isinstance(value, float | int) else str(value).strip()
        if key == "freshness":
            sla[key] = number if not unit else f"{number}{unit}" if len(unit) == 1 else f"{number} {unit}"
        else:
            sla[key] = number if number.endswith("%") else f"{number}%"
    return sla
