"""A domain's intake form: publishing without its required fields is a 422 listing each one; with them, published."""

from __future__ import annotations

from typing import Any

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.quality_runs.conftest import PRODUCT

FORM: dict[str, Any] = {
    "type": "object",
    "required": ["business_purpose", "data_classification", "retention", "documentation_url", "tags"],
    "properties": {
        "business_purpose": {"type": "string", "minLength": 10},
        "data_classification": {"enum": ["Public", "Internal", "Confidential"]},
        "retention": {"type": "string", "pattern": "^[0-9]+d$"},
        "tags": {"type": "array", "contains": {"enum": ["customer", "finance", "marketing"]}},
    },
}


def test_publishing_without_the_required_fields_lists_each_one(mesh: Mesh) -> None:
    mesh.set_intake_form("Sales", FORM)
    mesh.update_product(*PRODUCT, documentation_url=None)
    with pytest.raises(InvalidInput) as refused:
        mesh.publish_product(*PRODUCT)
    missing = {(item.loc, item.message) for item in refused.value.errors}
    assert {loc for loc, _ in missing} >= {
        ("business_purpose",),
        ("data_classification",),
        ("retention",),
        ("documentation_url",),
    }
    assert all(message == "is required by the intake form" for loc, message in missing if loc != ("tags",))
    assert refused.value.status == 422
    assert mesh.get_product(*PRODUCT).status == "draft"


def test_publishing_with_the_fields_filled_in_publishes(mesh: Mesh) -> None:
    mesh.set_intake_form("Sales", FORM)
    mesh.update_product(
        *PRODUCT,
        documentation_url="https://wiki.company.com/customer-360",
        tags=["customer", "crm"],
        properties={"business_purpose": "Churn and segment analysis", "data_classification": "Confidential",
                    "retention": "365d"},
    )  # fmt: skip
    assert mesh.publish_product(*PRODUCT).status == "published"
    assert mesh.get_product(*PRODUCT).properties["retention"] == "365d"


def test_a_wrong_value_is_named_with_its_field(mesh: Mesh) -> None:
    mesh.set_intake_form("Sales", FORM)
    mesh.update_product(
        *PRODUCT,
        documentation_url="https://wiki.company.com/customer-360",
        tags=["customer"],
        properties={"business_purpose": "short", "data_classification": "Secret", "retention": "forever"},
    )
    with pytest.raises(InvalidInput) as refused:
        mesh.publish_product(*PRODUCT)
    assert {item.loc for item in refused.value.errors} == {
        ("business_purpose",),
        ("data_classification",),
        ("retention",),
    }


def test_only_domain_admins_set_the_form_and_everyone_reads_it(mesh: Mesh) -> None:
    member = user(mesh, "contributor@company.com")
    mesh.add_member("Sales", "contributor@company.com", "Contributor")
    with pytest.raises(Forbidden):
        member.set_intake_form("Sales", FORM)
    mesh.set_intake_form("Sales", FORM)
    assert member.get_intake_form("Sales") == FORM
    assert mesh.get_intake_form("Sales")["required"][0] == "business_purpose"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array"},
        {"type": "object", "required": "business_purpose"},
        {"type": "object", "minProperties": -1},
        {"type": "object", "properties": {"x": {"$ref": "https://evil.example.com/schema.json"}}},
    ],
)
def test_a_form_that_is_not_a_json_schema_of_an_object_is_refused(mesh: Mesh, schema: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        mesh.set_intake_form("Sales", schema)


def test_without_a_form_publishing_is_unchanged(mesh: Mesh) -> None:
    assert mesh.get_intake_form("Sales") == {}
    assert mesh.publish_product(*PRODUCT).status == "published"
