"""Secrets in Settings are SecretStr: never in a repr, a log line or a dump, yet every reader gets the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakemesh.core.settings import Settings
from lakemesh.storage.location import DataRoot


def test_secrets_are_hidden_but_reach_their_readers(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "home",
        data_root="s3://bucket/prefix",
        s3_access_key_id="AKIA1",
        s3_secret_access_key="s3-hunter2",
        url_signing_key="sign-hunter2",
        masking_key="maskhunter2",
    )
    shown = f"{settings!r} {settings} {settings.model_dump()} {settings.model_dump_json()}"
    assert "hunter2" not in shown
    assert DataRoot.from_settings(settings).storage_options["AWS_SECRET_ACCESS_KEY"] == "s3-hunter2"


def test_secrets_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEMESH_MASKING_KEY", "envhunter2")
    settings = Settings(home=tmp_path / "home")
    assert settings.masking_key is not None and settings.masking_key.get_secret_value() == "envhunter2"
