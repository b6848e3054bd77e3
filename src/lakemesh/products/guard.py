"""The contract enforced on writes: every batch is checked before the commit; a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from lakemesh.core.errors import ContractViolation
from lakemesh.products.contract import ColumnSpec, ContractSpec
from lakemesh.products.enforce import Violation, check_batch, violations_to_error
from lakemesh.products.write_rules import RowRulesCheck

MAX_EXAMPLES = 5


@dataclass
class ContractCheck:
    """Sums violations over all batches; `unique` is checked once at the end over the whole write."""

    product: str
    table: str
    contract: ContractSpec
    enforcement: str
    existing_keys: dict[str, pa.ChunkedArray]
    on_warning: Callable[[list[Violation]], None]
    found: dict[tuple[str, str], Violation] = field(default_factory=dict)
    keys: list[pa.Table] = field(default_factory=list)
    outcome: list[str] | ContractViolation | None = None
    row_rules: RowRulesCheck | None = None

    def __post_init__(self) -> None:
        columns = self.contract.columns
        self.unique_columns = [name for name, spec in columns.items() if spec.unique]
        per_batch = {name: spec.model_copy(update={"unique": False}) for name, spec in columns.items()}
        self.per_batch = self.contract.model_copy(update={"columns": per_batch})

    def check(self, batch: pa.RecordBatch) -> None:
        data = pa.Table.from_batches([batch])
        self._add(check_batch(self.per_batch, data))
        if self.row_rules is not None:
            self.row_rules.check(data)
        if self.unique_columns:
            lookup = {n.lower(): n for n in data.column_names}
            present = [lookup[c.lower()] for c in self.unique_columns if c.lower() in lookup]
            self.keys.append(data.select(present))

    def finish(self) -> list[str]:
        # The write path may call finish again after a storage error; judging the batches twice would double counts.
        if self.outcome is None:
            try:
                self.outcome = self._judge()
            except ContractViolation as refusal:
                self.outcome = refusal
        if isinstance(self.outcome, ContractViolation):
            raise self.outcome
        return self.outcome

    def _judge(self) -> list[str]:
        if self.unique_columns and self.keys:
            keys = pa.concat_tables(self.keys, promote_options="default")
            # Only uniqueness is judged here: `required` and the value checks already counted each row per batch.
            only_unique = {
                name: ColumnSpec(type=self.contract.columns[name].type, unique=True) for name in self.unique_columns
            }
            existing = self.existing_keys or None
            self._add(
                check_batch(self.contract.model_copy(update={"columns": only_unique}), keys, existing_keys=existing)
            )
        if self.row_rules is not None:
            self._add(self.row_rules.violations())
        violations = list(self.found.values())
        if not violations:
            return []
        if self.enforcement == "block":
            raise violations_to_error(violations, subject=f"The write to {self.table} (product {self.product})")
        self.on_warning(violations)
        return [f"contract of {self.product}: {v.message}" for v in violations]

    def _add(self, violations: list[Violation]) -> None:
        for violation in violations:
            key = (violation.rule, violation.column)
            seen = self.found.get(key)
            if seen is None:
                self.found[key] = violation
                continue
            examples = (seen.examples + violation.examples)[:MAX_EXAMPLES]
            self.found[key] = Violation(
                seen.rule, seen.column, seen.failed_rows + violation.failed_rows, seen.detail, examples
            )
