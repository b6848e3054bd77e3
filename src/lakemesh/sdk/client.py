"""`RemoteMesh`: the same methods as the in-process `Mesh`, over the REST API."""

from __future__ import annotations

import httpx

from lakemesh.facade.methods import MeshMethods
from lakemesh.sdk.access import RemoteAccessMethods
from lakemesh.sdk.governance import RemoteGovernanceMethods
from lakemesh.sdk.lakehouses import RemoteLakehouseMethods
from lakemesh.sdk.metrics import RemoteMetricsMethods
from lakemesh.sdk.pipelines import RemotePipelineMethods
from lakemesh.sdk.quality import RemoteQualityMethods
from lakemesh.sdk.remote import bind_remote
from lakemesh.sdk.semantic import RemoteSemanticMethods
from lakemesh.sdk.sharing import RemoteSharingMethods
from lakemesh.sdk.transport import Transport


@bind_remote
class RemoteMesh(
    MeshMethods,
    RemoteLakehouseMethods,
    # capability mixins: one line each
    RemoteSemanticMethods,
    RemoteSharingMethods,
    RemotePipelineMethods,
    RemoteAccessMethods,
    RemoteGovernanceMethods,
    RemoteMetricsMethods,
    RemoteQualityMethods,
):
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
