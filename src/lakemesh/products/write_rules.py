"""Row-level quality rules checked on write: the same engine scan as the scheduled run, over each batch.

A rule is checked on write when it says `enforce: on_write`, or when the product sets
`quality_rules_on_write` and the rule has severity `error` (unless it says `enforce: scheduled`).
Dataset rules (row counts, unique(), freshness()) judge the whole table and stay with the scheduled run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.engine import EngineSession, Rule, parse_rule, run_scan
from lakemesh.products.enforce import MAX_EXAMPLES, Violation, jsonable

BATCH_RELATION = "incoming_batch"


def rules_on_write(entries: Sequence[Any], *, all_errors: bool) -> list[Rule]:
    """The product's row rules that must hold on write (stored rule entries: text or dicts)."""
    chosen: list[Rule] = []
    for index, entry in enumerate(entries):
        spec = entry if isinstance(entry, dict) else {"condition": entry}
        enforce, severity = spec.get("enforce"), spec.get("severity") or "error"
        if enforce != "on_write" and not (all_errors and severity == "error" and enforce != "scheduled"):
            continue
        threshold = spec.get("threshold")
        rule = parse_rule(
            spec["condition"],
            name=spec.get("name"),
            threshold=1.0 if threshold is None else threshold,
            severity=severity,
            loc=("quality_rules", index),
        )
        if rule.kind == "row":
            chosen.append(rule)
    return chosen


def on_write_errors(entries: Sequence[Any]) -> list[ErrorItem]:
    """`enforce: on_write` on a dataset rule cannot be honoured per batch: say so when the product is saved."""
    errors: list[ErrorItem] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("enforce") != "on_write":
            continue
        try:
            rule = parse_rule(entry["condition"], loc=("quality_rules", index))
        except InvalidInput:  # the rule's own error is reported by rule_errors
            continue
        if rule.kind != "row":
            message = f"{rule.text!r} judges the whole table, so it cannot be checked per write; only row rules can"
            errors.append(ErrorItem(("quality_rules", index, "enforce"), message))
    return errors


@dataclass
class RowRulesCheck:
    """Counts, per rule, the rows of a write that break it, with a few examples of the contract's columns."""

    rules: list[Rule]
    now: datetime
    shown: list[str]
    rows: int = 0
    failed: dict[int, int] = field(default_factory=dict)
    examples: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def check(self, data: pa.Table) -> None:
        self.rows += data.num_rows
        with EngineSession(threads=1) as session:
            session.register(BATCH_RELATION, data)
            result = run_scan(session, BATCH_RELATION, self.rules, now=self.now, sample_limit=MAX_EXAMPLES)
        lower = {name.lower() for name in self.shown}
        for index, outcome in enumerate(result.rules):
            if not outcome.failed_rows:
                continue
            self.failed[index] = self.failed.get(index, 0) + outcome.failed_rows
            kept = self.examples.setdefault(index, [])
            for sample in outcome.samples[: MAX_EXAMPLES - len(kept)]:
                kept.append({k: jsonable(v) for k, v in sample.items() if k.lower() in lower})

    def violations(self) -> list[Violation]:
        """Rules broken by more rows than their threshold allows, over the whole write."""
        found = []
        for index, failed in sorted(self.failed.items()):
            rule = self.rules[index]
            if self.rows and (self.rows - failed) / self.rows >= rule.threshold:
                continue
            column = min(rule.columns) if rule.columns else "row"
            detail = f"the quality rule {rule.text!r} is checked on write"
            found.append(Violation(rule.name, column, failed, detail, self.examples.get(index, [])))
        return found
