"""One declaration per operation: the method's body is the in-process call; `@remote` says how the remote client
reaches the same operation over REST. `Mesh` and `RemoteMesh` inherit the same methods, so they cannot differ."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from lakemesh.core.pages import Page

if TYPE_CHECKING:
    from lakemesh.sdk.transport import Transport

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Args = dict[str, Any]
# A custom remote call: the transport, the declared path filled in, and the call's arguments by name.
RemoteCall = Callable[["Transport", str, Args], Any]
# A JSON body built from the call's arguments; the in-process body parses the same builder's output.
BodyOf = Callable[[Args], Any]
_SEGMENT = re.compile(r"\{(\w+)(?:\[(\w+)\])?(:path)?\}")


@dataclass(frozen=True)
class Route:
    """How an operation maps onto REST: method, path template, which arguments go to query, body and headers."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: str | tuple[str, ...] | BodyOf | None = None
    headers: tuple[tuple[str, str], ...] = ()
    pages: bool = False
    call: RemoteCall | None = None

    def url(self, args: Args) -> str:
        """The path with each `{arg}` quoted as one segment; `{arg:path}` keeps its slashes, and `{arg[key]}`
        takes a key of a document argument (`PUT /policies/{policy[name]}`)."""
        return _SEGMENT.sub(lambda m: quote(_value(args, m[1], m[2]), safe="/" if m[3] else ""), self.path)

    @property
    def template(self) -> str:
        """The path with its parameters unnamed, to compare with the server's routes."""
        return _SEGMENT.sub("{}", self.path)


def _value(args: Args, name: str, key: str | None) -> str:
    value = args[name]
    if key is None:
        return str(value)
    return str((value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)) or "-")


def remote(
    method: str,
    path: str,
    *,
    query: Sequence[str] | Mapping[str, str] = (),
    body: str | Sequence[str] | BodyOf | None = None,
    headers: Mapping[str, str] | None = None,
    pages: bool = False,
    call: RemoteCall | None = None,
) -> Callable[[F], F]:
    """Declare the REST route of an operation. `query`/`headers` name arguments (a mapping renames: wire -> arg);
    `body` is one argument sent as the whole body, names whose values make a JSON object (`**kwargs` merge in), or
    a builder of the body from the arguments (the in-process body parses what the same builder returns);
    `pages` follows `next_cursor`; `call` replaces the generic request for bodies or results that are not JSON."""
    pairs = tuple(query.items()) if isinstance(query, Mapping) else tuple((name, name) for name in query)
    route = Route(
        method,
        path,
        query=pairs,
        body=body if body is None or isinstance(body, str) or callable(body) else tuple(body),
        headers=tuple((headers or {}).items()),
        pages=pages,
        call=call,
    )

    def declare(function: F) -> F:
        function.__remote__ = route  # type: ignore[attr-defined]
        return function

    return declare


def composed(function: F) -> F:
    """An operation whose body only calls other declared operations: it runs as written on both faces."""
    function.__remote__ = COMPOSED  # type: ignore[attr-defined]
    return function


COMPOSED = Route("", "")


def route_of(function: Callable[..., Any]) -> Route | None:
    found: Route | None = getattr(function, "__remote__", None)
    return found


def every(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Every item of a paginated service list, following its cursor (the in-process twin of `pages=True`)."""
    items: list[T] = []
    cursor = None
    while True:
        page = fetch(cursor)
        items.extend(page.items)
        if not page.next_cursor:
            return items
        cursor = page.next_cursor
