"""Request-scoped dependencies: the platform and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from lakemesh.auth.models import Principal
from lakemesh.auth.oidc import NeedsNetwork
from lakemesh.auth.tokens import TOKEN_PREFIX
from lakemesh.core.errors import Unauthorized
from lakemesh.core.pages import DEFAULT_LIMIT, MAX_LIMIT
from lakemesh.platform import Platform


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def current_principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    # async on purpose: the token lookup is one indexed read (well under a millisecond), cheaper inline on the
    # event loop than a hop to the thread pool, which FastAPI makes for every sync dependency.
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send `Authorization: Bearer <token>`")
    platform: Platform = request.app.state.platform
    token = secret.strip()
    idp = platform.idp
    if idp is None or token.startswith(TOKEN_PREFIX):
        principal = platform.principals.authenticate(token)
    else:  # the company IdP's token: checked inline from cached keys; a call to the IdP or a write off the loop
        try:
            principal = idp.authenticate(token, offline=True)
        except NeedsNetwork:
            principal = await run_in_threadpool(platform.authenticate, token)
    request.state.principal = principal.name
    return principal


PlatformDep = Annotated[Platform, Depends(get_platform)]
Caller = Annotated[Principal, Depends(current_principal)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Cursor = Annotated[str | None, Query(description="Opaque cursor from the previous page's `next_cursor`.")]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="ETag you read; the update fails with 412 if the object changed since."),
]
DEFAULT_PAGE = DEFAULT_LIMIT
