"""Request guards that apply before any route: body size (413) and content type (415)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_JSON_TYPES = ("application/json", "application/merge-patch+json")
_WITH_BODY = {"POST", "PUT", "PATCH"}


class BodyGuard:
    """Refuses JSON bodies over `max_bytes` and bodies whose Content-Type a route does not take.

    Routes that stream other media (table data, files, YAML contracts) are listed in `raw_paths`
    and do their own checks and limits.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, raw_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.raw_paths = [re.compile(p) for p in raw_paths]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if any(p.search(scope["path"]) for p in self.raw_paths):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _problem(send, 413, "Payload too large", f"Request bodies are limited to {self.max_bytes} bytes")
            return
        has_body = (length is not None and length != "0") or "transfer-encoding" in headers
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if has_body and media not in _JSON_TYPES:
            await _problem(
                send,
                415,
                "Unsupported media type",
                f"Send JSON with `Content-Type: application/json` (got {media or 'none'!r})",
            )
            return
        await self.app(scope, _limited(receive, self.max_bytes, send), send)


def _limited(receive: Receive, max_bytes: int, send: Send) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise BodyTooLarge(max_bytes)
        return message

    return wrapped


class BodyTooLarge(HTTPException):
    """An HTTPException so FastAPI's body reader passes it through instead of turning it into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request bodies are limited to {limit} bytes")


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
