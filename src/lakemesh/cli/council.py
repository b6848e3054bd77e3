"""Council commands: `lakemesh council` (who represents whom), proposals and votes, cases and decisions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    council = typer.Typer(help="The governance council: representatives, proposals, votes, cases.")
    council.callback(invoke_without_command=True)(council_show)
    council.command("set")(council_set)
    council.command("propose")(council_propose)
    council.command("proposals")(council_proposals)
    council.command("proposal")(council_proposal)
    council.command("vote")(council_vote)
    council.command("open-case")(council_open_case)
    council.command("cases")(council_cases)
    council.command("case")(council_case)
    council.command("decide")(council_decide)
    council.command("decisions")(council_decisions)
    app.add_typer(council, name="council")


def council_show(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Each domain's representatives, the facilitators and the voting rule."""
    if ctx.invoked_subcommand is not None:
        return
    _print_council(open_mesh().get_council(), as_json)


def _print_council(found: Any, as_json: bool) -> None:
    if as_json:
        emit_json(found)
        return
    rows = [
        {"domain": d.domain, "representatives": ", ".join(r.name for r in d.representatives) or "(none)"}
        for d in found.domains
    ]
    emit_table(rows, ["domain", "representatives"], title=f"Council ({found.mode} mode)")
    rule = found.rule
    console.print(
        f"Facilitators: {', '.join(found.facilitators)}\nVoting rule v{found.rule_version}: quorum {rule.quorum:.2f}, "
        f"majority > {rule.majority:.2f}, veto {rule.veto}, window {rule.window}",
        markup=False,
        highlight=False,
    )


def council_set(
    domain: str,
    representatives: Annotated[list[str], typer.Argument(help="Principals or groups; none clears the seat.")] = [],  # noqa: B006
    as_json: JsonFlag = False,
) -> None:
    """Choose a domain's representatives (its Admins do)."""
    _print_council(open_mesh().set_council_representatives({domain: list(representatives)}), as_json)


