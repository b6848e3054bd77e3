"""How a notebook's table name (`table`, `lakehouse.table`, `domain.lakehouse.table`) maps to a governed one."""

from __future__ import annotations

from dataclasses import dataclass

from lakemesh.core.errors import InvalidInput


@dataclass(frozen=True)
class TableRef:
    domain: str
    lakehouse: str
    table: str

    def sql(self) -> str:
        """The name as governed SQL reads it; each part quoted so `Sales-Domain` needs no escaping by the user."""
        return ".".join(_quoted(part) for part in (self.domain, self.lakehouse, self.table))


def resolve_name(name: str, *, domain: str | None, lakehouse: str | None) -> TableRef:
    """Resolve like a Fabric notebook: a bare name is in the default lakehouse, `lakehouse.table` in the domain."""
    parts = [part.strip().strip("`").strip('"') for part in name.split(".")]
    if not name.strip() or any(not part for part in parts) or len(parts) > 3:
        raise InvalidInput(f"{name!r} is not a table name; write table, lakehouse.table or domain.lakehouse.table")
    if len(parts) == 3:
        return TableRef(parts[0], parts[1], parts[2])
    if domain is None:
        raise InvalidInput(
            f"{name!r} needs a domain: set .config('lakemesh.domain', ...) or write domain.lakehouse.table"
        )
    if len(parts) == 2:
        return TableRef(domain, parts[0], parts[1])
    if lakehouse is None:
        raise InvalidInput(
            f"{name!r} needs a lakehouse: set .config('lakemesh.lakehouse', ...) or write lakehouse.table"
        )
    return TableRef(domain, lakehouse, parts[0])


def _quoted(part: str) -> str:
    return '"' + part.replace('"', '""') + '"'
