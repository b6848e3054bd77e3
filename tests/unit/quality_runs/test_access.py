"""Who may run checks, read history and SLA, and see failing rows."""

from __future__ import annotations

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.lakehouses.models import ColumnUpdate, TableUpdate
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows


def test_contributors_run_viewers_read(mesh: Mesh) -> None:
    contributor = user(mesh, "carl@company.com")
    viewer = user(mesh, "vera@company.com")
    mesh.add_member("Sales", "carl@company.com", "Contributor")
    mesh.add_member("Sales", "vera@company.com", "Viewer")
    run = contributor.run_quality(*PRODUCT)
    assert run.actor == "carl@company.com"
    with pytest.raises(Forbidden):
        viewer.run_quality(*PRODUCT)
    with pytest.raises(Forbidden):
        viewer.set_quality_schedule(*PRODUCT, "0 6 * * *")
    assert [r.id for r in viewer.quality_runs(*PRODUCT)] == [run.id]
    assert viewer.get_sla(*PRODUCT).product == "sales/customer-360"


def test_outsiders_see_nothing_of_a_draft_and_only_counts_of_a_published_product(mesh: Mesh) -> None:
    mesh.run_quality(*PRODUCT)
    outsider = user(mesh, "otto@company.com")
    for call in (outsider.quality_runs, outsider.get_sla, outsider.run_quality):
        with pytest.raises(NotFound):
            call(*PRODUCT)
    assert outsider.quality_metrics().num_rows == 0  # not even in the metrics table
    mesh.publish_product(*PRODUCT)
    assert len(outsider.quality_runs(*PRODUCT)) == 1
    assert outsider.get_sla(*PRODUCT).status == "met"
    assert outsider.quality_metrics().num_rows == 4
    with pytest.raises(Forbidden):
        outsider.run_quality(*PRODUCT)


def test_samples_redact_confidential_columns_for_contributors_but_not_for_owners(
    mesh: Mesh, clock: FrozenClock
) -> None:
    mesh.write_table(*TABLE, rows(clock, 3, lifetime_value=[-1, 2, 3]), mode="overwrite")
    mesh.platform.tables.update(
        mesh.principal,
        *TABLE,
        TableUpdate(columns={"customer_name": ColumnUpdate(sensitivity_label="Confidential")}),
    )
    contributor = user(mesh, "carl@company.com")
    member = user(mesh, "mo@company.com")
    mesh.add_member("Sales", "carl@company.com", "Contributor")
    mesh.add_member("Sales", "mo@company.com", "Member")

    def sample(who: Mesh) -> dict[str, object]:
        rules = {r.name: r for r in who.run_quality(*PRODUCT).rules}
        return (rules["lifetime_value >= 0"].samples or [{}])[0]

    assert sample(contributor)["customer_name"] == "***"
    assert sample(contributor)["customer_id"] == "S1-0"
    assert sample(member)["customer_name"] not in ("***", None)


def test_a_hidden_product_and_a_missing_one_give_the_same_answer(mesh: Mesh) -> None:
    outsider = user(mesh, "otto@company.com")
    with pytest.raises(NotFound) as hidden:
        outsider.get_sla("Sales", "customer-360")
    with pytest.raises(NotFound) as missing:
        outsider.get_sla("Sales", "customer-361")
    assert str(hidden.value).replace("360", "") == str(missing.value).replace("361", "")
