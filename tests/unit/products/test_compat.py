"""Breaking-change detection from the consumer's side, and the version bump it calls for."""

import copy
from typing import Any

import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.products.compat import Change, diff_contracts, next_version, required_bump
from lakemesh.products.contract import ContractSpec, parse_contract
from tests.unit.products.seed import CUSTOMER_360


def base() -> dict[str, Any]:
    return copy.deepcopy(CUSTOMER_360["contract"])


def diff(change: dict[str, Any]) -> list[Change]:
    new = base()
    for path, value in change.items():
        *parents, leaf = path.split(".")
        target = new
        for part in parents:
            target = target[part]
        if value is None:
            del target[leaf]
        else:
            target[leaf] = value
    return diff_contracts(parse_contract(base()), parse_contract(new))


@pytest.mark.parametrize(
    "change",
    [
        {"schema.customer_name": None},
        {"schema.lifetime_value.type": "decimal(10,2)"},
        {"schema.lifetime_value.type": "decimal(18,4)"},
        {"schema.customer_id.type": "integer"},
        {"schema.lifetime_value.type": "integer"},
        {"schema.customer_id.required": True},
        {"schema.customer_id.unique": True},
        {"schema.segment.enum": ["Enterprise", "SMB"]},
        {"schema.customer_name.enum": ["a", "b"]},
        {"schema.new_key": {"type": "string", "required": True}},
        {"sla.freshness": "48h"},
        {"sla.availability": "99%"},
        {"sla.quality_score": "90%"},
        {"sla.freshness": None},
    ],
)
def test_breaking_changes(change: dict[str, Any]) -> None:
    changes = diff(change)
    assert any(c.breaking for c in changes), changes
    assert required_bump(changes) == "major"


@pytest.mark.parametrize(
    "change",
    [
        {"schema.nickname": {"type": "string"}},
        {"schema.customer_id.description": "Customer key"},
        {"schema.segment.enum": ["Enterprise", "SMB", "Consumer", "Public Sector"]},
        {"schema.lifetime_value.type": "decimal(20,2)"},
        {"schema.lifetime_value.type": "decimal(20,4)"},
        {"sla.freshness": "12h"},
        {"sla.availability": "99.99%"},
        {"sla.quality_score": "0.99"},
        {"schema.segment.enum": None},
    ],
)
def test_non_breaking_changes(change: dict[str, Any]) -> None:
    changes = diff(change)
    assert changes and not any(c.breaking for c in changes), changes


def test_integer_widening_and_float_narrowing() -> None:
    def types(old: str, new: str) -> list[Change]:
        a: ContractSpec = parse_contract({"schema": {"n": {"type": old}}})
        return diff_contracts(a, parse_contract({"schema": {"n": {"type": new}}}))

    assert [c.breaking for c in types("int", "bigint")] == [False]  # same 64-bit integer, only respelled
    assert [c.breaking for c in types("float", "double")] == [False]
    assert [c.breaking for c in types("integer", "double")] == [False]
    assert [c.breaking for c in types("double", "integer")] == [True]
    assert [c.breaking for c in types("string", "date")] == [True]
    assert [c.breaking for c in types("timestamp", "date")] == [True]


def test_identical_contracts_have_no_changes() -> None:
    assert diff_contracts(parse_contract(base()), parse_contract(base())) == []


def test_changes_name_what_changed() -> None:
    (change,) = diff({"schema.segment.enum": ["Enterprise", "SMB"]})
    assert change.path == "schema.segment.enum" and "Consumer" in change.message


def test_version_bumps() -> None:
    breaking = diff({"schema.customer_name": None})
    minor = diff({"schema.nickname": {"type": "string"}})
    wording = diff({"schema.customer_id.description": "Customer key"})
    assert required_bump(wording) == "patch"
    assert required_bump(minor) == "minor"
    assert next_version("1.4.2", breaking) == "2.0.0"
    assert next_version("1.4.2", minor) == "1.5.0"
    assert next_version("1.4.2", wording) == "1.4.3"
    assert next_version("0.3.1", breaking) == "1.0.0"
    assert next_version("2.0.0-rc.1", breaking) == "2.0.0"


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "latest"])
def test_next_version_refuses_non_semver(version: str) -> None:
    with pytest.raises(InvalidInput):
        next_version(version, [])
