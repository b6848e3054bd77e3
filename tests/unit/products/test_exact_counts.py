"""Issue 28.2: each rule counts a breaking row once, across batches and the end-of-write uniqueness check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.core.errors import ContractViolation
from lakemesh.products.contract import parse_contract
from lakemesh.products.guard import ContractCheck

CONTRACT = {
    "schema": {
        "invoice_id": {"type": "string", "required": True, "unique": True},
        "status": {"type": "string", "enum": ["open", "paid"]},
        "amount": {"type": "decimal(18,2)", "minimum": 0, "maximum": 1000},
        "code": {"type": "string", "minLength": 3, "maxLength": 5, "pattern": "^[A-Z]+$"},
        "rate": {"type": "float", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    }
}
GOOD = {"invoice_id": "i0", "status": "open", "amount": Decimal("1.00"), "code": "ABC", "rate": 0.5}
TYPES = {"amount": pa.decimal128(18, 2), "rate": pa.float64()}


def batch(*rows: dict[str, Any]) -> pa.RecordBatch:
    names = list(GOOD)
    return pa.RecordBatch.from_pydict({n: pa.array([r[n] for r in rows], TYPES.get(n, pa.string())) for n in names})


def judge(*batches: pa.RecordBatch, existing: list[str] | None = None) -> dict[tuple[str, str], Any]:
    keys = {"invoice_id": pa.chunked_array([pa.array(existing, pa.string())])} if existing else {}
    check = ContractCheck("finance/invoices", "t", parse_contract(CONTRACT), "block", keys, lambda v: None)
    for b in batches:
        check.check(b)
    try:
        check.finish()
    except ContractViolation as refusal:
        return {(i.extra["rule"], i.loc[-1]): i.extra for i in refusal.errors}
    return {}


def row(n: int, **changes: Any) -> dict[str, Any]:
    return {**GOOD, "invoice_id": f"i{n}", **changes}


def test_one_null_key_that_is_required_and_unique_is_one_required_failure() -> None:
    found = judge(batch(row(1, invoice_id=None), row(2)))
    assert list(found) == [("required", "invoice_id")]
    assert found["required", "invoice_id"]["failed_rows"] == 1
    assert [e["invoice_id"] for e in found["required", "invoice_id"]["examples"]] == [None]


def test_three_null_keys_over_two_batches_are_three_and_not_duplicates() -> None:
    found = judge(batch(row(1, invoice_id=None), row(2, invoice_id=None)), batch(row(3, invoice_id=None), row(4)))
    assert found["required", "invoice_id"]["failed_rows"] == 3
    assert ("unique", "invoice_id") not in found


def test_a_repeated_key_across_batches_counts_once_per_extra_row() -> None:
    found = judge(batch(row(1), row(2)), batch(row(1), row(1)))
    assert list(found) == [("unique", "invoice_id")]
    assert found["unique", "invoice_id"]["failed_rows"] == 2


def test_a_key_already_in_the_table_counts_each_row() -> None:
    found = judge(batch(row(1), row(2), row(3)), existing=["i2", "i3", "x"])
    assert found["unique", "invoice_id"]["failed_rows"] == 2
    assert sorted(e["invoice_id"] for e in found["unique", "invoice_id"]["examples"]) == ["i2", "i3"]


@pytest.mark.parametrize(
    ("rule", "column", "bad"),
    [
        ("enum", "status", "void"),
        ("minimum", "amount", Decimal("-50.00")),
        ("maximum", "amount", Decimal("1000.01")),
        ("min_length", "code", "AB"),
        ("max_length", "code", "ABCDEF"),
        ("pattern", "code", "ab1"),
        ("exclusive_minimum", "rate", 0.0),
        ("exclusive_maximum", "rate", 1.0),
    ],
)
def test_each_value_rule_counts_exactly_the_breaking_rows(rule: str, column: str, bad: Any) -> None:
    rows = [row(1, **{column: bad}), row(2), row(3, **{column: bad}), row(4, **{column: None})]
    found = judge(batch(*rows[:2]), batch(*rows[2:]))
    assert (rule, column) in found
    assert found[rule, column]["failed_rows"] == 2  # the null row breaks no value rule
    assert [e["invoice_id"] for e in found[rule, column]["examples"]] == ["i1", "i3"]


def test_finishing_twice_does_not_double_the_counts() -> None:
    check = ContractCheck("p", "t", parse_contract(CONTRACT), "block", {}, lambda v: None)
    check.check(batch(row(1, invoice_id=None)))
    for _ in range(2):
        with pytest.raises(ContractViolation) as refused:
            check.finish()
        assert refused.value.errors[0].extra["failed_rows"] == 1
