"""Contract types, their Arrow schema and how an existing table must match them."""

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.products.contract import (
    ColumnKind,
    check_table_schema,
    parse_column_type,
    parse_contract,
    to_arrow_schema,
)
from lakemesh.products.models import parse_product
from tests.unit.products.seed import CUSTOMER_360


def contract_with(**columns: dict[str, object]) -> object:
    return parse_contract({"schema": columns})


@pytest.mark.parametrize(
    ("spelled", "arrow"),
    [
        ("string", pa.string()),
        ("decimal", pa.decimal128(18, 2)),
        ("Decimal(10, 4)", pa.decimal128(10, 4)),
        ("numeric(12,2)", pa.decimal128(12, 2)),
        ("integer", pa.int64()),
        ("int", pa.int64()),
        ("bigint", pa.int64()),
        ("long", pa.int64()),
        ("float", pa.float64()),
        ("double", pa.float64()),
        ("number", pa.float64()),
        ("boolean", pa.bool_()),
        ("bool", pa.bool_()),
        ("date", pa.date32()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ],
)
def test_every_supported_type_has_its_arrow_type(spelled: str, arrow: pa.DataType) -> None:
    assert parse_column_type(spelled).to_arrow() == arrow


def test_seed_contract_arrow_schema() -> None:
    schema = to_arrow_schema(parse_product(CUSTOMER_360).contract)
    assert schema.names == ["customer_id", "customer_name", "lifetime_value", "segment", "churn_risk", "last_updated"]
    assert schema.field("last_updated").type == pa.timestamp("us", tz="UTC")
    assert schema.field("customer_id").metadata == {b"description": b"Unique customer identifier"}


def test_required_columns_are_not_nullable() -> None:
    schema = to_arrow_schema(
        parse_contract({"schema": {"id": {"type": "string", "required": True}, "x": {"type": "int"}}})
    )
    assert schema.field("id").nullable is False
    assert schema.field("x").nullable is True


def test_desc_is_accepted_for_description() -> None:
    contract = parse_contract({"schema": {"id": {"type": "string", "desc": "the key"}}})
    assert contract.columns["id"].description == "the key"


@pytest.mark.parametrize("spelled", ["varchar2", "decimal(40,2)", "decimal(5,6)", "decimal(0)", "", "struct<a:int>"])
def test_unknown_or_impossible_types_are_refused(spelled: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_contract({"schema": {"amount": {"type": spelled}}})
    assert error.value.errors[0].loc == ("schema", "amount", "type")


def test_enum_on_an_integer_column_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_contract({"schema": {"rank": {"type": "integer", "enum": [1, 2, 3]}}})
    assert error.value.errors[0].loc == ("schema", "rank")
    assert "enum is only allowed on string columns" in error.value.errors[0].message


@pytest.mark.parametrize("enum", [[], ["a", "a"]])
def test_empty_or_repeated_enum_is_refused(enum: list[str]) -> None:
    with pytest.raises(InvalidInput):
        parse_contract({"schema": {"s": {"type": "string", "enum": enum}}})


@pytest.mark.parametrize(
    "columns",
    [
        {},
        {"drop table x": {"type": "string"}},
        {"Id": {"type": "string"}, "id": {"type": "int"}},
        {"../x": {"type": "int"}},
    ],
)
def test_bad_column_sets_are_refused(columns: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        parse_contract({"schema": columns})


@pytest.mark.parametrize(
    ("field", "value"),
    [("freshness", "daily"), ("availability", "101%"), ("quality_score", "high"), ("availability", True)],
)
def test_bad_sla_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_contract({"schema": {"id": {"type": "string"}}, "sla": {field: value}})
    assert error.value.errors[0].loc == ("sla", field)


def test_check_table_schema_accepts_compatible_widenings_and_extra_columns() -> None:
    contract = parse_product(CUSTOMER_360).contract
    table = pa.schema(
        [
            ("CUSTOMER_ID", pa.large_string()),
            ("customer_name", pa.string()),
            ("lifetime_value", pa.decimal128(20, 2)),
            ("segment", pa.string()),
            ("churn_risk", pa.decimal128(18, 2)),
            ("last_updated", pa.timestamp("ns")),
            ("extra", pa.int8()),
        ]
    )
    assert check_table_schema(contract, table) == []


def test_check_table_schema_reports_missing_and_incompatible_columns() -> None:
    contract = parse_product(CUSTOMER_360).contract
    table = pa.schema(
        [
            ("customer_id", pa.int64()),
            ("lifetime_value", pa.string()),
            ("segment", pa.string()),
            ("churn_risk", pa.float64()),
            ("last_updated", pa.string()),
        ]
    )
    problems = {item.loc[1]: item.message for item in check_table_schema(contract, table)}
    assert set(problems) == {"customer_id", "customer_name", "lifetime_value", "churn_risk", "last_updated"}
    assert "missing" in problems["customer_name"]
    assert "int64" in problems["customer_id"]


def test_integer_column_accepts_int32_table_column() -> None:
    contract = parse_contract({"schema": {"n": {"type": "integer"}}})
    assert check_table_schema(contract, pa.schema([("n", pa.int32())])) == []
    assert contract.columns["n"].column_type.kind is ColumnKind.INTEGER


def test_bare_decimal_accepts_any_stored_decimal_but_an_explicit_one_checks_scale() -> None:
    bare = parse_contract({"schema": {"v": {"type": "decimal"}}})
    assert check_table_schema(bare, pa.schema([("v", pa.decimal128(18, 4))])) == []
    exact = parse_contract({"schema": {"v": {"type": "decimal(18,2)"}}})
    assert check_table_schema(exact, pa.schema([("v", pa.decimal128(18, 4))])) != []


def test_a_bare_decimal_is_named_as_the_contract_says_it() -> None:
    bare = parse_contract({"schema": {"v": {"type": "decimal"}}})
    [problem] = check_table_schema(bare, pa.schema([("v", pa.string())]))
    assert problem.message == "column 'v' is string in the table but the contract says decimal"
    assert "decimal(18,2)" not in problem.message
