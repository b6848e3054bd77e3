"""Policy documents: the seed's shape, versions, idempotency, federated ownership and the 422s of bad rules."""

from __future__ import annotations

import copy

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.governance_service.conftest import SEED_POLICIES, policy


def test_seed_policies_are_accepted_as_written(mesh: Mesh) -> None:
    stored = [mesh.put_policy(copy.deepcopy(p)) for p in SEED_POLICIES]
    assert [(p.name, p.scope, p.domain, p.enforcement, p.subject_kind) for p in stored] == [
        ("pii-classification", "GLOBAL", None, "block", "column"),
        ("retention-minimum", "GLOBAL", None, "warn", "table"),
        ("sales-data-freshness", "WORKSPACE", "sales", "alert", "table"),
    ]
    assert stored[2].workspace == "Sales-Domain" and stored[0].severity == "high"
    assert [p.name for p in mesh.list_policies(scope="DOMAIN")] == ["sales-data-freshness"]
    assert [p.name for p in mesh.list_policies(domain="Sales-Domain")] == ["sales-data-freshness"]


def test_applying_the_same_document_again_changes_nothing_and_a_change_is_a_new_version(mesh: Mesh) -> None:
    first = mesh.put_policy(copy.deepcopy(SEED_POLICIES[1]))
    again = mesh.put_policy({**SEED_POLICIES[1], "rule": "tables   must have\n retention_days >= 7"})
    assert again.changed is False and again.version == first.version == 1
    changed = mesh.put_policy({**SEED_POLICIES[1], "enforcement": "block"})
    assert changed.changed and changed.version == 2 and changed.enforcement == "block"
    versions = mesh.policy_versions("retention-minimum")
    assert [v.version for v in versions] == [2, 1] and versions[1].document["enforcement"] == "warn"


