"""The 201 answer to a SCIM user create, rendered straight from what was stored.

scim2-server would validate the stored user back into a model, deep-copy it to set its location and walk every
reference attribute, then serialize it again: three passes over a resource whose JSON form is already at hand
(the request's own validated dump plus the fields Lakemesh keeps). A user create, the verb an IdP repeats
thousands of times when it provisions a company, is answered from that JSON form directly. Any other operation,
and a user that carries references to resources (the enterprise extension's `manager.$ref`, which scim2-server
turns into a URL), takes scim2-server's path. `tests/unit/api/test_scim_created.py` holds both paths to the same
body.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol, cast

from pydantic import TypeAdapter
from scim2_models import Resource, ResourceType
from scim2_server.handler import AsyncScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.routing import Operation

_TIMESTAMP = TypeAdapter(datetime)


class DocumentStorage(Protocol):
    """What the handler needs of `api.scim.DirectoryStorage` beyond scim2-server's storage interface."""

    async def create_document(self, resource_type: ResourceType, resource: Resource[Any]) -> dict[str, Any]:
        """Create the resource; its stored form as the JSON document of its resource type, unvalidated."""
        ...

    def validated(self, resource_type: ResourceType, document: dict[str, Any]) -> Resource[Any]:
        """The document as a validated resource, for scim2-server's own rendering."""
        ...


class DirectoryHandler(AsyncScimHandler):
    """scim2-server's handler, with a user create answered without re-validating what was just stored."""

    async def create(self, request: ScimRequest) -> ScimResponse:
        storage = cast(DocumentStorage, self.storage)
        with self.service.provider:
            target = self.service.route(request, Operation.create)
            resource_type = self.service.resource_type_at(cast(str, target.endpoint))
            if resource_type.name != "User":
                return await super().create(request)
            self.service.authorize(request, target, resource_type)
            resource = self.service.read_creation(resource_type, request.body, request.header("Content-Type"))
            async with self.storage.operation():
                document = await storage.create_document(resource_type, resource)
            if _has_reference(document):
                return self.service.creation_response(request.base_url, storage.validated(resource_type, document))
            return self._created(request.base_url, resource_type, document)

    def _created(self, base_url: str, resource_type: ResourceType, document: dict[str, Any]) -> ScimResponse:
        """As `ScimService.creation_response` for a resource without references: location set, no version (no
        ETags), timestamps in pydantic's JSON form."""
        location = self.service.resource_location(base_url, resource_type, document["id"])
        meta = document["meta"]
        meta["created"], meta["lastModified"] = _timestamp(meta["created"]), _timestamp(meta["lastModified"])
        meta["location"] = location
        if not self.service.etag_supported:
            meta.pop("version", None)
        headers = {"Content-Location": location, "Location": location}
        if "version" in meta:
            headers["ETag"] = meta["version"]
        return ScimResponse(HTTPStatus.CREATED, document, headers)


def _timestamp(iso: str) -> str:
    """An ISO timestamp as pydantic writes it in JSON: UTC as `Z` (the catalog's times are UTC)."""
    if iso.endswith("+00:00"):
        return iso[:-6] + "Z"
    return str(_TIMESTAMP.dump_python(datetime.fromisoformat(iso), mode="json"))


def _has_reference(value: Any) -> bool:
    if isinstance(value, dict):
        return "$ref" in value or any(_has_reference(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_reference(v) for v in value)
    return False
