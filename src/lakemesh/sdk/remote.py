"""Turns each declared operation into its remote twin: same name, signature and docstring, a REST call as body."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from lakemesh.facade.operation import COMPOSED, Args, Route, route_of
from lakemesh.sdk.transport import Transport

C = TypeVar("C", bound=type)


def bind_remote(cls: C) -> C:
    """Replace every inherited operation of `cls` by its remote twin; an operation without a route is an error,
    so a method added to the in-process face cannot be missing from the remote one."""
    for name, function in _operations(cls):
        route = route_of(function)
        if route is None:
            raise TypeError(f"{cls.__name__}.{name} has no @remote declaration")
        if route is not COMPOSED:
            setattr(cls, name, remote_method(function, route))
    return cls


def _operations(cls: type) -> list[tuple[str, Callable[..., Any]]]:
    """Public functions defined by the classes `cls` inherits from (not by `cls` itself)."""
    found: dict[str, Callable[..., Any]] = {}
    for base in reversed(cls.__mro__[1:]):
        if base.__module__.startswith("lakemesh.sdk."):
            continue
        for name, member in vars(base).items():
            if not name.startswith("_") and inspect.isfunction(member):
                found[name] = member
    return [(name, f) for name, f in found.items() if name not in vars(cls)]


def remote_method(function: Callable[..., Any], route: Route) -> Callable[..., Any]:
    signature = inspect.signature(function)
    spread = frozenset(p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD)
    if route.call is not None:
        call = route.call

        def custom(self: Any, *args: Any, **kwargs: Any) -> Any:
            arguments = _bind(signature, self, args, kwargs)
            return call(self._http, route.url(arguments), arguments)

        return functools.wraps(function)(custom)
    result = typing.get_type_hints(function)["return"]
    adapter = None if result is type(None) else TypeAdapter(result)
    listed = typing.get_origin(result) is list

    def generic(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = _bind(signature, self, args, kwargs)
        data = send(self._http, route, arguments, spread=spread, listed=listed)
        return adapter.validate_python(data) if adapter is not None else None

    return functools.wraps(function)(generic)


def _bind(signature: inspect.Signature, self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Args:
    bound = signature.bind(self, *args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _collect(pairs: tuple[tuple[str, str], ...], arguments: Args, spread: frozenset[str]) -> dict[str, Any]:
    """Wire name -> value for each named argument; a `**kwargs` argument merges its items in."""
    collected: dict[str, Any] = {}
    for wire, name in pairs:
        if name in spread:
            collected.update(arguments[name])
        else:
            collected[wire] = arguments[name]
    return collected


def body_of(route: Route, arguments: Args, spread: frozenset[str] = frozenset()) -> Any:
    if route.body is None:
        return None
    if isinstance(route.body, str):
        return to_jsonable_python(arguments[route.body])
    if callable(route.body):
        return to_jsonable_python(route.body(arguments))
    return to_jsonable_python(_collect(tuple((n, n) for n in route.body), arguments, spread))


def send(
    http: Transport, route: Route, arguments: Args, *, spread: frozenset[str] = frozenset(), listed: bool = False
) -> Any:
    """The generic request: path, query, headers and JSON body from the arguments; a list result unwraps `items`."""
    path = route.url(arguments)
    query = _collect(route.query, arguments, spread)
    params = to_jsonable_python({k: v for k, v in query.items() if v is not None})
    if route.pages:
        return http.pages(path, params)
    headers = {wire: str(arguments[name]) for wire, name in route.headers if arguments[name] is not None}
    body = body_of(route, arguments, spread)
    data = http.json(route.method, path, params=params or None, json=body, headers=headers or None)
    return data["items"] if listed and isinstance(data, dict) else data
