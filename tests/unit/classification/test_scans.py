"""Scans, suggestions and their review through the in-process Mesh, as users would try them."""

from __future__ import annotations

import pyarrow as pa
import pytest
from faker import Faker

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user

TABLE = ("Sales", "sales_lakehouse", "crm_contacts")


def contacts(n: int = 300, seed: int = 7) -> pa.Table:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return pa.table(
        {
            "id": [str(1_000_000_000 + i) for i in range(n)],
            "contact": [fake.email() for _ in range(n)],
            "phone": [fake.phone_number() for _ in range(n)],
            "city": [fake.city() for _ in range(n)],
            "amount": [float(i) for i in range(n)],
        }
    )


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table(*TABLE, contacts())
    return admin


def by_column(suggestions: list) -> dict[str, set[str]]:  # type: ignore[type-arg]
    out: dict[str, set[str]] = {}
    for s in suggestions:
        out.setdefault(s.column, set()).add(s.classification)
    return out


def test_the_first_write_already_suggests_and_a_scan_refreshes_without_values(mesh: Mesh) -> None:
    first = mesh.classification_suggestions(*TABLE)
    assert by_column(first) == {"contact": {"email"}, "phone": {"phone"}}
    scan = mesh.classify_table(*TABLE)
    assert scan.sample_rows == 300 and scan.masked_columns == []
    contact = next(s for s in scan.suggestions if s.column == "contact")
    assert (contact.classification, contact.sample_count, contact.matched) == ("email", 300, 300)
    assert "@" not in scan.model_dump_json()  # counts only, never the sampled values
    assert {s.id for s in mesh.classification_suggestions(*TABLE)} == {s.id for s in first}


def test_the_sample_is_bounded_whatever_the_table_size(mesh: Mesh) -> None:
    mesh.platform.classification.sample_rows = 50
    mesh.write_table(*TABLE, contacts(400, seed=8))
    assert mesh.classify_table(*TABLE).sample_rows == 50


def test_a_table_the_caller_cannot_read_is_not_found(mesh: Mesh) -> None:
    outsider = user(mesh, "outsider@company.com")
    with pytest.raises(NotFound):
        outsider.classify_table(*TABLE)
    with pytest.raises(NotFound):
        outsider.classification_suggestions(*TABLE)
    suggestion = mesh.classification_suggestions(*TABLE)[0]
    with pytest.raises(NotFound):
        outsider.accept_suggestion(suggestion.id)


def test_accepting_sets_the_label_and_rejecting_sticks(mesh: Mesh) -> None:
    found = {s.column: s for s in mesh.classification_suggestions(*TABLE)}
    accepted = mesh.accept_suggestion(found["contact"].id)
    assert (accepted.status, accepted.label) == ("accepted", "Confidential")
    columns = {c.name: c for c in mesh.get_table(*TABLE).columns}
    assert columns["contact"].sensitivity_label == "Confidential"
    mesh.reject_suggestion(found["phone"].id)
    mesh.classify_table(*TABLE)
    statuses = {s.column: s.status for s in mesh.classification_suggestions(*TABLE)}
    assert statuses == {"contact": "accepted", "phone": "rejected"}
    with pytest.raises(Conflict):
        mesh.accept_suggestion(found["phone"].id)
    assert mesh.classification_suggestions(*TABLE, status="pending") == []


def test_only_a_steward_or_domain_admin_decides(mesh: Mesh) -> None:
    contributor = user(mesh, "analyst@company.com")
    mesh.add_member("Sales", "analyst@company.com", "Contributor")
    suggestion = contributor.classify_table(*TABLE).suggestions[0]
    with pytest.raises(Forbidden):
        contributor.accept_suggestion(suggestion.id)
    steward = user(mesh, "steward@company.com")
    mesh.add_member("Sales", "steward@company.com", "Contributor")
    mesh.update_lakehouse("Sales", "sales_lakehouse", data_steward="steward@company.com")
    assert steward.accept_suggestion(suggestion.id, label="Highly Confidential").label == "Highly Confidential"


def test_auto_accept_above_a_domain_threshold(mesh: Mesh) -> None:
    mesh.set_classification_settings("Sales", auto_accept_above=0.95)
    assert mesh.classification_settings("Sales").auto_accept_above == 0.95
    mesh.write_table("Sales", "sales_lakehouse", "signups", contacts(100, seed=9).select(["id", "contact"]))
    [pending] = mesh.classification_suggestions("Sales", "sales_lakehouse", "signups")
    assert pending.status == "pending"  # the column is in the catalog once the write commits
    assert mesh.platform.classification.auto_accept_pending() == 3  # crm_contacts: contact, phone; signups: contact
    [suggestion] = mesh.classification_suggestions("Sales", "sales_lakehouse", "signups")
    assert (suggestion.status, suggestion.decided_by) == ("accepted", "auto-accept")
    with pytest.raises(InvalidInput):
        mesh.set_classification_settings("Sales", auto_accept_above=2.0)


def test_new_columns_are_classified_when_a_write_adds_them(mesh: Mesh) -> None:
    more = contacts(100, seed=10)
    fake = Faker("de_DE")
    fake.seed_instance(3)
    more = more.append_column("iban", pa.array([fake.iban() for _ in range(100)]))
    mesh.write_table(*TABLE, more, schema_mode="merge")
    assert by_column(mesh.classification_suggestions(*TABLE))["iban"] == {"iban"}


def test_custom_classifiers_are_applied_by_platform_admins_and_used_by_scans(mesh: Mesh) -> None:
    member = user(mesh, "member@company.com")
    spec = {"name": "customer_ref", "pattern": r"1\d{9}", "name_hints": ["id"]}
    with pytest.raises(Forbidden):
        member.apply_classifier(spec)
    assert mesh.apply_classifier(spec).pattern == r"1\d{9}"
    assert "customer_ref" in by_column(mesh.classify_table(*TABLE).suggestions)["id"]
    with pytest.raises(InvalidInput, match="RE2"):
        mesh.apply_classifier({"name": "backref", "pattern": r"(a)\1"})
    assert mesh.apply_classifier({"name": "evil", "pattern": "(a+)+$"}).name == "evil"  # runs under RE2
    mesh.delete_classifier("customer_ref")
    assert "customer_ref" not in {c.name for c in mesh.classifiers()}
