"""HTTP plumbing of the SDK: auth header, problem JSON back into Lakemesh's typed errors."""

from __future__ import annotations

from typing import Any

import httpx
import pyarrow as pa

from lakemesh.core import errors

_BY_STATUS: dict[int, type[errors.LakemeshError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    410: errors.Gone,
    412: errors.PreconditionFailed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    422: errors.InvalidInput,
    429: errors.TooManyRequests,
    503: errors.ServiceUnavailable,
}
PROBLEM_TYPE = "urn:lakemesh:problem:"


def _by_code(code: str) -> type[errors.LakemeshError] | None:
    """The error class with this problem code among those loaded (core's always are), e.g. `contract-violation`."""
    pending: list[type[errors.LakemeshError]] = [errors.LakemeshError]
    while pending:
        kind = pending.pop()
        if kind.code == code:
            return kind
        pending.extend(kind.__subclasses__())
    return None


def raise_for_problem(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {"detail": response.text or response.reason_phrase}
    kind = str(body.get("type", ""))
    code = kind.removeprefix(PROBLEM_TYPE) if kind.startswith(PROBLEM_TYPE) else ""
    error_type = (_by_code(code) if code else None) or _BY_STATUS.get(response.status_code, errors.LakemeshError)
    items = [
        errors.ErrorItem(
            tuple(e.get("loc", ())), e.get("message", ""), {k: v for k, v in e.items() if k not in {"loc", "message"}}
        )
        for e in body.get("errors", []) or []
    ]
    error = error_type(str(body.get("detail") or body.get("title") or response.status_code), errors=items)
    error.status = response.status_code
    if code and code != error.code:  # a capability's own error class this process has not loaded: same fields
        error.code, error.title = code, str(body.get("title") or error.title)
    raise error


class Transport:
    def __init__(self, url: str, token: str, *, timeout: float = 60.0, client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.client = client or httpx.Client(base_url=self.url, timeout=timeout)
        self.client.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        raise_for_problem(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def arrow(self, method: str, path: str, **kwargs: Any) -> pa.Table:
        """A result sent as an Arrow IPC stream, as the same pyarrow Table the in-process call returns."""
        return pa.ipc.open_stream(self.request(method, path, **kwargs).content).read_all()

    def pages(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated list, following `next_cursor`."""
        query = {k: v for k, v in (params or {}).items() if v is not None} | {"limit": 500}
        items: list[Any] = []
        while True:
            page = self.json("GET", path, params=query)
            items.extend(page["items"])
            if not page.get("next_cursor"):
                return items
            query["cursor"] = page["next_cursor"]

    def close(self) -> None:
        self.client.close()
