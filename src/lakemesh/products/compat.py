"""Breaking-change detection between two contract versions, judged from the consumer's side."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from lakemesh.core.errors import invalid
from lakemesh.products.contract import ColumnKind, ColumnSpec, ColumnType, ContractSpec, SlaSpec
from lakemesh.products.models import SEMVER

Bump = Literal["major", "minor", "patch"]
_WORDING = ("description", "access-patterns", "type-spelling")


@dataclass(frozen=True)
class Change:
    """One difference; `breaking` means an existing consumer may fail or get less than promised."""

    kind: str
    path: str
    breaking: bool
    message: str


def type_widens(old: ColumnType, new: ColumnType) -> bool:
    """True when every value of the old type is a value of the new one (readers keep working)."""
    if old == new:
        return True
    if old.kind is ColumnKind.DECIMAL and new.kind is ColumnKind.DECIMAL:
        return new.scale >= old.scale and new.precision - new.scale >= old.precision - old.scale
    return old.kind is ColumnKind.INTEGER and new.kind in (ColumnKind.FLOAT, ColumnKind.DECIMAL)


def diff_contracts(old: ContractSpec, new: ContractSpec) -> list[Change]:
    """Every difference between two contracts, each marked breaking or not."""
    changes: list[Change] = []
    old_cols = {name.lower(): (name, col) for name, col in old.columns.items()}
    new_cols = {name.lower(): (name, col) for name, col in new.columns.items()}
    for key, (name, column) in old_cols.items():
        if key not in new_cols:
            changes.append(Change("column-removed", f"schema.{name}", True, f"column {name!r} was removed"))
        else:
            changes.extend(_column_changes(name, column, new_cols[key][1]))
    for key, (name, column) in new_cols.items():
        if key not in old_cols:
            how = "a required" if column.required else "an optional"
            changes.append(
                Change("column-added", f"schema.{name}", column.required, f"{how} column {name!r} was added")
            )
    changes.extend(_sla_changes(old.sla, new.sla))
    if old.access_patterns != new.access_patterns:
        changes.append(Change("access-patterns", "access_patterns", False, "the access patterns changed"))
    return changes


def _column_changes(name: str, old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    path = f"schema.{name}"
    changes: list[Change] = []
    old_type, new_type = old.column_type, new.column_type
    if old_type != new_type:
        widened = type_widens(old_type, new_type)
        how = "widened" if widened else "changed incompatibly"
        changes.append(Change("type", f"{path}.type", not widened, f"{name}: type {how} from {old_type} to {new_type}"))
    elif old.type != new.type:
        changes.append(
            Change("type-spelling", f"{path}.type", False, f"{name}: type respelled {old.type!r} → {new.type!r}")
        )
    for flag in ("required", "unique"):
        before, after = getattr(old, flag), getattr(new, flag)
        if before != after:
            state = "now" if after else "no longer"
            # Adding a constraint breaks writers; removing one breaks readers who relied on it.
            changes.append(Change(flag, f"{path}.{flag}", True, f"{name} is {state} {flag}"))
    changes.extend(_enum_changes(name, old.enum, new.enum))
    for constraint in sorted(old.constraints.keys() | new.constraints.keys()):
        before, after = old.constraints.get(constraint), new.constraints.get(constraint)
        if before != after:
            # Like an enum: a bound added or changed may refuse data that was fine; a bound dropped only allows more.
            what = f"{constraint} {after}" if after is not None else f"no {constraint} any more"
            changes.append(Change(constraint, f"{path}.{constraint}", after is not None, f"{name}: {what}"))
    for attr in ("description", "sensitivity_label", "format"):
        if getattr(old, attr) != getattr(new, attr):
            breaking = attr == "format"
            changes.append(Change(attr, f"{path}.{attr}", breaking, f"{name}: {attr.replace('_', ' ')} changed"))
    return changes


def _enum_changes(name: str, old: list[str] | None, new: list[str] | None) -> list[Change]:
    path = f"schema.{name}.enum"
    if old == new:
        return []
    if new is None:
        return [Change("enum", path, False, f"{name}: any value is now allowed")]
    if old is None:
        return [Change("enum", path, True, f"{name}: values are now restricted to {', '.join(new)}")]
    changes = []
    if removed := [v for v in old if v not in new]:
        changes.append(Change("enum-removed", path, True, f"{name}: values removed: {', '.join(removed)}"))
    if added := [v for v in new if v not in old]:
        changes.append(Change("enum-added", path, False, f"{name}: values added: {', '.join(added)}"))
    return changes


def _sla_changes(old: SlaSpec, new: SlaSpec) -> list[Change]:
    """A looser SLA is breaking for consumers; a tighter one is not."""
    checks: list[tuple[str, Callable[[SlaSpec], object], bool]] = [
        ("freshness", lambda s: s.freshness_delta, True),
        ("availability", lambda s: s.availability_fraction, False),
        ("quality_score", lambda s: s.quality_score_fraction, False),
    ]
    changes = []
    for name, value_of, higher_is_looser in checks:
        before, after = value_of(old), value_of(new)
        if before == after:
            continue
        if after is None:
            looser = True
        elif before is None:
            looser = False
        else:
            looser = (after > before) if higher_is_looser else (after < before)  # type: ignore[operator]
        text = f"{getattr(old, name)} → {getattr(new, name)}"
        changes.append(Change("sla", f"sla.{name}", looser, f"{name} {'loosened' if looser else 'tightened'}: {text}"))
    return changes


def required_bump(changes: Iterable[Change]) -> Bump:
    """Breaking → major; anything that adds or changes meaning → minor; wording only → patch."""
    found = list(changes)
    if any(c.breaking for c in found):
        return "major"
    if any(c.kind not in _WORDING for c in found):
        return "minor"
    return "patch"


def next_version(current: str, changes: Iterable[Change]) -> str:
    """The semantic version the new contract should carry; a pre-release is finished rather than bumped."""
    match = SEMVER.match(current.strip())
    if match is None:
        raise invalid("version", f"{current!r} is not a semantic version like 1.2.0")
    major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
    bump = required_bump(changes)
    if match.group(4):  # a pre-release ends at its own version: 2.0.0-rc.1 → 2.0.0
        return f"{major}.{minor}.{patch}"
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
