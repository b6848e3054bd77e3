"""The values `references` rules check against: the referenced column, read through governance as the product's
owner, so a rule never sees (or reveals, through its pass rate) data its owner may not read; masks apply.

Like dbt's `relationships` test and Soda's reference check: a value passes when it is null or present in the
referenced column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.engine import Rule

# (owner's name, domain, lakehouse, table, column) -> that column as the owner may read it
ReferenceReader = Callable[[str, str, str, str, str], pa.Table]


def reference_values(rules: Sequence[Rule], owner: str, read: ReferenceReader | None) -> dict[str, pa.Table]:
    """One relation of distinct values per referenced column, or InvalidInput naming the rule that cannot run."""
    values: dict[str, pa.Table] = {}
    for rule in rules:
        reference = rule.reference
        if reference is None or reference.relation in values:
            continue
        if read is None:
            raise InvalidInput(f"rule {rule.name!r}: references cannot be checked here")
        try:
            table = read(owner, reference.domain, reference.lakehouse, reference.table, reference.column)
        except (NotFound, Forbidden) as exc:
            raise InvalidInput(
                f"rule {rule.name!r}: {reference.qualified} cannot be read as the product's owner {owner!r} "
                f"({exc.detail}); grant the owner read access to it"
            ) from exc
        if table.num_columns != 1:
            raise InvalidInput(f"rule {rule.name!r}: {reference.qualified} has no column {reference.column!r}")
        distinct = pc.unique(table.column(0).combine_chunks())
        values[reference.relation] = pa.table({reference.column: distinct})
    return values
