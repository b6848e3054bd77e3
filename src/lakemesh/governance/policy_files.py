"""Policies as code: loading policy documents from YAML/JSON files or folders, and the plan `policy apply` shows.

A file may hold one policy, a list of policies, `{"policies": [...]}`, or several YAML documents separated
by `---`. A folder is every `*.yaml`, `*.yml` and `*.json` file in it, in name order. The plan compares each
document with what the server holds, the way `terraform plan` does: `+` create, `~` change, `=` unchanged.
Policies missing from the files are left alone (apply never deletes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from lakemesh.core.errors import ErrorItem, InvalidInput, invalid
from lakemesh.core.names import slugify

SUFFIXES = (".yaml", ".yml", ".json")
FIELDS = ("description", "scope", "workspace", "domain", "rule", "language", "enforcement")
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PlannedPolicy:
    action: Literal["create", "update", "unchanged"]
    name: str
    document: dict[str, Any]
    changes: tuple[Change, ...] = ()


@dataclass
class Plan:
    items: list[PlannedPolicy] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for i in self.items if i.action == action)

    @property
    def pending(self) -> list[PlannedPolicy]:
        return [i for i in self.items if i.action != "unchanged"]

    def render(self) -> str:
        """Terraform-plan-like text, one block per policy, then the summary line."""
        lines: list[str] = []
        for item in self.items:
            doc = item.document
            target = doc.get("workspace") or doc.get("domain")
            scope = f"{str(doc.get('scope', 'GLOBAL')).upper()}{' ' + str(target) if target else ''}"
            if item.action == "create":
                lines.append(f'  + policy "{item.name}" ({scope}, {doc.get("enforcement", "warn")})')
                lines.append(f"      rule: {_one_line(doc.get('rule'))}")
            elif item.action == "update":
                lines.append(f'  ~ policy "{item.name}"')
                lines.extend(f"      ~ {c.field}: {_show(c.old)} -> {_show(c.new)}" for c in item.changes)
            else:
                lines.append(f'  = policy "{item.name}" (unchanged)')
        create, update, same = self.count("create"), self.count("update"), self.count("unchanged")
        lines.append(f"Plan: {create} to add, {update} to change, {same} unchanged.")
        return "\n".join(lines)


def load_policy_documents(path: Path) -> list[dict[str, Any]]:
    """Every policy document in a file or a folder; duplicate names are refused."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise invalid("file", f"{path} holds no .yaml, .yml or .json files")
    elif path.is_file():
        files = [path]
    else:
        raise invalid("file", f"{path} does not exist")
    documents: list[dict[str, Any]] = []
    for file in files:
        documents.extend(_from_file(file))
    seen: dict[str, int] = {}
    errors = []
    for index, document in enumerate(documents):
        key = slugify(str(document.get("name", "")))
        if key in seen:
            errors.append(ErrorItem((index, "name"), f"policy {document.get('name')!r} is defined twice"))
        seen[key] = index
    if errors:
        raise InvalidInput("The policy files define a policy twice", errors=errors)
    return documents


def _from_file(file: Path) -> list[dict[str, Any]]:
    if file.stat().st_size > MAX_FILE_BYTES:
        raise invalid("file", f"{file} is larger than {MAX_FILE_BYTES} bytes")
    try:
        loaded = [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise invalid("file", f"{file} is not valid YAML or JSON: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise invalid("file", f"{file} nests too deeply") from None
    documents: list[dict[str, Any]] = []
    for item in loaded:
        listed = item.get("policies") if isinstance(item, dict) else item
        for document in listed if isinstance(listed, list) else [item]:
            if not isinstance(document, dict) or "name" not in document:
                raise invalid("file", f"{file}: every policy must be a mapping with a name")
            documents.append(document)
    return documents


def plan(current: Iterable[Any], documents: Iterable[dict[str, Any]]) -> Plan:
    """`current` are Policy objects (or dicts) as the server returns them."""
    stored = {slugify(_get(p, "name")): p for p in current}
    result = Plan()
    for document in documents:
        name = str(document["name"])
        existing = stored.get(slugify(name))
        if existing is None:
            result.items.append(PlannedPolicy("create", name, document))
            continue
        changes = tuple(
            Change(key, _get(existing, key), document.get(key))
            for key in FIELDS
            if _differs(key, _get(existing, key), document.get(key))
        )
        result.items.append(PlannedPolicy("update" if changes else "unchanged", name, document, changes))
    return result


def _get(policy: Any, key: str) -> Any:
    return policy.get(key) if isinstance(policy, dict) else getattr(policy, key, None)


def _differs(key: str, old: Any, new: Any) -> bool:
    if key == "domain":
        return new is not None and slugify(str(new)) != slugify(str(old or ""))
    if key == "language":
        return new is not None and new != old
    if key in ("scope", "enforcement"):
        default = "GLOBAL" if key == "scope" else "warn"
        return str(old or default).lower() != str(new or default).lower()
    if key == "rule":
        return " ".join(str(old or "").split()) != " ".join(str(new or "").split())
    return (old or None) != (new or None)


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _show(value: Any) -> str:
    return "(none)" if value in (None, "") else f'"{_one_line(value)}"'
