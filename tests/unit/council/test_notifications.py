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
