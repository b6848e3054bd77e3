"""The CLI for groups: a platform admin creates a group, adds and removes members; bad input is one line."""

from __future__ import annotations

import json

import pytest

from lakemesh.core.settings import Settings
from tests.e2e.test_cli_data import run


@pytest.mark.e2e
def test_cli_group_members(settings: Settings) -> None:
    run(settings, "init")
    run(settings, "principal", "create", "sales-data-team@company.com", "--kind", "group")
    run(settings, "principal", "create", "alice@company.com")
    run(settings, "group", "add", "sales-data-team@company.com", "alice@company.com")

    listed = json.loads(run(settings, "group", "members", "sales-data-team@company.com", "--json").stdout)

    assert [(m["principal"], m["source"]) for m in listed] == [("alice@company.com", "manual")]
    run(settings, "group", "remove", "sales-data-team@company.com", "alice@company.com")
    assert json.loads(run(settings, "group", "members", "sales-data-team@company.com", "--json").stdout) == []
    refused = run(settings, "group", "add", "alice@company.com", "sales-data-team@company.com", ok=False)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
