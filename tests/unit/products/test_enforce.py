"""Contract enforcement on a batch: counts, examples, the error users see, and safe casting."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lakemesh.core.errors import ContractViolation, InvalidInput
from lakemesh.products.contract import ContractSpec, parse_contract
from lakemesh.products.enforce import check_batch, conform, violations_to_error

CONTRACT = {
    "schema": {
        "customer_id": {"type": "string", "required": True, "unique": True},
        "segment": {"type": "string", "enum": ["Enterprise", "SMB", "Consumer"]},
        "lifetime_value": {"type": "decimal"},
        "last_updated": {"type": "timestamp"},
    }
}


def contract() -> ContractSpec:
    return parse_contract(CONTRACT)


def batch(**overrides: pa.Array) -> pa.Table:
    columns = {
        "customer_id": pa.array(["c1", "c2", "c3"]),
        "segment": pa.array(["SMB", "Consumer", "Enterprise"]),
        "lifetime_value": pa.array([Decimal("1.50"), Decimal("2.00"), None], pa.decimal128(18, 2)),
        "last_updated": pa.array([datetime(2025, 1, 1, tzinfo=UTC)] * 3, pa.timestamp("us", tz="UTC")),
    }
    columns.update(overrides)
    return pa.table(columns)


def by_rule(violations: list) -> dict[tuple[str, str], object]:
    return {(v.rule, v.column): v for v in violations}


def test_a_good_batch_has_no_violations() -> None:
    assert check_batch(contract(), batch()) == []


def test_required_enum_and_unique_are_counted_with_examples() -> None:
    data = batch(customer_id=pa.array(["c1", None, "c1"]), segment=pa.array(["SMB", "Gold", None]))
    found = by_rule(check_batch(contract(), data))
    assert set(found) == {("required", "customer_id"), ("enum", "segment"), ("unique", "customer_id")}
    assert found["required", "customer_id"].failed_rows == 1
    assert found["enum", "segment"].failed_rows == 1  # null is not an enum violation
    assert found["enum", "segment"].examples == [
        {"customer_id": None, "segment": "Gold", "lifetime_value": "2.00", "last_updated": "2025-01-01T00:00:00+00:00"}
    ]
    assert found["unique", "customer_id"].failed_rows == 1
    assert [row["customer_id"] for row in found["unique", "customer_id"].examples] == ["c1", "c1"]


def test_missing_column_and_incompatible_type() -> None:
    data = batch(last_updated=pa.array(["2025-01-01"] * 3)).drop_columns(["segment"])
    found = by_rule(check_batch(contract(), data))
    assert found["missing-column", "segment"].failed_rows == 3
    assert "expected timestamp, got string" in found["type", "last_updated"].detail


def test_columns_match_case_insensitively() -> None:
    data = batch().rename_columns(["Customer_ID", "SEGMENT", "lifetime_value", "last_updated"])
    assert check_batch(contract(), data) == []


def test_existing_keys_catch_values_already_in_the_table() -> None:
    found = check_batch(contract(), batch(), existing_keys=pa.array(["c3", "c9"]))
    assert [(v.rule, v.failed_rows, v.examples[0]["customer_id"]) for v in found] == [("unique", 1, "c3")]
    named = check_batch(contract(), batch(), existing_keys={"customer_id": pa.chunked_array([["c1"], ["c2"]])})
    assert named[0].failed_rows == 2


def test_existing_keys_for_a_column_that_is_not_unique_are_refused() -> None:
    with pytest.raises(InvalidInput):
        check_batch(contract(), batch(), existing_keys={"segment": pa.array(["SMB"])})


def test_dictionary_encoded_strings_are_checked_by_value() -> None:
    data = batch(segment=pa.array(["SMB", "Gold", "Gold"]).dictionary_encode())
    assert by_rule(check_batch(contract(), data))["enum", "segment"].failed_rows == 2


def test_violations_become_one_contract_violation_with_json_safe_details() -> None:
    data = batch(customer_id=pa.array([None, None, "c1"]), segment=pa.array(["x", "SMB", "SMB"]))
    error = violations_to_error(check_batch(contract(), data))
    assert isinstance(error, ContractViolation) and error.status == 422
    assert [item.loc for item in error.errors] == [("data", "customer_id"), ("data", "segment")]
    first = error.errors[0]
    assert first.extra["rule"] == "required" and first.extra["failed_rows"] == 2
    assert "2 row(s) break the 'required' rule" in first.message
    json.dumps([item.as_dict() for item in error.errors])  # examples must travel in problem JSON


def test_conform_casts_safe_widenings_to_the_contract_types() -> None:
    data = batch(
        customer_id=pa.array(["c1", "c2", "c3"], pa.large_string()),
        lifetime_value=pa.array([1, 2, 3], pa.int64()),
        last_updated=pa.array([1_700_000_000_000_000_123] * 3, pa.timestamp("ns")),
    ).append_column("extra", pa.array([1, 2, 3], pa.int8()))
    assert check_batch(contract(), data) == []
    out = conform(contract(), data)
    assert out.schema.field("customer_id").type == pa.string()
    assert out.schema.field("customer_id").nullable is False
    assert out.column("lifetime_value").to_pylist() == [Decimal("1.00"), Decimal("2.00"), Decimal("3.00")]
    assert out.schema.field("last_updated").type == pa.timestamp("us", tz="UTC")
    assert out.schema.field("extra").type == pa.int8()


def test_conform_refuses_values_that_do_not_fit() -> None:
    data = batch(lifetime_value=pa.array([10**17, 1, 2], pa.int64()))
    with pytest.raises(ContractViolation) as error:
        conform(contract(), data)
    assert error.value.errors[0].loc == ("data", "lifetime_value")


def test_conform_leaves_string_timestamps_alone_for_check_batch_to_report() -> None:
    data = batch(last_updated=pa.array(["2025-01-01T00:00:00Z"] * 3))
    assert conform(contract(), data).schema.field("last_updated").type == pa.string()
    assert by_rule(check_batch(contract(), data))["type", "last_updated"].failed_rows == 3


def test_one_million_rows_are_counted_exactly() -> None:
    n = 1_000_000
    rng = np.random.default_rng(7)
    null_mask = rng.random(n) < 0.01
    ids = pc.if_else(
        pa.array(null_mask), pa.scalar(None, pa.string()), pa.array(np.char.add("c", np.arange(n).astype(str)))
    )
    segments = np.array(["Enterprise", "SMB", "Consumer", "Gold"])[rng.integers(0, 4, n)]
    data = pa.table(
        {
            "customer_id": ids,
            "segment": pa.array(segments),
            "lifetime_value": pa.array(rng.integers(0, 10_000, n)),
            "last_updated": pa.array(np.full(n, np.datetime64("2025-01-01T00:00:00", "us"))),
        }
    )
    found = by_rule(check_batch(contract(), data))
    assert set(found) == {("required", "customer_id"), ("enum", "segment")}
    assert found["required", "customer_id"].failed_rows == int(null_mask.sum())
    assert found["enum", "segment"].failed_rows == int((segments == "Gold").sum())
    assert len(found["enum", "segment"].examples) == 5
