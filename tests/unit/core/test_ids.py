import uuid

import pytest

from lakemesh.core.ids import id_from_uuid, native_ref, new_id, uuid_of
from lakemesh.lakehouses.models import LakehouseCreate
from lakemesh.mesh import Mesh


@pytest.mark.parametrize("prefix", ["dom", "lh", "tbl", "dp", "sm"])
def test_every_id_has_a_guid_that_maps_back_without_storage(prefix: str) -> None:
    for _ in range(200):
        native = new_id(prefix)
        guid = uuid_of(native)
        assert str(uuid.UUID(guid)) == guid
        assert id_from_uuid(guid, prefix) == native
        assert id_from_uuid(guid.upper(), prefix) == native


def test_non_guids_are_left_alone() -> None:
    for ref in ("sales", "Sales-Domain", "dom_01abc", "sales-workspace-id", ""):
        assert native_ref(ref, "dom") == ref


def test_native_lookups_accept_the_guid(admin: Mesh) -> None:
    domain = admin.create_domain("Sales")
    assert admin.get_domain(uuid_of(domain.id)).id == domain.id
    lakehouse = admin.platform.lakehouses.create(admin.principal, uuid_of(domain.id), LakehouseCreate(name="lh"))
    found = admin.platform.lakehouses.get(admin.principal, uuid_of(domain.id), uuid_of(lakehouse.id))
    assert found.id == lakehouse.id
