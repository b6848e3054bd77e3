"""Counting votes: a proposal is decided as soon as its outcome can no longer change, or when its window closes.

With N the domains that had representatives when the proposal opened: it passes once enough domains voted
(`quorum` of N, abstentions count) and approvals are more than `majority` of approve + reject even if every
domain still waiting rejected. It is rejected once it could not pass even if every waiting domain approved, or
at once on a veto. When the window closes undecided, the votes cast decide if the quorum was met; otherwise it
expires. Nothing is applied unless it passed.
"""

from __future__ import annotations

import math

from lakemesh.council.models import ProposalState, VotingRule

# How a vote ends: every proposal state but open.
Outcome = ProposalState


def needed_quorum(rule: VotingRule, electorate: int) -> int:
    return max(1, math.ceil(rule.quorum * electorate - 1e-9))


def decide(
    rule: VotingRule,
    electorate: int,
    *,
    approve: int,
    reject: int,
    abstain: int,
    vetoable: bool,
    closed: bool,
) -> tuple[Outcome | None, str]:
    """The outcome if the votes settle it (or the window closed), with the sentence the record keeps."""
    cast = approve + reject + abstain
    waiting = max(0, electorate - cast)
    if reject and (rule.veto == "all" or (rule.veto == "block" and vetoable)):
        return ProposalState.REJECTED, f"vetoed: {reject} reject vote(s) under the {rule.veto!r} veto rule"
    quorum = needed_quorum(rule, electorate)

    def carries(yes: int, no: int) -> bool:
        return yes > rule.majority * (yes + no) if yes + no else False

    if cast >= quorum and carries(approve, reject + waiting):
        return (
            ProposalState.PASSED,
            f"passed: {approve} approve, {reject} reject, {abstain} abstain of {electorate} domains",
        )
    if not carries(approve + waiting, reject) or electorate == 0:
        return (
            ProposalState.REJECTED,
            f"rejected: {approve} approve, {reject} reject, {abstain} abstain of {electorate} domains",
        )
    if not closed:
        return None, ""
    if cast >= quorum:
        if carries(approve, reject):
            return (
                ProposalState.PASSED,
                f"passed when the window closed: {approve} approve, {reject} reject, {abstain} abstain",
            )
        return (
            ProposalState.REJECTED,
            f"rejected when the window closed: {approve} approve, {reject} reject, {abstain} abstain",
        )
    return ProposalState.EXPIRED, f"expired: {cast} of {electorate} domains voted, {quorum} needed"
