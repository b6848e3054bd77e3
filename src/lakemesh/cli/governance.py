"""Governance commands: `policy apply -f FILE|DIR` (policies as code, with a plan), `governance report`..."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import ErrorItem, InvalidInput, LakemeshError, invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
DomainOption = Annotated[str | None, typer.Option("--domain", help="Only this domain.")]


def register(app: typer.Typer) -> None:
    policy = typer.Typer(help="Governance policies as code (GLOBAL, or one domain's).", no_args_is_help=True)
    policy.command("apply")(policy_apply)
    policy.command("list")(policy_list)
    policy.command("show")(policy_show)
    policy.command("versions")(policy_versions)
    policy.command("delete")(policy_delete)
    app.add_typer(policy, name="policy")
    governance = typer.Typer(help="Evaluation, violations, compliance and alerts.", no_args_is_help=True)
    governance.command("evaluate")(governance_evaluate)
    governance.command("violations")(governance_violations)
    governance.command("report")(governance_report)
    governance.command("notifications")(governance_notifications)
    webhook = typer.Typer(help="Webhooks that receive governance events, signed with HMAC.", no_args_is_help=True)
    webhook.command("add")(webhook_add)
    webhook.command("list")(webhook_list)
    webhook.command("remove")(webhook_remove)
    governance.add_typer(webhook, name="webhook")
    app.add_typer(governance, name="governance")


def policy_apply(
    file: Annotated[Path, typer.Option("-f", "--file", help="A YAML/JSON file or a folder of them.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, apply nothing.")] = False,
) -> None:
    """Create or update the policies in FILE (or every file in a folder), showing the plan first."""
    from lakemesh.governance.policy_files import load_policy_documents, plan

    documents = load_policy_documents(file)
    _check_locally(documents)
    mesh = open_mesh()
    planned = plan(mesh.list_policies(), documents)
    console.print(planned.render(), markup=False, highlight=False)
    if dry_run:
        console.print("Dry run: nothing was applied.")
        return
    for item in planned.pending:
        mesh.put_policy(item.document)
    console.print(f"Applied: {planned.count('create')} added, {planned.count('update')} changed.")


def _check_locally(documents: list[dict[str, Any]]) -> None:
    """Every document and rule is checked before anything is applied, so a bad file applies nothing."""
    from lakemesh.core.validation import parse_model
    from lakemesh.governance.models import PolicyDocument
    from lakemesh.governance.rules import compile_policy

    errors: list[ErrorItem] = []
    for index, document in enumerate(documents):
        name = str(document.get("name", index))
        try:
            parsed = parse_model(PolicyDocument, document)
            compile_policy(parsed.rule, language=parsed.language)
        except LakemeshError as exc:
            errors.extend(ErrorItem((name, *e.loc), e.message) for e in exc.errors)
    if errors:
        raise InvalidInput("The policy files are not valid; nothing was applied", errors=errors)


def policy_list(
    scope: Annotated[str | None, typer.Option(help="GLOBAL or DOMAIN.")] = None,
    domain: DomainOption = None,
    as_json: JsonFlag = False,
) -> None:
    """List policies."""
    items = open_mesh().list_policies(scope=scope, domain=domain)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "scope", "domain", "enforcement", "subject_kind", "version", "rule"])


def policy_show(name: str, as_json: JsonFlag = False) -> None:
    """Show a policy."""
    emit_object(open_mesh().get_policy(name), as_json=as_json)


def policy_versions(name: str, as_json: JsonFlag = False) -> None:
    """Every version of a policy, newest first."""
    items = open_mesh().policy_versions(name)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["version", "created_at", "created_by", "document"])


def policy_delete(name: str) -> None:
    """Delete a policy (its open violations are closed)."""
    open_mesh().delete_policy(name)
    console.print(f"Deleted policy {name}")


def governance_evaluate(
    domain: DomainOption = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Only this policy (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; open or resolve nothing.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Evaluate the policies against the catalog now."""
    result = open_mesh().evaluate_policies(domain=domain, policies=policy or None, dry_run=dry_run)
    if as_json:
        emit_json(result)
        return
    emit_table(result.policies, ["policy", "enforcement", "subject_kind", "checked", "violating", "compliance_pct"])
    console.print(
        f"{result.subjects} checks in {result.seconds}s: {result.findings_total} findings, "
        f"{result.opened} violations opened, {result.resolved} resolved"
    )


def governance_violations(
    status: Annotated[str, typer.Option(help="open, resolved or all.")] = "open",
    policy: Annotated[str | None, typer.Option(help="Only this policy.")] = None,
    domain: DomainOption = None,
    severity: Annotated[str | None, typer.Option(help="high (block), medium (alert) or low (warn).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List violations."""
    items = open_mesh().list_violations(status=status, policy=policy, domain=domain, severity=severity)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["policy", "severity", "status", "subject_id", "message"])


def governance_report(
    domain: DomainOption = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Compliance per policy, per domain and overall."""
    mesh = open_mesh()
    if format == "csv":
        sys.stdout.write(mesh.compliance_report_csv(domain=domain))
        return
    if format not in ("table", "json"):
        raise invalid("format", "must be table, json or csv")
    report = mesh.compliance_report(domain=domain)
    if format == "json":
        emit_json(report)
        return
    columns = ["policy", "enforcement", "checked", "compliant", "violating", "compliance_pct"]
    for part in report.domains:
        emit_table(part.policies, columns, title=f"{part.domain}: {part.compliance_pct}% compliant")
    emit_table(report.policies, columns, title=f"Overall: {report.compliance_pct}% compliant")


def governance_notifications(domain: DomainOption = None, as_json: JsonFlag = False) -> None:
    """Recent governance notifications (violations opened or resolved under block and alert policies)."""
    items = open_mesh().list_notifications(domain=domain)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["at", "kind", "severity", "policy", "subject_id"])


def webhook_add(
    url: str,
    domain: DomainOption = None,
    event: Annotated[list[str] | None, typer.Option("--event", help="Event pattern (repeatable).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a webhook; its signing secret is printed once."""
    emit_object(open_mesh().create_webhook(url, domain=domain, events=event or None), as_json=as_json)


def webhook_list(as_json: JsonFlag = False) -> None:
    """Webhooks you administer."""
    items = open_mesh().list_webhooks()
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["id", "url", "domain", "events", "active"])


def webhook_remove(webhook_id: str) -> None:
    """Remove a webhook."""
    open_mesh().delete_webhook(webhook_id)
    console.print(f"Removed webhook {webhook_id}")
