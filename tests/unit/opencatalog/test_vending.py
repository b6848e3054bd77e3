"""What credentials are vended for, decided before any store is asked: the session policy and the fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lakemesh.core.errors import ServiceUnavailable
from lakemesh.storage.location import DataRoot
from lakemesh.storage.vending import read_policy, vend_read

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_session_policy_reads_only_the_tables_prefix() -> None:
    policy = read_policy("s3://lake/mesh/sales/lh/Tables/orders")
    get, listing = policy["Statement"]
    assert get["Action"] == ["s3:GetObject"] and get["Resource"] == ["arn:aws:s3:::lake/mesh/sales/lh/Tables/orders/*"]
    assert listing["Action"] == ["s3:ListBucket"] and listing["Resource"] == ["arn:aws:s3:::lake"]
    assert listing["Condition"]["StringLike"]["s3:prefix"] == [
        "mesh/sales/lh/Tables/orders",
        "mesh/sales/lh/Tables/orders/*",
    ]
    assert not any("Put" in a or "Delete" in a or a.endswith("*") for s in policy["Statement"] for a in s["Action"])


def test_a_local_root_vends_the_path_and_no_keys() -> None:
    vended = vend_read(
        DataRoot(root="/srv/lake"), "/srv/lake/s/lh/Tables/t", role_arn=None, ttl=timedelta(hours=1), now=NOW,
        session_name="lakemesh-a",
    )  # fmt: skip
    assert vended.url == "file:///srv/lake/s/lh/Tables/t" and vended.access_key_id is None
    assert vended.expires_at == NOW + timedelta(hours=1)


def test_an_s3_root_without_a_role_refuses_and_points_to_governed_reads() -> None:
    with pytest.raises(ServiceUnavailable, match="Delta Sharing"):
        vend_read(
            DataRoot(root="s3://lake/mesh"), "s3://lake/mesh/s/lh/Tables/t", role_arn=None, ttl=timedelta(hours=1),
            now=NOW, session_name="lakemesh-a",
        )  # fmt: skip
