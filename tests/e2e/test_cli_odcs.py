"""Issue 28.14: `lakemesh product create -f contract.odcs.yaml` with the ODCS project's full example."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakemesh.core.settings import Settings
from tests.e2e.test_cli_data import run
from tests.unit.products.test_product_from_odcs import FULL_V30


@pytest.mark.e2e
def test_cli_creates_a_product_from_an_odcs_file(settings: Settings, tmp_path: Path) -> None:
    run(settings, "init")
    run(settings, "principal", "create", "daustin")
    run(settings, "domain", "create", "Seller")
    run(settings, "lakehouse", "create", "Seller", "payments")
    contract = tmp_path / "contract.odcs.yaml"
    contract.write_text(FULL_V30)
    args = ["--domain", "Seller", "--lakehouse", "payments", "--create-table"]
    out = run(settings, "product", "create", "-f", str(contract), *args).stdout
    assert "my quantum" in out and "seller.payments.tbl_1" in out
    assert "not imported (" in out
    assert "$.schema[0].quality[0]: row-count check 'countCheck' without a comparison" in out
    assert "$.servers[0]: a postgres server is not a lakehouse" in out
    shown = run(settings, "product", "show", "seller/my-quantum").stdout
    assert "rcvr_id" in shown and "rcvr_cntry_code is not null" in shown

    broken = tmp_path / "broken.odcs.yaml"
    broken.write_text(FULL_V30.replace("apiVersion: v3.0.1", "apiVersion: v9"))
    refused = run(settings, "product", "create", "-f", str(broken), ok=False)
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1 and "apiVersion" in refused.stderr
