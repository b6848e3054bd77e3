"""An S3-compatible server on loopback (moto in server mode) and the settings that put a data root on it.

Test modules import `s3_endpoint` (a fixture) from here; pytest registers it where it is imported, and all
of them share one server process.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from pydantic import SecretStr

from lakemesh.core.settings import Settings

KEY = "test"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port, one per test session however many modules import this."""
    if not _RUNNING:
        _RUNNING.append(_start())
    _USERS.append(1)
    process, url = _RUNNING[0]
    yield url
    _USERS.pop()
    if not _USERS:
        _RUNNING.clear()
        process.terminate()
        process.wait(timeout=10)


_RUNNING: list[tuple[subprocess.Popen[bytes], str]] = []
_USERS: list[int] = []


def _start() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return process, url
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("moto.server did not start") from None
            time.sleep(0.2)


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=KEY, region_name=REGION
    )


def new_bucket(endpoint: str) -> str:
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return bucket


def keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    """Every object key under `prefix` (paginated)."""
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def s3_settings(settings: Settings, endpoint: str, bucket: str, prefix: str = "mesh") -> Settings:
    return settings.model_copy(
        update={
            "data_root": f"s3://{bucket}/{prefix}",
            "s3_endpoint_url": endpoint,
            "s3_access_key_id": KEY,
            "s3_secret_access_key": SecretStr(KEY),  # model_copy does not validate
            "s3_region": REGION,
        }
    )


def s3_environment(endpoint: str, bucket: str, prefix: str = "mesh") -> dict[str, str]:
    """The same settings as `LAKEMESH_*` variables, for a `lakemesh serve` process."""
    return {
        "LAKEMESH_DATA_ROOT": f"s3://{bucket}/{prefix}",
        "LAKEMESH_S3_ENDPOINT_URL": endpoint,
        "LAKEMESH_S3_ACCESS_KEY_ID": KEY,
        "LAKEMESH_S3_SECRET_ACCESS_KEY": KEY,
        "LAKEMESH_S3_REGION": REGION,
    }
