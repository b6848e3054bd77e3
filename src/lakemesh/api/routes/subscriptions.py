"""Subscriptions to a product, its announcements, and the caller's notification list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.subscriptions.models import (
    Announcement,
    AnnouncementCreate,
    Notification,
    Subscription,
    SubscriptionCreate,
)

router = APIRouter(tags=["subscriptions"])
PRODUCT = "/api/v1/products/{domain}/{product}"


@router.post(
    f"{PRODUCT}/subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe to the product",
    description="Notified of new versions, breaking changes, deprecation, incidents and announcements. Holders of "
    "an active grant are subscribed by default.",
)
def subscribe(
    domain: str, product: str, platform: PlatformDep, caller: Caller, body: SubscriptionCreate | None = None
) -> Subscription:
    return platform.subscriptions.subscribe(caller, domain, product, body.subscriber if body else None)


@router.delete(f"{PRODUCT}/subscriptions", status_code=status.HTTP_204_NO_CONTENT, summary="Unsubscribe")
def unsubscribe(
    domain: str,
    product: str,
    platform: PlatformDep,
    caller: Caller,
    subscriber: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    platform.subscriptions.unsubscribe(caller, domain, product, subscriber)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(f"{PRODUCT}/subscriptions", summary="The product's subscribers")
def list_subscriptions(domain: str, product: str, platform: PlatformDep, caller: Caller) -> list[Subscription]:
    return platform.subscriptions.subscriptions(caller, domain, product)


@router.post(
    f"{PRODUCT}/announcements",
    status_code=status.HTTP_201_CREATED,
    summary="Post an announcement",
    description="The product's owner and its domain's Admins only; subscribers are notified.",
)
def announce(
    domain: str, product: str, spec: AnnouncementCreate, platform: PlatformDep, caller: Caller
) -> Announcement:
    return platform.subscriptions.announce(caller, domain, product, spec)


@router.get(f"{PRODUCT}/announcements", summary="The product's announcements")
def announcements(
    domain: str, product: str, platform: PlatformDep, caller: Caller, current: Annotated[bool, Query()] = True
) -> list[Announcement]:
    return platform.subscriptions.announcements(caller, domain, product, current=current)


@router.get("/api/v1/me/notifications", summary="Your notification list, newest first")
def notifications(
    platform: PlatformDep, caller: Caller, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[Notification]:
    return platform.subscriptions.notifications(caller, limit=limit)