def council_propose(
    title: Annotated[str, typer.Option("--title", help="What the proposal does, in a line.")],
    file: Annotated[
        Path | None, typer.Option("-f", "--file", help="The policy document (YAML/JSON), or the glossary term's.")
    ] = None,
    retire: Annotated[str | None, typer.Option("--retire", help="Retire this policy (or term) instead.")] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="policy, or glossary-term (a GLOBAL term to approve, change or delete).")
    ] = "policy",
    rationale: Annotated[str, typer.Option("--rationale")] = "",
    window: Annotated[str | None, typer.Option("--window", help="Voting window, e.g. 7d.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose a policy (create, change or, with --retire, retire it); prints the plan and the dry-run impact.
    With --kind glossary-term: a GLOBAL glossary term (-f, one YAML term document) or its deletion (--retire)."""
    from lakemesh.governance.policy_files import load_policy_documents

    if (file is None) == (retire is None):
        raise invalid("file", "give either -f FILE (a policy document) or --retire NAME")
    if kind == "glossary-term":
        _propose_term(title, file, retire, rationale, window, as_json)
        return
    if kind != "policy":
        raise invalid("kind", "the CLI proposes policies and glossary terms; other kinds go over REST or Python")
    if retire is not None:
        policy: dict[str, Any] = {"name": retire}
        action = "retire"
    else:
        assert file is not None
        documents = load_policy_documents(file)
        if len(documents) != 1:
            raise invalid("file", f"a proposal carries one policy; {file} holds {len(documents)}")
        policy, action = documents[0], "put"
    proposal = open_mesh().propose(title, policy=policy, action=action, rationale=rationale, window=window)
    if as_json:
        emit_json(proposal)
        return
    _print_proposal(proposal)


def _propose_term(
    title: str, file: Path | None, retire: str | None, rationale: str, window: str | None, as_json: bool
) -> None:
    import yaml

    term: dict[str, Any] = {"name": retire}
    if file is not None:
        documents = [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if d is not None]
        if len(documents) != 1 or not isinstance(documents[0], dict):
            raise invalid("file", f"a proposal carries one glossary term; {file} holds {len(documents)} documents")
        term = documents[0]
    proposal = open_mesh().propose(
        title,
        kind="glossary-term",
        term=term,
        action="retire" if retire is not None else "put",
        rationale=rationale,
        window=window,
    )
    if as_json:
        emit_json(proposal)
        return
    _print_proposal(proposal)


def council_proposals(
    state: Annotated[str | None, typer.Option("--state", help="open, passed, rejected or expired.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Proposals, newest first."""
    found = open_mesh().list_proposals(state=state)
    if as_json:
        emit_json(found)
        return
    rows = [
        {
            "id": p.id,
            "state": p.state.value,
            "title": p.title,
            "waiting": ", ".join(p.tally.waiting),
            "closes_at": p.closes_at,
        }
        for p in found
    ]
    emit_table(rows, ["id", "state", "title", "waiting", "closes_at"], title="Proposals")


def council_proposal(proposal_id: str, as_json: JsonFlag = False) -> None:
    """One proposal: the plan, the dry-run impact, the votes."""
    proposal = open_mesh().get_proposal(proposal_id)
    if as_json:
        emit_json(proposal)
        return
    _print_proposal(proposal)


def council_vote(
    proposal_id: str,
    vote: Annotated[str, typer.Argument(help="approve, reject or abstain")],
    comment: Annotated[str, typer.Option("--comment")] = "",
    domain: Annotated[str | None, typer.Option("--domain", help="If you represent several domains.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Vote on a proposal for your domain."""
    proposal = open_mesh().vote(proposal_id, vote, comment=comment, domain=domain)
    if as_json:
        emit_json(proposal)
        return
    console.print(f"Voted {vote} on {proposal.id}: {proposal.state.value}", markup=False, highlight=False)
    if proposal.outcome:
        console.print(proposal.outcome, markup=False, highlight=False)


def council_open_case(
    title: Annotated[str, typer.Option("--title")],
    domain: Annotated[list[str], typer.Option("--domain", help="A domain in the dispute (repeat).")],
    description: Annotated[str, typer.Option("--description")] = "",
    subject: Annotated[list[str], typer.Option("--subject", help="KIND:REF, e.g. access_request:ar_123.")] = [],  # noqa: B006
    as_json: JsonFlag = False,
) -> None:
    """Bring a dispute between domains to the council."""
    subjects = []
    for item in subject:
        kind, _, ref = item.partition(":")
        if not ref:
            raise invalid("subject", f"{item!r} is not KIND:REF")
        subjects.append({"kind": kind, "ref": ref})
    emit_object(open_mesh().open_case(title, domain, description=description, subjects=subjects), as_json=as_json)


def council_cases(
    state: Annotated[str | None, typer.Option("--state", help="open or decided.")] = None, as_json: JsonFlag = False
) -> None:
    """The council's queue of cases."""
    found = open_mesh().list_cases(state=state)
    if as_json:
        emit_json(found)
        return
    emit_table(found, ["id", "state", "title", "domains", "opened_by", "opened_at"], title="Cases")


def council_case(case_id: str, as_json: JsonFlag = False) -> None:
    """One case with its decision record."""
    emit_object(open_mesh().get_case(case_id), as_json=as_json)


def council_decide(
    case_id: str,
    decision: Annotated[str, typer.Option("--decision", help="The written decision.")],
    grant: Annotated[list[str], typer.Option("--grant", help="An access request to grant (repeat).")] = [],  # noqa: B006
    transfer: Annotated[list[str], typer.Option("--transfer", help="domain/product=new-owner (repeat).")] = [],  # noqa: B006
    fix: Annotated[list[str], typer.Option("--fix", help="DOMAIN@YYYY-MM-DD:what to fix (repeat).")] = [],  # noqa: B006
    as_json: JsonFlag = False,
) -> None:
    """Decide a case, with actions run as the council."""
    actions: list[dict[str, Any]] = [{"kind": "grant_access", "request": r} for r in grant]
    for item in transfer:
        product, _, owner = item.partition("=")
        if not owner:
            raise invalid("transfer", f"{item!r} is not domain/product=owner")
        actions.append({"kind": "transfer_ownership", "product": product, "owner": owner})
    for item in fix:
        target, _, what = item.partition(":")
        domain, _, by = target.partition("@")
        try:
            when = datetime.fromisoformat(by)
        except ValueError:
            raise invalid("fix", f"{item!r} is not DOMAIN@YYYY-MM-DD:what") from None
        actions.append({"kind": "fix_by", "domain": domain, "by": when.isoformat(), "what": what})
    emit_object(open_mesh().decide_case(case_id, decision, actions=actions), as_json=as_json)


def council_decisions(
    q: Annotated[str | None, typer.Option("--search", "-q", help="Words to look for.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="proposal or case.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The standards changelog: passed proposals and decided cases."""
    found = open_mesh().list_decisions(q=q, kind=kind)
    if as_json:
        emit_json(found)
        return
    emit_table(found, ["at", "kind", "id", "title", "by"], title="Decisions")


def _print_proposal(proposal: Any) -> None:
    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    say(f"{proposal.id} [{proposal.state.value}] {proposal.title}")
    say(proposal.plan)
    impact = proposal.impact
    if impact is not None:
        say(
            f"Impact: {impact.violating} subject(s) would violate {impact.policy} "
            f"({impact.newly_violating} newly, {impact.no_longer_violating} no longer)"
        )
        for d in impact.domains:
            say(f"  {d.domain}: {d.violating} violating, {d.newly_violating} new")
    tally = proposal.tally
    say(
        f"Votes: {tally.approve} approve, {tally.reject} reject, {tally.abstain} abstain; "
        f"waiting for {', '.join(tally.waiting) or 'nobody'}; closes {proposal.closes_at:%Y-%m-%d %H:%M} UTC"
    )
    if proposal.outcome:
        say(proposal.outcome)
