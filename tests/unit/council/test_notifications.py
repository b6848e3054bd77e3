"""Council events reach governance webhooks: proposal opened, vote needed, each vote, passed, failed, cases."""

from __future__ import annotations

import json

from tests.unit.council.conftest import Council
from tests.unit.council.test_proposals import RETENTION
from tests.unit.governance_service.test_webhooks import Receiver, receiver

__all__ = ["receiver"]


def test_a_platform_webhook_receives_every_council_event_in_order(council: Council, receiver: Receiver) -> None:
    webhooks = council.admin.platform.governance.webhooks
    council.admin.create_webhook(
        receiver.url, events=["governance.proposal.*", "governance.vote.*", "governance.case.*"]
    )
    passed = council.admin.propose("Adopt retention-minimum", policy=RETENTION)
    council.sales.vote(passed.id, "approve")
    council.marketing.vote(passed.id, "approve")
    failed = council.admin.propose("Make retention block", policy=dict(RETENTION, enforcement="block"))
    council.marketing.vote(failed.id, "reject", comment="not yet")
    case = council.world.analyst.open_case("Retention hurts our scratch tables", ["marketing", "sales"])
    council.admin.decide_case(case.id, "Scratch lakehouses keep 7 days like every other")
    while webhooks.run_once():
        pass
    events = [json.loads(body) for _, body in receiver.requests]
    seen = [(e["type"], e["resource_id"]) for e in events]
    assert seen == [
        ("governance.proposal.opened", passed.id),
        ("governance.proposal.vote_needed", passed.id),
        ("governance.vote.cast", passed.id),
        ("governance.vote.cast", passed.id),
        ("governance.proposal.passed", passed.id),
        ("governance.proposal.applied", passed.id),
        ("governance.proposal.opened", failed.id),
        ("governance.proposal.vote_needed", failed.id),
        ("governance.vote.cast", failed.id),
        ("governance.proposal.failed", failed.id),
        ("governance.case.opened", case.id),
        ("governance.case.decided", case.id),
    ]
    vote_needed = events[1]["payload"]
    assert vote_needed["domains"] == ["marketing", "sales"]
    assert events[9]["payload"]["outcome"].startswith("vetoed")


def test_representatives_see_council_notices_in_their_notification_list(council: Council) -> None:
    proposal = council.admin.propose("Adopt retention-minimum", policy=RETENTION)

    marketing = [(n.event, n.title, n.to, n.link) for n in council.marketing.notifications()]
    assert (
        "governance.proposal.vote_needed",
        "Your vote is needed: Adopt retention-minimum",
        "domain:marketing",
        f"/council/proposals/{proposal.id}",
    ) in marketing
    assert "governance.proposal.opened" in [event for event, *_ in marketing]
    for bystander in (council.outsider, council.world.analyst):  # not representatives: no council notices
        assert [n for n in bystander.notifications() if n.event.startswith("governance.")] == []

    council.sales.vote(proposal.id, "approve")
    council.marketing.vote(proposal.id, "approve")
    assert council.sales.notifications()[0].title == "Council proposal passed: Adopt retention-minimum"


def test_a_cases_parties_hear_it_opened_and_decided(council: Council) -> None:
    case = council.world.analyst.open_case("Retention hurts our scratch tables", ["marketing"])
    council.admin.decide_case(case.id, "Scratch lakehouses keep 7 days like every other")

    opener = [(n.event, n.to) for n in council.world.analyst.notifications() if n.event.startswith("governance.")]
    assert opener == [
        ("governance.case.decided", "marketing-analyst@company.com"),
        ("governance.case.opened", "marketing-analyst@company.com"),
    ]
    assert [n.event for n in council.marketing.notifications()][:2] == [
        "governance.case.decided",
        "governance.case.opened",
    ]
    assert [n for n in council.sales.notifications() if n.event.startswith("governance.case")] == []
