"""Proposals in council mode: the seed's policies pass, fail or expire by the domains' votes, and apply once."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.demo.governance import GLOBAL_POLICIES, SALES_POLICIES
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.council.conftest import Council

SEED_POLICIES: list[dict[str, Any]] = copy.deepcopy(GLOBAL_POLICIES + SALES_POLICIES)
PII, RETENTION, FRESHNESS = SEED_POLICIES


def _pass(council: Council, proposal_id: str) -> Any:
    council.sales.vote(proposal_id, "approve", comment="fine for Sales")
    return council.marketing.vote(proposal_id, "approve", comment="fine for Marketing")


def test_a_platform_admin_cannot_change_a_global_policy_directly_in_council_mode(council: Council) -> None:
    with pytest.raises(Conflict, match="POST /api/v1/council/proposals"):
        council.admin.put_policy(RETENTION)


@pytest.mark.parametrize("document", SEED_POLICIES, ids=lambda d: d["name"])
def test_each_seed_policy_is_applied_once_when_sales_and_marketing_approve(
    council: Council, document: dict[str, Any]
) -> None:
    proposal = council.admin.propose(f"Adopt {document['name']}", policy=document, rationale="the seed's standards")
    assert proposal.state == "open" and proposal.tally.waiting == ["marketing", "sales"]
    assert f'+ policy "{document["name"]}"' in proposal.plan
    with pytest.raises(NotFound):
        council.admin.get_policy(document["name"])
    council.sales.vote(proposal.id, "approve")
    assert council.admin.get_proposal(proposal.id).state == "open"  # one domain of two is not a majority
    passed = council.marketing.vote(proposal.id, "approve")
    assert passed.state == "passed"
    assert passed.applied == {"policy": document["name"], "version": 1, "changed": True}
    policy = council.admin.get_policy(document["name"])
    assert policy.version == 1 and policy.created_by == f"council:{proposal.id}"
    assert [v.created_by for v in council.admin.policy_versions(document["name"])] == [f"council:{proposal.id}"]
    # Reading or sweeping again never applies it a second time.
    council.admin.platform.council.proposals.sweep()
    assert council.admin.get_policy(document["name"]).version == 1


def test_a_rejected_proposal_changes_nothing(council: Council) -> None:
    proposal = council.admin.propose("Adopt retention-minimum", policy=RETENTION)
    council.sales.vote(proposal.id, "approve")
    rejected = council.marketing.vote(proposal.id, "reject", comment="our scratch tables keep 3 days")
    assert rejected.state == "rejected" and rejected.applied is None
    assert "rejected: 1 approve, 1 reject" in str(rejected.outcome)
    with pytest.raises(NotFound):
        council.admin.get_policy("retention-minimum")
    assert council.admin.list_decisions() == []  # a rejected proposal is no standard


def test_an_expired_window_changes_nothing(council: Council, clock: FrozenClock) -> None:
    proposal = council.admin.propose("Adopt pii-classification", policy=PII, window="2d")
    council.sales.vote(proposal.id, "approve")
    clock.advance(timedelta(days=3))
    expired = council.admin.get_proposal(proposal.id)
    assert expired.state == "expired" and expired.applied is None
    assert expired.outcome == "expired: 1 of 2 domains voted, 2 needed"
    with pytest.raises(NotFound):
        council.admin.get_policy("pii-classification")
    with pytest.raises(Conflict, match="voting is closed"):
        council.marketing.vote(proposal.id, "approve")
    assert [e.action for e in council.admin.audit(resource_id=proposal.id)][:1] == ["governance.proposal.failed"]


def _third_domain(council: Council) -> Mesh:
    council.admin.create_domain("Finance")
    finance = user(council.admin, "finance-rep@company.com")
    council.admin.set_council_representatives({"finance": ["finance-rep@company.com"]})
    return finance


def test_one_veto_stops_a_block_policy_but_not_a_warn_policy(council: Council) -> None:
    _third_domain(council)
    block = council.admin.propose("Adopt pii-classification", policy=PII)
    warn = council.admin.propose("Adopt retention-minimum", policy=RETENTION)
    for proposal in (block, warn):
        council.sales.vote(proposal.id, "approve")
        council.marketing.vote(proposal.id, "reject")
    vetoed = council.admin.get_proposal(block.id)
    assert vetoed.state == "rejected" and str(vetoed.outcome).startswith("vetoed")
    assert vetoed.tally.waiting == ["finance"]
    assert council.admin.get_proposal(warn.id).state == "open"  # Finance still decides this one


def test_the_voting_rule_itself_changes_by_proposal(council: Council) -> None:
    finance = _third_domain(council)
    rule = {"quorum": 1.0, "majority": 0.5, "veto": "none", "window": "14d"}
    change = council.admin.propose("No vetoes, everyone votes", kind="voting-rule", rule=rule)
    assert "~ voting rule veto: 'block' -> 'none'" in change.plan
    council.sales.vote(change.id, "approve")
    council.marketing.vote(change.id, "approve")
    assert council.admin.get_council().rule.veto == "none"
    block = council.admin.propose("Adopt pii-classification", policy=PII)
    council.sales.vote(block.id, "approve")
    council.marketing.vote(block.id, "reject")
    assert council.admin.get_proposal(block.id).state == "open"  # no veto any more
    assert finance.vote(block.id, "approve").state == "passed"


def test_one_vote_per_domain_only_representatives_vote_and_only_for_their_domain(council: Council) -> None:
    proposal = council.admin.propose("Adopt retention-minimum", policy=RETENTION)
    council.sales.vote(proposal.id, "abstain")
    with pytest.raises(Conflict, match="Sales has already voted"):
        council.sales.vote(proposal.id, "approve")
    with pytest.raises(Forbidden, match="do not represent 'marketing'"):
        council.sales.vote(proposal.id, "approve", domain="marketing")
    with pytest.raises(Forbidden, match="Only council representatives vote"):
        council.world.analyst.vote(proposal.id, "approve")
    with pytest.raises(Forbidden):
        council.admin.vote(proposal.id, "approve")  # a facilitator facilitates; domains vote
    with pytest.raises(InvalidInput):
        council.marketing.vote(proposal.id, "maybe")
    assert council.admin.get_proposal(proposal.id).tally.abstain == 1


def test_the_change_is_frozen_after_the_first_vote(council: Council) -> None:
    proposal = council.admin.propose("Adopt retention-minimum", policy=RETENTION)
    edited = council.admin.edit_proposal(proposal.id, policy=dict(RETENTION, enforcement="alert"))
    assert "alert" in edited.plan
    council.sales.vote(proposal.id, "approve")
    with pytest.raises(Conflict, match="open a new proposal"):
        council.admin.edit_proposal(proposal.id, policy=dict(RETENTION, enforcement="block"))
    assert council.admin.get_proposal(proposal.id).change["policy"]["enforcement"] == "alert"


def test_a_title_of_the_longest_allowed_length_is_proposed_edited_and_audited(council: Council) -> None:
    """The audit keeps a display name of at most 256 characters: PostgreSQL refused a longer one (a 500)."""
    title = "Adopt retention-minimum " + "x" * 376  # 400: the most a title may have
    proposal = council.admin.propose(title, policy=RETENTION)
    assert council.admin.edit_proposal(proposal.id, title=title[::-1]).title == title[::-1]
    names = [
        e.resource_name
        for e in council.admin.audit(limit=500, resource_type="proposal")
        if e.resource_id == proposal.id
    ]
    assert names and all(n is not None and len(n) <= 256 for n in names)


def test_the_dry_run_impact_is_what_the_policy_reports_once_applied(council: Council) -> None:
    proposal = council.admin.propose("Adopt pii-classification", policy=PII)
    impact = proposal.impact
    assert impact is not None and impact.violating > 0 and impact.newly_violating == impact.violating
    _pass(council, proposal.id)
    violations = council.admin.list_violations(policy="pii-classification")
    assert sorted(v.subject_id for v in violations) == sorted(s.subject_id for s in impact.subjects)
    report = council.admin.compliance_report()
    [row] = [p for p in report.policies if p.policy == "pii-classification"]
    assert (row.checked, row.violating + row.errors) == (impact.checked, impact.violating)


def test_changing_enforcement_and_retiring_go_through_the_council_too(council: Council) -> None:
    _pass(council, council.admin.propose("Adopt retention-minimum", policy=RETENTION).id)
    stricter = council.admin.propose("Make retention block", policy=dict(RETENTION, enforcement="block"))
    assert '~ enforcement: "warn" -> "block"' in stricter.plan
    assert stricter.impact is not None and stricter.impact.newly_violating == 0
    _pass(council, stricter.id)
    assert council.admin.get_policy("retention-minimum").enforcement == "block"
    retire = council.admin.propose("Retire retention-minimum", policy={"name": "retention-minimum"}, action="retire")
    assert '- policy "retention-minimum"' in retire.plan
    with pytest.raises(Conflict):
        council.admin.delete_policy("retention-minimum")
    _pass(council, retire.id)
    with pytest.raises(NotFound):
        council.admin.get_policy("retention-minimum")
    titles = [d.title for d in council.outsider.list_decisions(q="retention")]
    assert titles == ["Retire retention-minimum", "Make retention block", "Adopt retention-minimum"]


def test_each_vote_is_audited_and_raises_events_for_webhooks(council: Council) -> None:
    proposal = council.admin.propose("Adopt retention-minimum", policy=RETENTION)
    _pass(council, proposal.id)
    votes = council.admin.audit(action="governance.vote.cast")
    assert sorted((v.actor, v.domain) for v in votes) == [
        ("marketing-rep@company.com", "marketing"),
        ("sales-data-team@company.com", "sales"),
    ]
    actions = {e.action for e in council.admin.audit(resource_id=proposal.id)}
    assert {"governance.proposal.opened", "governance.proposal.vote_needed", "governance.proposal.passed"} <= actions


def test_only_representatives_and_facilitators_propose(council: Council) -> None:
    with pytest.raises(Forbidden):
        council.outsider.propose("Mine", policy=RETENTION)
    assert council.marketing.propose("Theirs", policy=RETENTION).opened_by == "marketing-rep@company.com"


def test_templates_masking_and_required_fields_change_by_proposal_too(council: Council) -> None:
    with pytest.raises(Conflict, match="kind template"):
        council.admin.put_template("team", {"type": "Lakehouse", "config": {"layers": ["bronze", "gold"]}})
    with pytest.raises(Conflict, match="kind masking-policy"):
        council.admin.set_masking_policy({"Confidential": "hash"})
    with pytest.raises(Conflict, match="kind intake-form"):
        council.admin.platform.intake.set_form(council.admin.principal, None, {"type": "object"})
    template = {"name": "team", "document": {"type": "Lakehouse", "config": {"layers": ["bronze", "gold"]}}}
    masking = {"Confidential": "hash", "Highly Confidential": "redact"}
    form = {"type": "object", "required": ["description"], "properties": {"description": {"minLength": 10}}}
    proposals = [
        council.admin.propose("A team lakehouse template", kind="template", template=template),
        council.admin.propose("Hash confidential columns", kind="masking-policy", labels=masking),
        council.admin.propose("Products say what they are", kind="intake-form", form=form),
    ]
    assert '+ template "team"' in proposals[0].plan
    assert "~ mask Confidential:" in proposals[1].plan and "-> hash" in proposals[1].plan
    assert "~ required product fields: [] -> ['description']" in proposals[2].plan
    with pytest.raises(InvalidInput):
        council.admin.propose("Bad", kind="masking-policy", labels={"Confidential": "rot13"})
    for proposal in proposals:
        assert _pass(council, proposal.id).state == "passed"
    assert council.admin.get_template("team").updated_by == f"council:{proposals[0].id}"
    assert {k.lower(): v for k, v in council.admin.get_masking_policy().items()}["confidential"] == "hash"
    assert council.admin.platform.intake.get_form(council.admin.principal, None)["required"] == ["description"]


def test_approving_and_changing_a_global_glossary_term_go_through_the_council(council: Council) -> None:
    admin = council.admin
    draft = {"definition": "A person or company that buys from us.", "domain": "GLOBAL", "synonyms": ["client"]}
    assert admin.put_glossary_term("Customer", draft).status == "draft"  # drafts stay direct
    with pytest.raises(Conflict, match="kind glossary-term"):
        admin.put_glossary_term("Customer", {**draft, "status": "approved"})
    assert admin.get_glossary_term("Customer").status == "draft"
    approve = {"name": "Customer", **draft, "status": "approved"}
    proposal = admin.propose("Approve Customer", kind="glossary-term", term=approve)
    assert '~ glossary term "Customer"' in proposal.plan and '"draft" -> "approved"' in proposal.plan
    assert admin.get_glossary_term("Customer").status == "draft"  # nothing changes before the vote
    passed = _pass(council, proposal.id)
    assert passed.state == "passed" and passed.applied == {"term": "Customer", "status": "approved", "version": 2}
    term = admin.get_glossary_term("Customer")
    assert term.status == "approved" and term.updated_by == f"council:{proposal.id}"
    admin.platform.council.proposals.sweep()
    assert admin.get_glossary_term("Customer").version == 2  # applied exactly once
    # Changing or deleting the approved term directly is refused too; a proposal to deprecate it is rejected.
    with pytest.raises(Conflict, match="POST /api/v1/council/proposals"):
        admin.put_glossary_term("Customer", {**draft, "status": "approved", "definition": "Anyone."})
    with pytest.raises(Conflict, match="kind glossary-term"):
        admin.delete_glossary_term("Customer")
    deprecate = council.sales.propose(
        "Deprecate Customer", kind="glossary-term", term={**approve, "status": "deprecated"}
    )
    council.sales.vote(deprecate.id, "approve")
    assert council.marketing.vote(deprecate.id, "reject").state == "rejected"
    assert admin.get_glossary_term("Customer").status == "approved"
    # A domain's own terms stay with its Admins: the council does not take them.
    with pytest.raises(InvalidInput, match="GLOBAL"):
        admin.propose("Sales term", kind="glossary-term", term={"name": "Deal", "domain": "sales"})
    council.sales.put_glossary_term("Deal", {"domain": "sales", "status": "approved"})
    assert council.sales.get_glossary_term("Deal").status == "approved"


def test_over_rest_approving_a_global_term_directly_is_a_409_problem_and_a_proposal_approves_it(
    council: Council,
) -> None:
    from fastapi.testclient import TestClient

    from lakemesh.api.app import create_app

    client = TestClient(create_app(council.admin.platform))
    admin = {"Authorization": f"Bearer {council.admin.create_token().secret}"}
    draft = {"domain": "GLOBAL", "definition": "Data about a person."}
    assert client.put("/api/v1/glossary/terms/Personal data", json=draft, headers=admin).status_code == 200
    direct = client.put("/api/v1/glossary/terms/Personal data", json={**draft, "status": "approved"}, headers=admin)
    assert direct.status_code == 409 and direct.headers["content-type"].startswith("application/problem+json")
    assert "POST /api/v1/council/proposals" in direct.json()["detail"]
    body = {"title": "Approve Personal data", "kind": "glossary-term"}
    missing = client.post("/api/v1/council/proposals", json=body, headers=admin)
    assert missing.status_code == 422
    term = {"name": "Personal data", **draft, "status": "approved"}
    opened = client.post("/api/v1/council/proposals", json={**body, "term": term}, headers=admin)
    assert opened.status_code == 201, opened.text
    assert _pass(council, opened.json()["id"]).state == "passed"
    assert client.get("/api/v1/glossary/terms/Personal data", headers=admin).json()["status"] == "approved"


def test_deleting_an_approved_global_term_is_a_proposal_too(council: Council) -> None:
    admin = council.admin
    admin.put_glossary_term("Region", {"domain": "GLOBAL"})
    _pass(council, admin.propose("Approve", kind="glossary-term", term={"name": "Region", "status": "approved"}).id)
    assert admin.get_glossary_term("Region").status == "approved"
    with pytest.raises(InvalidInput):
        admin.propose("Drop", kind="glossary-term", action="retire", term={"name": "Nowhere"})
    drop = admin.propose("Drop", kind="glossary-term", action="retire", term={"name": "region"})
    assert '- glossary term "Region" (deleted)' in drop.plan
    assert _pass(council, drop.id).applied == {"term": "Region", "deleted": True}
    with pytest.raises(NotFound):
        admin.get_glossary_term("Region")


def test_an_import_with_an_approved_global_term_is_refused_whole_in_council_mode(council: Council) -> None:
    terms = [{"name": "Segment", "domain": "sales"}, {"name": "Region", "domain": "GLOBAL", "status": "approved"}]
    with pytest.raises(Conflict, match="Region: GLOBAL terms reviewed by the council"):
        council.admin.import_glossary(terms)
    with pytest.raises(NotFound):
        council.admin.get_glossary_term("Segment")  # nothing half applied
    assert sorted(council.admin.import_glossary(terms[:1]).created) == ["Segment"]
