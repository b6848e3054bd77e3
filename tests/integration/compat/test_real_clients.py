"""Real client libraries against a real `lakemesh serve`: Microsoft's Fabric SDK and pyapacheatlas.

Only their base URL and credential are Lakemesh's. The test server speaks plain http, and azure-core refuses
to send a bearer token over http unless told (`enforce_https`), so the Fabric SDK gets azure-core's own bearer
policy with that switch off; against an https Lakemesh none of this is needed.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import microsoft_fabric_api as fabric_api
import pyarrow as pa
from azure.core.credentials import AccessToken
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from microsoft_fabric_api.generated.core import models as core_models
from microsoft_fabric_api.generated.lakehouse import models as lakehouse_models
from pyapacheatlas.auth.azcredential import AzCredentialWrapper
from pyapacheatlas.core.client import AtlasClient
from pyapacheatlas.core.entity import AtlasEntity

from lakemesh.core.ids import uuid_of
from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server
from tests.unit.access.conftest import customers, product_document


class LakemeshCredential:
    """An azure-core TokenCredential that hands out a Lakemesh token (what DefaultAzureCredential would)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


class PlainHttpBearer(BearerTokenCredentialPolicy):
    """azure-core's bearer policy, allowed to talk to a local http server."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        request.context["enforce_https"] = False
        super().on_request(request)


def test_microsofts_fabric_sdk_creates_a_workspace_role_lakehouse_and_shortcut(server: Server) -> None:
    credential = LakemeshCredential(server.token)
    bearer = PlainHttpBearer(credential, "https://api.fabric.microsoft.com/.default")
    client = fabric_api.FabricClient(credential, base_url=f"{server.url}/fabric/", authentication_policy=bearer)
    core = client.core
    name = f"Sdk{uuid.uuid4().hex[:6]}"
    made = core.workspaces.create_workspace(
        core_models.CreateWorkspaceRequest(display_name=f"{name}-Domain", description="made by the SDK")
    )
    native = RemoteMesh(server.url, server.token)
    domain = native.get_domain(name)
    assert made.id == uuid_of(domain.id) and made.display_name == f"{name}-Domain"
    assert any(w.id == made.id for w in core.workspaces.list_workspaces())

    with server.client() as http:
        person = http.post("/api/v1/principals", json={"name": f"{name.lower()}@company.com"}).json()
    principal = core_models.Principal(id=uuid_of(person["id"]), type="User")
    assigned = core.workspaces.add_workspace_role_assignment(
        made.id, core_models.AddWorkspaceRoleAssignmentRequest(principal=principal, role="Contributor")
    )
    assert assigned.role == "Contributor"
    assert [(m.principal, m.role.value) for m in native.list_members(name) if m.principal == person["name"]] == [
        (person["name"], "Contributor")
    ]
    roles = {r.principal.id: r.role for r in core.workspaces.list_workspace_role_assignments(made.id)}
    assert roles[uuid_of(person["id"])] == "Contributor"
    update = core_models.UpdateWorkspaceRoleAssignmentRequest(role="Member")
    assert core.workspaces.update_workspace_role_assignment(made.id, assigned.id, update).role == "Member"
    assert [m.role.value for m in native.list_members(name) if m.principal == person["name"]] == ["Member"]
    core.workspaces.delete_workspace_role_assignment(made.id, assigned.id)
    assert person["name"] not in {m.principal for m in native.list_members(name)}

    item = core.items.create_item(
        made.id, core_models.CreateItemRequest(display_name="sdk_lakehouse", type="Lakehouse")
    )
    assert item.type == "Lakehouse" and native.get_lakehouse(name, "sdk_lakehouse").name == "sdk_lakehouse"

    native.write_table(name, "sdk_lakehouse", "gold_customers", pa.Table.from_batches(customers().to_batches()))
    source = native.get_table(name, "sdk_lakehouse", "gold_customers")
    target = core_models.CreateShortcutRequest(
        path="Tables",
        name="customers_copy",
        target=core_models.Target(
            type="OneLake",
            one_lake=core_models.OneLake(workspace_id=made.id, item_id=item.id, path="Tables/gold_customers"),
        ),
    )
    shortcut = core.one_lake_shortcuts.create_shortcut(made.id, item.id, target)
    assert shortcut.name == "customers_copy" and shortcut.target.one_lake.item_id == item.id
    copy = native.get_table(name, "sdk_lakehouse", "customers_copy")
    assert copy.shortcut_target == source.qualified_name and copy.row_count == source.row_count
    assert core.one_lake_shortcuts.get_shortcut(made.id, item.id, "Tables", "customers_copy").name == "customers_copy"

    # Loading a file of Files/ into a table: the SDK's long-running-operation poller follows our 202.
    native.upload_file(name, "sdk_lakehouse", "raw/segments.csv", b"segment,weight\nSMB,1\nEnterprise,3\n")
    request = lakehouse_models.LoadTableRequest(
        relative_path="Files/raw/segments.csv",
        path_type="File",
        mode="Overwrite",
        format_options=lakehouse_models.Csv(header=True, delimiter=","),
    )
    client.lakehouse.tables.begin_load_table(made.id, item.id, "segments", request).result()
    assert native.get_table(name, "sdk_lakehouse", "segments").row_count == 2
    tables = client.lakehouse.tables.list_tables(made.id, item.id)
    assert {"gold_customers", "customers_copy", "segments"} <= {t.name for t in tables}
    core.one_lake_shortcuts.delete_shortcut(made.id, item.id, "Tables", "customers_copy")
    assert "customers_copy" not in {t.name for t in native.list_tables(name, "sdk_lakehouse")}
    assert native.get_table(name, "sdk_lakehouse", "gold_customers").row_count == source.row_count


def test_pyapacheatlas_uploads_a_data_product_and_reads_it_back(server: Server) -> None:
    domain = f"Atlas{uuid.uuid4().hex[:6]}"
    native = RemoteMesh(server.url, server.token)
    native.create_domain(domain)
    native.create_lakehouse(domain, "sales_lakehouse")
    native.write_table(domain, "sales_lakehouse", "gold_customer_360", pa.Table.from_batches(customers().to_batches()))
    with server.client() as http:
        assert http.post("/api/v1/principals", json={"name": "sales-data-team@company.com"}).status_code in (201, 409)

    auth = AzCredentialWrapper(LakemeshCredential(server.token))
    atlas = AtlasClient(f"{server.url}/purview/catalog/api/atlas/v2", auth)
    document = product_document()
    entity = AtlasEntity(
        name=document["name"],
        typeName="DataProduct",
        qualified_name=f"{domain}/{document['name']}",
        guid=-1,
        attributes={
            "description": document["description"],
            "owner": document["owner"],
            "contract": json.dumps(document["contract"]),
            "storage": json.dumps(document["storage"]),
        },
    )
    uploaded = atlas.upload_entities([entity])
    guid = uploaded["guidAssignments"]["-1"]
    product = native.get_product(domain, document["name"])
    assert guid == uuid_of(product.id) and product.contract["sla"]["freshness"] == "24h"

    by_guid = atlas.get_entity(guid=guid)["entities"]
    assert [(e["guid"], e["typeName"]) for e in by_guid] == [(guid, "DataProduct")]
    by_name = atlas.get_entity(qualifiedName=product.qualified_name, typeName="DataProduct")["entities"]
    assert [e["guid"] for e in by_name] == [guid]
    assert by_name[0]["attributes"]["owner"] == document["owner"]
