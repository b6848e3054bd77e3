"""Identity and audit commands: whoami, principal, token, audit."""

from __future__ import annotations

from typing import Annotated

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    app.command("whoami")(whoami)
    app.command("audit")(audit)
    principal = typer.Typer(help="Users and service principals.", no_args_is_help=True)
    principal.command("create")(principal_create)
    principal.command("list")(principal_list)
    app.add_typer(principal, name="principal")
    token = typer.Typer(help="API tokens (the secret is shown once).", no_args_is_help=True)
    token.command("create")(token_create)
    token.command("list")(token_list)
    token.command("revoke")(token_revoke)
    app.add_typer(token, name="token")
    group = typer.Typer(help="Group members (create a group with `principal create NAME --kind group`).")
    group.command("members")(group_members)
    group.command("add")(group_add)
    group.command("remove")(group_remove)
    app.add_typer(group, name="group")


def whoami(as_json: JsonFlag = False) -> None:
    """Show the principal you act as."""
    emit_object(open_mesh().whoami(), as_json=as_json)


def principal_create(
    name: str,
    kind: str = typer.Option("user", help="user, service or group"),
    email: str = typer.Option(None, help="Defaults to the name when it is an email."),
    display_name: str = typer.Option(None),
    admin: bool = typer.Option(False, "--admin", help="Make it a platform admin."),
    as_json: JsonFlag = False,
) -> None:
    """Create a principal (platform admins)."""
    created = open_mesh().create_principal(
        name, kind=kind, email=email, display_name=display_name, platform_role="admin" if admin else "user"
    )
    emit_object(created, as_json=as_json)


def principal_list(as_json: JsonFlag = False) -> None:
    """List principals."""
    items = open_mesh().list_principals()
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "kind", "email", "platform_role", "disabled"])


def group_members(group: str, as_json: JsonFlag = False) -> None:
    """List a group's members and who maintains each (manual, scim, idp)."""
    items = open_mesh().list_group_members(group)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["principal", "kind", "source", "added_at"])


def group_add(group: str, principal: str, as_json: JsonFlag = False) -> None:
    """Add a user or service principal to a group (platform admins)."""
    emit_object(open_mesh().add_group_member(group, principal), as_json=as_json)


def group_remove(group: str, principal: str) -> None:
    """Remove a member: what it held through the group ends at once (platform admins)."""
    open_mesh().remove_group_member(group, principal)
    console.print(f"Removed {principal} from {group}")


def token_create(
    name: str = typer.Option("api", help="What the token is for."),
    principal: str = typer.Option(None, help="Whose token (platform admins); default you."),
    expires_in: str = typer.Option(None, help="Lifetime like 30d or 12h; default never."),
    as_json: JsonFlag = False,
) -> None:
    """Create a token and print its secret once."""
    issued = open_mesh().create_token(name=name, principal=principal, expires_in=expires_in)
    if as_json:
        emit_json(issued)
        return
    console.print(f"Token {issued.id} for {issued.principal} (shown once):")
    console.print(issued.secret, soft_wrap=True, highlight=False)


def token_list(
    principal: str = typer.Option(None, help="Only this principal's tokens."), as_json: JsonFlag = False
) -> None:
    """List tokens (never their secrets)."""
    items = open_mesh().list_tokens(principal)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["id", "name", "principal", "prefix", "created_at", "expires_at", "revoked_at"])


def token_revoke(token_id: str, as_json: JsonFlag = False) -> None:
    """Revoke a token; it stops working at once."""
    emit_object(open_mesh().revoke_token(token_id), as_json=as_json)


def audit(
    domain: str = typer.Option(None),
    action: str = typer.Option(None, help="Action or prefix like `domain.`"),
    actor: str = typer.Option(None),
    limit: int = typer.Option(50),
    as_json: JsonFlag = False,
) -> None:
    """Read the audit log, newest first."""
    entries = open_mesh().audit(limit=limit, domain=domain, action=action, actor=actor)
    if as_json:
        emit_json(entries)
    else:
        emit_table(entries, ["at", "actor", "action", "resource_type", "resource_name", "domain"])