def test_unparseable_rule_is_422_with_line_and_column(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput) as error:
        mesh.put_policy(policy("bad", "tables should have retention_days >= 7"))
    item = error.value.errors[0]
    assert item.loc == ("rule",) and "line 1, column 8" in item.message and "'should'" in item.message
    with pytest.raises(InvalidInput) as error:
        mesh.put_policy(policy("bad", "columns containing 'email'\n  must have sensitivity_label in ('A'"))
    assert "line 2" in error.value.errors[0].message
    with pytest.raises(NotFound):
        mesh.get_policy("bad")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("cel: table.tags.all(a, table.tags.exists(b, a == b))", "may not be nested"),
        ("cel: " + " && ".join(["table.row_count > 0"] * 400), "at most 4096"),
        ("cel: " + "(" * 60 + "table.row_count > 0" + ")" * 60, "nested too deeply"),
        ("cel: table.colour == 'red'", "no attribute 'colour'"),
        ("tables must have colour = 'red'", "no attribute 'colour'"),
    ],
    ids=["nested-loop", "huge", "deep", "unknown-cel-attribute", "unknown-sentence-attribute"],
)
def test_cel_that_loops_is_huge_or_names_unknown_attributes_is_refused(mesh: Mesh, rule: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as error:
        mesh.put_policy(policy("hostile", rule))
    assert expected in error.value.errors[0].message


def test_a_cel_policy_written_with_its_prefix_is_saved_and_evaluated(mesh: Mesh) -> None:
    """The stored rule keeps its `cel:` prefix with language `cel`: compiling it again must not see the prefix."""
    mesh.put_policy(policy("gold-only", 'cel: table.layer == "gold"'))
    mesh.put_policy(policy("labelled", "cel: column.sensitivity_label != null"))  # the first is compiled again here
    assert {p.name: p.language for p in mesh.list_policies()} == {"gold-only": "cel", "labelled": "cel"}
    assert {c.policy for c in mesh.evaluate_policies().policies} == {"gold-only", "labelled"}


def test_a_policy_naming_a_missing_domain_is_422(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput) as error:
        mesh.put_policy({**SEED_POLICIES[2], "workspace": "Nowhere-Domain"})
    assert error.value.errors[0].loc == ("workspace",)
    with pytest.raises(InvalidInput):
        mesh.put_policy(policy("scoped", "tables must have retention_days >= 7", scope="DOMAIN"))
    with pytest.raises(InvalidInput):
        mesh.put_policy(policy("global-with-domain", "tables must have retention_days >= 7", domain="Sales"))


def test_domain_admins_own_their_domain_policies_only(mesh: Mesh, sales_admin: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    with pytest.raises(Forbidden):
        sales_admin.put_policy({**SEED_POLICIES[0], "enforcement": "warn"})
    with pytest.raises(Forbidden):
        sales_admin.delete_policy("pii-classification")
    with pytest.raises(Forbidden):
        sales_admin.put_policy(policy("global-by-domain-admin", "tables must have retention_days >= 30"))
    with pytest.raises(Forbidden):
        sales_admin.put_policy(
            policy("marketing-rule", "tables must have row_count > 0", scope="DOMAIN", domain="Marketing")
        )
    own = sales_admin.put_policy(copy.deepcopy(SEED_POLICIES[2]))
    assert own.domain == "sales" and own.created_by == "sales-admin@company.com"
    viewer = user(mesh, "viewer@company.com")
    mesh.add_member("Sales", "viewer@company.com", "Viewer")
    with pytest.raises(Forbidden):
        viewer.put_policy({**SEED_POLICIES[2], "enforcement": "block"})
    assert viewer.get_policy("sales-data-freshness").enforcement == "alert"  # readable by everyone
    sales_admin.delete_policy("sales-data-freshness")
    assert [p.name for p in mesh.list_policies()] == ["pii-classification"]


def test_a_domain_policy_cannot_restate_a_global_rule_with_a_weaker_enforcement(mesh: Mesh, sales_admin: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    weaker = {**SEED_POLICIES[0], "name": "sales-pii", "scope": "DOMAIN", "domain": "Sales", "enforcement": "warn"}
    with pytest.raises(InvalidInput) as error:
        sales_admin.put_policy(weaker)
    assert error.value.errors[0].loc == ("enforcement",) and "pii-classification" in error.value.errors[0].message
    stricter = sales_admin.put_policy({**weaker, "rule": "columns named 'email' must have sensitivity_label is set"})
    assert stricter.domain == "sales"


def test_path_name_must_match_the_document(platform, admin: Mesh) -> None:  # type: ignore[no-untyped-def]
    from lakemesh.governance.models import PolicyDocument

    document = PolicyDocument.model_validate(policy("one", "tables must have retention_days >= 7"))
    with pytest.raises(InvalidInput):
        platform.governance.put_policy(admin.principal, document, name="two")


def test_a_policy_without_a_rule_is_stored_and_says_it_evaluates_nothing(mesh: Mesh) -> None:
    """Purview's policy store payload carries no rule: nothing is invented, and the report says so."""
    stored = mesh.put_policy({"name": "pii-classification", "scope": "GLOBAL", "enforcement": "block"})
    assert (stored.rule, stored.note, stored.subject_kind) == ("", "no rule: evaluates nothing", "none")
    row = next(p for p in mesh.compliance_report().policies if p.policy == "pii-classification")
    assert (row.note, row.checked, row.compliance_pct) == ("no rule: evaluates nothing", 0, 100.0)
    # Without a rule the workspace may come later; a rule needs its workspace.
    waiting = mesh.put_policy({"name": "fresh", "scope": "WORKSPACE", "enforcement": "alert"})
    assert (waiting.scope, waiting.domain) == ("WORKSPACE", None)
    with pytest.raises(InvalidInput):
        mesh.put_policy({"name": "fresh", "scope": "WORKSPACE", "rule": "tables must have retention_days >= 7"})
    ruled = mesh.put_policy({"name": "pii-classification", "rule": "tables must have retention_days >= 7"})
    assert ruled.note is None and ruled.version == 2
