"""What an imported ODCS document says that a Lakemesh product cannot hold: listed by JSON path, never silently lost."""

from __future__ import annotations

from typing import Any

from lakemesh.products.models import ProductSpec
from lakemesh.products.odcs import _NATIVE, _ODCS_OPTION, _rule_from_entry, column_name
from lakemesh.products.views import NotImported

_TOP = {"apiVersion", "kind", "id", "version", "status", "name", "domain", "dataProduct", "tags", "description"}
_TOP |= {"schema", "team", "servers", "slaProperties", "customProperties"}
_OBJECT = {"name", "physicalName", "physicalType", "logicalType", "properties", "quality"}
_PROPERTY = {"name", "physicalName", "logicalType", "physicalType", "required", "unique", "primaryKey"}
_PROPERTY |= {"primaryKeyPosition", "description", "classification", "logicalTypeOptions", "quality"}
_OPTIONS = {"format", *_ODCS_OPTION.values()}
_SLA = {"freshness": "freshness", "latency": "freshness", "availability": "availability"}
_SLA |= {"uptime": "availability", "qualityScore": "quality_score"}
_ROW_COUNT = ("rowCount", "countCheck")
_ENUM = ("invalidValues", "validValues")
_REASONS = {
    "roles": "access roles: consumers request access to the product instead",
    "support": "support channels have no place in a product",
    "price": "pricing has no place in a product",
    "slaDefaultElement": "SLAs apply to the product's table",
    "relationships": "relationships (foreign keys) are not checked",
    "partitioned": "partitioning belongs to the table, not the contract",
    "tags": "column and table tags have no place; the document's top-level tags are kept",
}
_NO_PLACE = "no place in a Lakemesh product"


def not_imported(doc: dict[str, Any], spec: ProductSpec, index: int, lakehouse_from: str) -> list[NotImported]:
    """Each dropped part once, at the highest path that is dropped whole."""
    found: list[NotImported] = []
    for key, value in doc.items():
        if key not in _TOP and _held(value):
            found.append(_item(f"$.{key}", _REASONS.get(key, _NO_PLACE)))
    if doc.get("status") not in (None, "draft"):
        found.append(_item("$.status", f"a new product starts as a draft, not {doc['status']!r}; publish it"))
    if isinstance(doc.get("description"), dict):
        found += _extra_keys(doc["description"], "$.description", {"purpose", "usage"})
    found += _team(doc.get("team"), spec)
    found += _servers(doc.get("servers") or [], spec, lakehouse_from)
    found += _sla(doc.get("slaProperties") or [])
    for i, custom in enumerate(doc.get("customProperties") or []):
        if custom.get("property") != _NATIVE:
            found.append(_item(f"$.customProperties[{i}]", f"custom property {custom.get('property')!r}: {_NO_PLACE}"))
    for j, obj in enumerate(doc.get("schema") or []):
        if j != index:
            found.append(_item(f"$.schema[{j}]", f"a product serves one table; {obj.get('name')!r} is not it"))
        else:
            found += _object(obj, f"$.schema[{j}]")
    return found


def _held(value: Any) -> bool:
    """Whether a value says something: empty lists, false flags and position -1 are the defaults."""
    return value not in (None, False, "", [], {}, -1)


def _item(path: str, reason: str) -> NotImported:
    return NotImported(path=path, reason=reason)


def _extra_keys(data: dict[str, Any], path: str, taken: set[str]) -> list[NotImported]:
    return [_item(f"{path}.{k}", _REASONS.get(k, _NO_PLACE)) for k, v in data.items() if k not in taken and _held(v)]


def _team(team: Any, spec: ProductSpec) -> list[NotImported]:
    found, base, members = [], "$.team", team
    if isinstance(team, dict):
        found = _extra_keys(team, "$.team", {"members"})
        base, members = "$.team.members", team.get("members")
    kept = {spec.owner, spec.data_steward}
    for i, member in enumerate(members or []):
        name, role = member.get("username") or member.get("name"), member.get("role")
        if name not in kept:
            reason = f"{name} ({role}) is neither owner nor steward: add them to the domain as a member"
            found.append(_item(f"{base}[{i}]", reason))
    return found


def _servers(servers: list[dict[str, Any]], spec: ProductSpec, lakehouse_from: str) -> list[NotImported]:
    found = []
    for i, server in enumerate(servers):
        if i == 0 and lakehouse_from == "server":
            continue
        reason = f"a {server.get('type')} server is not a lakehouse; the product is bound to {spec.storage.lakehouse!r}"
        found.append(_item(f"$.servers[{i}]", reason))
    return found


def _sla(entries: list[dict[str, Any]]) -> list[NotImported]:
    """Mirrors `odcs._sla`: the first entry of each known property is kept."""
    found, taken = [], set()
    for i, entry in enumerate(entries):
        key, value = _SLA.get(entry.get("property") or ""), entry.get("value")
        if key is not None and key not in taken and value is not None and not isinstance(value, bool):
            taken.add(key)
            continue
        reason = f"only the first {key} is kept" if key in taken else f"no Lakemesh SLA for {entry.get('property')!r}"
        found.append(_item(f"$.slaProperties[{i}]", reason))
    return found


def _object(obj: dict[str, Any], path: str) -> list[NotImported]:
    found = _extra_keys(obj, path, _OBJECT)
    found += _checks(obj.get("quality") or [], f"{path}.quality", None)
    for i, prop in enumerate(obj.get("properties") or []):
        where = f"{path}.properties[{i}]"
        found += _extra_keys(prop, where, _PROPERTY)
        found += _extra_keys(prop.get("logicalTypeOptions") or {}, f"{where}.logicalTypeOptions", _OPTIONS)
        found += _checks(prop.get("quality") or [], f"{where}.quality", column_name(prop))
    return found


def _checks(entries: list[dict[str, Any]], path: str, column: str | None) -> list[NotImported]:
    found = []
    for i, entry in enumerate(entries):
        metric = entry.get("metric") or entry.get("rule")
        if (column is not None and metric in _ENUM) or _rule_from_entry(entry, column) is not None:
            continue
        found.append(_item(f"{path}[{i}]", _check_reason(entry, metric)))
    return found


def _check_reason(entry: dict[str, Any], metric: Any) -> str:
    kind = entry.get("type") or "library"
    if kind == "library" and metric in _ROW_COUNT:
        return f"row-count check {metric!r} without a comparison (mustBe, mustBeGreaterThan, ...)"
    if kind == "library":
        return f"library check {metric!r} has no Lakemesh rule"
    if kind == "sql":
        return "SQL checks are not translated; write the condition as a quality rule"
    if kind == "text":
        return "a text check is for people; nothing to run"
    return f"a custom check for engine {entry.get('engine')!r}"
