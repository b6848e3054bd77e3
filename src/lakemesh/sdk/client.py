"""`RemoteMesh`: the same methods as the in-process `Mesh`, over the REST API."""

from __future__ import annotations

import httpx

from lakemesh.facade.methods import MeshMethods
from lakemesh.sdk.remote import bind_remote
from lakemesh.sdk.transport import Transport


@bind_remote
class RemoteMesh(MeshMethods):
    """A client of one Lakemesh server, acting as the principal behind `token`."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0, client: httpx.Client | None = None) -> None:
        self._http = Transport(url, token, timeout=timeout, client=client)
        self.url = self._http.url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemoteMesh:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
