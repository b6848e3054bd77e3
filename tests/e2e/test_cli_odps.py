"""Issue 24.5: `lakemesh product odps` writes ODPS v4.1 YAML that `lakemesh product create -f` takes back."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

from lakemesh.core.settings import Settings
from tests.e2e.test_cli_data import run
from tests.unit.products.test_product_from_odcs import FULL_V30

SCHEMA = json.loads(files("lakemesh.products").joinpath("schemas/odps-v4.1.schema.json").read_text())


@pytest.mark.e2e
def test_cli_exports_odps_and_creates_the_product_back(settings: Settings, tmp_path: Path) -> None:
    run(settings, "init")
    run(settings, "principal", "create", "daustin")
    run(settings, "domain", "create", "Seller")
    run(settings, "lakehouse", "create", "Seller", "payments")
    contract = tmp_path / "contract.odcs.yaml"
    contract.write_text(FULL_V30)
    run(
        settings,
        "product",
        "create",
        "-f",
        str(contract),
        "--domain",
        "Seller",
        "--lakehouse",
        "payments",
        "--create-table",
    )
    exported = run(settings, "product", "odps", "seller/my-quantum").stdout
    jsonschema.Draft202012Validator(SCHEMA).validate(yaml.safe_load(exported))
    product = tmp_path / "product.odps.yaml"
    product.write_text(exported)
    out = run(settings, "product", "create", "-f", str(product), "--name", "Quantum again").stdout
    assert "Quantum again" in out and "seller.payments.tbl_1" in out

    product.write_text(exported.replace("version: '4.1'", "version: 4.1"))
    refused = run(settings, "product", "create", "-f", str(product), "--name", "Broken", ok=False)
    assert refused.returncode == 1 and "not valid ODPS 4.1" in refused.stderr
