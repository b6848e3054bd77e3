"""SCIM 2.0 at /scim/v2 (RFC 7643/7644): scim2-server speaks the protocol, this storage translates onto the directory.

scim2-server parses requests, applies PATCH operations, projects attributes, pages and renders errors; the
storage below only turns SCIM resources into `auth.provisioning` calls and back. Authentication is the dedicated
SCIM token (`LAKEMESH_SCIM_TOKEN`): unset, every request but ServiceProviderConfig is 401.
"""

from __future__ import annotations

import hmac
from functools import partial
from typing import Any

import anyio.to_thread
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    External,
    Filter,
    InvalidValueException,
    NotFoundException,
    NotImplementedException,
    Patch,
    Reference,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    UniquenessException,
)
from scim2_models.path.expressions import Comparison
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService
from scim2_server.storage import AsyncScimStorage, SearchPage
from scim2_server.utils import load_default_resource_types, load_default_schemas

from lakemesh.api.scim_created import DirectoryHandler
from lakemesh.auth.groups import GROUP
from lakemesh.auth.provisioning import Directory, DirectoryEntry, Field, GroupSpec, UserSpec
from lakemesh.core.errors import Conflict, InvalidInput, NotFound

MAX_RESULTS = 1000
# Lakemesh keeps these itself; everything else the directory sends is kept as sent and given back (`active` and
# `members` too, only to answer as asked: whether `active` was sent at all, and the members' `display` as sent).
_OWN = {"id", "meta", "userName", "displayName", "externalId", "groups", "password"}
_PUSHED_DOWN: dict[str, Field] = {
    "username": "name",
    "externalid": "external_id",
    "displayname": "display_name",
    "id": "id",
}

BEARER = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken,
    name="SCIM token",
    description="The dedicated SCIM token (LAKEMESH_SCIM_TOKEN) as `Authorization: Bearer`",
    spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    primary=True,
)
CONFIG = ServiceProviderConfig(
    documentation_uri=Reference[External]("https://github.com/lakemesh/lakemesh/blob/main/docs/identity.md"),
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=1_048_576),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[BEARER],
)


