"""Closing the loop: an accepted classification makes the seed's PII policy see the column, and its label masks it."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.demo.governance import GLOBAL_POLICIES
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World, customers, grant_to

READ = ("Sales", "sales_lakehouse", "gold_customer_360")
PII = GLOBAL_POLICIES[0]


def with_contact() -> pa.Table:
    table = customers()
    contacts = [
        f"{n.split()[0].lower()}@crm.example.com" if n else None for n in table.column("customer_name").to_pylist()
    ]
    return table.append_column("contact", pa.array(contacts))


def pii_findings(mesh: Mesh, policy: str = "pii-classification") -> list[str]:
    mesh.evaluate_policies()
    return [v.message for v in mesh.list_violations(policy=policy) if "contact" in v.subject_id]


def test_an_accepted_email_classification_brings_contact_under_the_pii_policy_and_masking(world: World) -> None:
    admin, owner = world.admin, world.owner
    admin.write_table(*READ, with_contact(), mode="overwrite", schema_mode="merge")
    admin.put_policy(PII)
    assert pii_findings(admin) == []  # by name alone, `contact` is not PII
    [suggestion] = [s for s in owner.classify_table(*READ).suggestions if s.column == "contact"]
    assert suggestion.classification == "email"
    owner.accept_suggestion(suggestion.id, label="Internal")
    assert pii_findings(admin), "classified as email, labelled Internal: the seed's rule flags it"
    owner.update_table(*READ, columns={"contact": {"sensitivity_label": "Confidential"}})
    assert pii_findings(admin) == []
    grant_to(world, world.analyst)
    masked = world.analyst.read_table(*READ).column("contact").to_pylist()
    assert masked[0] == "a***@crm.example.com"  # Confidential: partial mask for another domain
    assert owner.read_table(*READ).column("contact").to_pylist()[0] == "ada@crm.example.com"


def test_the_classified_as_predicate(world: World) -> None:
    admin = world.admin
    admin.write_table(*READ, with_contact(), mode="overwrite", schema_mode="merge")
    rule = "columns classified as 'email', 'phone' must have sensitivity_label = 'Highly Confidential'"
    admin.put_policy({"name": "contact-data", "scope": "GLOBAL", "rule": rule, "enforcement": "warn"})
    assert pii_findings(admin, "contact-data") == []
    [suggestion] = [s for s in admin.classify_table(*READ).suggestions if s.column == "contact"]
    admin.accept_suggestion(suggestion.id)  # default label for email: Confidential
    assert pii_findings(admin, "contact-data")
    assert admin.get_table(*READ).columns[-1].classifications == ["email"]
    with pytest.raises(InvalidInput, match="classifications"):
        admin.put_policy(
            {"name": "bad", "scope": "GLOBAL", "rule": "tables classified as 'email' must have layer = 'gold'"}
        )
