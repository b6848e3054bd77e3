"""Subscription commands: follow a product, post an announcement, read your notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from lakemesh.cli.incidents import _ref
from lakemesh.cli.output import emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SubscriberOption = Annotated[
    str | None, typer.Option("--subscriber", help="Default: you. `domain:<slug>` for a domain you administer.")
]


def register(app: typer.Typer) -> None:
    subscription = typer.Typer(help="Follow data products (PRODUCT: domain/product).", no_args_is_help=True)
    subscription.command("add")(subscription_add)
    subscription.command("remove")(subscription_remove)
    subscription.command("list")(subscription_list)
    app.add_typer(subscription, name="subscription")
    app.command("announce")(announce)
    app.command("notifications")(notifications)


def subscription_add(product: str, subscriber: SubscriberOption = None, as_json: JsonFlag = False) -> None:
    """Be told of new versions, deprecations, incidents and announcements of the product."""
    emit_object(open_mesh().subscribe(*_ref(product), subscriber=subscriber), as_json=as_json)


def subscription_remove(product: str, subscriber: SubscriberOption = None) -> None:
    """Stop following the product (a grantee, subscribed by default, opts out)."""
    open_mesh().unsubscribe(*_ref(product), subscriber=subscriber)
    print(f"unsubscribed from {product}")


def subscription_list(product: str, as_json: JsonFlag = False) -> None:
    """The product's subscribers (all of them for its domain; yours otherwise)."""
    found = open_mesh().list_subscriptions(*_ref(product))
    if as_json:
        emit_json(found)
        return
    emit_table(found, ["subscriber", "kind", "source", "created_at"], title=f"Subscribers of {product}")


def announce(
    product: str,
    title: str,
    text: str = typer.Option("", "--text", help="The message."),
    starts_at: Annotated[datetime | None, typer.Option("--starts-at", help="ISO time with zone; default now.")] = None,
    ends_at: Annotated[datetime | None, typer.Option("--ends-at", help="ISO time with zone.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Post an announcement to the product's subscribers (its owner and its domain's Admins)."""
    posted = open_mesh().announce(*_ref(product), title, text=text, starts_at=starts_at, ends_at=ends_at)
    emit_object(posted, as_json=as_json)


def notifications(
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many, newest first."), as_json: JsonFlag = False
) -> None:
    """Your notifications: notices to you and to your domains, newest first."""
    found = open_mesh().notifications(limit=limit)
    if as_json:
        emit_json(found)
        return
    emit_table(found, ["at", "product", "event", "title", "to", "link"], title="Notifications")
