"""Domain and role-assignment commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    domain = typer.Typer(help="Domains: the teams that own data.", no_args_is_help=True)
    domain.command("create")(domain_create)
    domain.command("list")(domain_list)
    domain.command("show")(domain_show)
    domain.command("update")(domain_update)
    domain.command("delete")(domain_delete)
    app.add_typer(domain, name="domain")
    member = typer.Typer(
        help="Role assignments in a domain (Admin, Member, Contributor, Viewer).", no_args_is_help=True
    )
    member.command("add")(member_add)
    member.command("remove")(member_remove)
    member.command("list")(member_list)
    app.add_typer(member, name="member")


def domain_create(
    name: str,
    description: str = typer.Option("", help="What the domain is about."),
    owner: str = typer.Option(None, help="Owner email."),
    steward: str = typer.Option(None, help="Data steward email."),
    display_name: str = typer.Option(None, help="Shown in the UI, e.g. Sales-Domain."),
    tag: list[str] = typer.Option([], "--tag", help="Repeat for several tags."),  # noqa: B008
    as_json: JsonFlag = False,
) -> None:
    """Create a domain."""
    mesh = open_mesh()
    created = mesh.create_domain(
        name, description=description, owner=owner, steward=steward, display_name=display_name, tags=tag
    )
    emit_object(created, as_json=as_json)
    if owner and not as_json:
        _say_owner_membership(mesh, created.name, owner)


def domain_list(as_json: JsonFlag = False) -> None:
    """List domains."""
    items = open_mesh().list_domains()
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "slug", "owner", "steward", "tags", "description"])


def domain_show(name: str, as_json: JsonFlag = False) -> None:
    """Show one domain."""
    emit_object(open_mesh().get_domain(name), as_json=as_json)


def domain_update(
    name: str,
    description: str = typer.Option(None),
    owner: str = typer.Option(None),
    steward: str = typer.Option(None),
    display_name: str = typer.Option(None),
    as_json: JsonFlag = False,
) -> None:
    """Change a domain's description, owner, steward or display name."""
    changes = {
        k: v
        for k, v in {
            "description": description,
            "owner": owner,
            "steward": steward,
            "display_name": display_name,
        }.items()
        if v is not None
    }
    mesh = open_mesh()
    updated = mesh.update_domain(name, **changes)
    emit_object(updated, as_json=as_json)
    if owner and not as_json:
        _say_owner_membership(mesh, updated.name, owner)


def _say_owner_membership(mesh: Any, domain: str, owner: str) -> None:
    """Setting an owner makes that principal an Admin member; say which happened, so nobody is left guessing."""
    wanted = owner.strip().lower()
    members = mesh.list_members(domain)
    if any(wanted in {(m.email or "").lower(), m.principal.lower()} and m.role.value == "Admin" for m in members):
        console.print(f"Owner {owner} is an Admin member of {domain}.")
    else:
        console.print(
            f"No principal has the email {owner} yet, so the owner is not a member. Once their account exists: "
            f"lakemesh domain update {domain} --owner {owner} (or: lakemesh domain member add {domain} {owner} Admin)"
        )


def domain_delete(
    name: str,
    force: bool = typer.Option(False, "--force", help="Also delete what it holds."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a domain (refused while it holds lakehouses or products, unless --force)."""
    if not yes:
        typer.confirm(f"Delete domain {name!r}?", abort=True)
    open_mesh().delete_domain(name, force=force)
    console.print(f"Deleted domain {name}")


def member_add(
    domain: str,
    principal: str,
    role: str = typer.Argument(..., help="Admin, Member, Contributor or Viewer"),
    as_json: JsonFlag = False,
) -> None:
    """Give a principal a role in a domain (again to change it)."""
    emit_object(open_mesh().add_member(domain, principal, role), as_json=as_json)


def member_remove(domain: str, principal: str) -> None:
    """Remove a principal's role in a domain."""
    open_mesh().remove_member(domain, principal)
    console.print(f"Removed {principal} from {domain}")


def member_list(domain: str, as_json: JsonFlag = False) -> None:
    """List who holds which role in a domain."""
    items = open_mesh().list_members(domain)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["principal", "email", "kind", "role", "added_at"])