async def _run(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Catalog calls are blocking: run them on a worker thread, with Lakemesh's errors as SCIM's."""
    try:
        return await anyio.to_thread.run_sync(partial(call, *args, **kwargs))
    except NotFound as exc:
        raise NotFoundException(detail=str(exc)) from exc
    except Conflict as exc:
        raise UniquenessException(detail=str(exc)) from exc
    except InvalidInput as exc:
        raise InvalidValueException(detail=str(exc)) from exc


class DirectoryStorage(AsyncScimStorage):
    """Users and Groups of the SCIM protocol, kept by `auth.provisioning.Directory`."""

    def __init__(self, directory: Directory, models: dict[str, type[Resource[Any]]]) -> None:
        self._directory = directory
        self._models = models

    async def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        entry = await _run(self._directory.get, _kind(resource_type), resource_id)
        return self._resource(resource_type, entry)

    async def search(
        self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *, position: Any = None
    ) -> SearchPage:
        if len(resource_types) != 1:
            raise NotImplementedException(detail="search /Users or /Groups, not the root")
        resource_type = resource_types[0]
        kind, scim_filter = _kind(resource_type), search_request.filter
        offset, count = search_request.start_index_0 or 0, search_request.count
        pushed = _pushed_down(scim_filter)
        if scim_filter is None or pushed is not None:
            by, value = pushed if pushed is not None else (None, None)
            total, entries = await _run(self._directory.find, kind, by, value, offset=offset, limit=count)
            return SearchPage(total, [self._resource(resource_type, e) for e in entries])
        # Any other filter is evaluated here, over every entry: fine for directories of thousands.
        _, entries = await _run(self._directory.find, kind)
        found = [r for e in entries if scim_filter.match(r := self._resource(resource_type, e))]
        return SearchPage(len(found), found[offset : None if count is None else offset + count])

    async def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        if _kind(resource_type) == GROUP:
            entry = await _run(self._directory.create_group, _group_spec(resource))
        else:
            entry = await _run(self._directory.create_user, _user_spec(resource))
        return self._resource(resource_type, entry)

    async def update(
        self, resource_type: ResourceType, resource: Resource[Any], *, expected_version: str | None = None
    ) -> Resource[Any]:
        if _kind(resource_type) == GROUP:
            entry = await _run(self._directory.replace_group, resource.id, _group_spec(resource))
        else:
            entry = await _run(self._directory.replace_user, resource.id, _user_spec(resource))
        return self._resource(resource_type, entry)

    async def delete(
        self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None
    ) -> None:
        await _run(self._directory.delete, _kind(resource_type), resource_id)

    async def create_document(self, resource_type: ResourceType, resource: Resource[Any]) -> dict[str, Any]:
        """A user create for `scim_created.DirectoryHandler`: the stored user as its JSON document."""
        entry = await _run(self._directory.create_user, _user_spec(resource))
        return _document(resource_type, entry)

    def validated(self, resource_type: ResourceType, document: dict[str, Any]) -> Resource[Any]:
        return self._models[str(resource_type.name)].model_validate(document)

    def _resource(self, resource_type: ResourceType, entry: DirectoryEntry) -> Resource[Any]:
        return self.validated(resource_type, _document(resource_type, entry))


def _document(resource_type: ResourceType, entry: DirectoryEntry) -> dict[str, Any]:
    """The resource as the directory sent it last, with what Lakemesh keeps itself laid over it."""
    data: dict[str, Any] = {k: v for k, v in entry.attributes.items() if k not in _OWN}
    sent = {m.get("value"): m.get("display") for m in data.pop("members", None) or [] if isinstance(m, dict)}
    data.setdefault("schemas", [str(resource_type.schema_)])
    meta = {
        "resourceType": str(resource_type.name),
        "created": entry.created.isoformat(),
        "lastModified": entry.modified.isoformat(),
        "version": f'W/"{entry.version}"',
    }
    data |= {"id": entry.id, "externalId": entry.external_id, "meta": meta}
    if _kind(resource_type) == GROUP:
        data["displayName"] = entry.name
        data["members"] = [
            {"value": r.id, "display": sent.get(r.id) or r.name, "$ref": f"Users/{r.id}", "type": "User"}
            for r in entry.refs
        ]
    else:
        # A deactivated user always says so; an active one says `active` only if the directory ever sent it.
        shown = entry.active if ("active" in data or not entry.active) else None
        data |= {"userName": entry.name, "displayName": entry.display_name, "active": shown}
        data["groups"] = [
            {"value": r.id, "display": r.name, "$ref": f"Groups/{r.id}", "type": "direct"} for r in entry.refs
        ]
    return {k: v for k, v in data.items() if v is not None and v != []}


def _kind(resource_type: ResourceType) -> str:
    return GROUP if resource_type.name == "Group" else "user"


def _dump(resource: Resource[Any]) -> dict[str, Any]:
    return resource.model_dump(mode="json")


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _OWN}


def _user_spec(resource: Resource[Any]) -> UserSpec:
    data = _dump(resource)
    if not data.get("userName"):
        raise InvalidValueException(detail="userName is required")
    emails = [e for e in data.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    display = data.get("displayName") or (data.get("name") or {}).get("formatted")
    return UserSpec(
        name=data["userName"],
        external_id=data.get("externalId"),
        display_name=display,
        email=str(primary["value"]) if primary else None,
        active=data.get("active") is not False,
        attributes=_attributes(data),
    )


def _group_spec(resource: Resource[Any]) -> GroupSpec:
    data = _dump(resource)
    if not data.get("displayName"):
        raise InvalidValueException(detail="displayName is required")
    members = [m for m in data.get("members") or [] if isinstance(m, dict)]
    if any(m.get("type") == "Group" for m in members):
        raise InvalidValueException(detail="groups hold users, not other groups")
    return GroupSpec(
        name=data["displayName"],
        external_id=data.get("externalId"),
        member_ids=[str(m["value"]) for m in members if m.get("value")],
        attributes=_attributes(data),
    )


def _pushed_down(scim_filter: Any) -> tuple[Field, str] | None:
    """`userName|externalId|displayName|id eq "value"`: answered by the catalog's indexes, not by a scan."""
    if scim_filter is None:
        return None
    node = scim_filter.ast
    if not isinstance(node, Comparison) or node.op.value != "eq" or not isinstance(node.value, str):
        return None
    path = node.attr_path
    field = _PUSHED_DOWN.get(str(path.attr).lower()) if path.sub_attr is None else None
    return (field, node.value) if field is not None else None


class ScimApplication(ASGIApplication):
    """scim2-server's ASGI application, behind the dedicated SCIM token."""

    def __init__(self, storage: AsyncScimStorage, provider: ScimProvider, token: str | None) -> None:
        super().__init__(storage, provider, ScimService(provider))
        self.handler = DirectoryHandler(self.service, storage)
        self._token = token

    def check_auth(self, request: ScimRequest) -> None:
        scheme, _, given = (request.header("Authorization") or "").partition(" ")
        if self._token is None or scheme.lower() != "bearer":
            raise UnauthorizedException
        if not hmac.compare_digest(given.strip().encode(), self._token.encode()):
            raise UnauthorizedException


def application(directory: Directory, token: str | None) -> ScimApplication:
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=CONFIG
    )
    service = ScimService(provider)
    models = {str(rt.name): service.get_model(rt) for rt in load_default_resource_types().values()}
    return ScimApplication(DirectoryStorage(directory, models), provider, token)
