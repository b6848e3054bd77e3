"""Short-lived storage credentials for one table's files, for engines that read Delta tables directly.

On S3 the credentials come from STS `AssumeRole` with a session policy that allows reading only the table's
prefix (the effective permissions are the role's intersected with that policy). On a local data root there is
nothing to vend: the engine reads the path on the same host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from lakemesh.core.errors import Forbidden, ServiceUnavailable
from lakemesh.storage.location import DataRoot


@dataclass(frozen=True)
class TableCredentials:
    url: str  # where the table is, as the engine addresses it (file:///... or s3://...)
    expires_at: datetime
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None


STS_MIN_SECONDS = 900  # AssumeRole's shortest session


def location_url(root: DataRoot, uri: str) -> str:
    """A table's storage location as a URL: `file:///abs/path` locally, `s3://bucket/prefix` on S3."""
    return f"file://{uri}" if root.is_local else uri


def read_policy(uri: str) -> dict[str, Any]:
    """The session policy: get the objects under the table's prefix and list only that prefix."""
    parsed = urlparse(uri)
    bucket, prefix = parsed.netloc, parsed.path.strip("/")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{bucket}/{prefix}/*"]},
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}"],
                "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}},
            },
        ],
    }


def vend_read(
    root: DataRoot, uri: str, *, role_arn: str | None, ttl: timedelta, now: datetime, session_name: str
) -> TableCredentials:
    """Read-only credentials for the table at `uri`, valid for `ttl`."""
    if root.is_local:
        return TableCredentials(url=location_url(root, uri), expires_at=now + ttl)
    if not role_arn:
        raise ServiceUnavailable(
            "This server vends no S3 credentials (LAKEMESH_S3_CREDENTIALS_ROLE_ARN is not set); read the table "
            "through governed SQL (POST /api/v1/query), the SQL endpoint or Delta Sharing instead"
        )
    import boto3  # type: ignore[import-untyped]  # the [server] extra; only S3 data roots get here
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    options = root.storage_options
    sts = boto3.client(
        "sts",
        endpoint_url=root.s3_endpoint,
        region_name=root.s3_region,
        aws_access_key_id=options.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=options.get("AWS_SECRET_ACCESS_KEY"),
    )
    try:
        answer = sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name[:64],
            Policy=json.dumps(read_policy(uri)),
            DurationSeconds=max(STS_MIN_SECONDS, int(ttl.total_seconds())),
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "AccessDenied":
            raise Forbidden(f"The store refused to vend credentials: {exc}") from exc
        raise ServiceUnavailable(f"The store refused to vend credentials: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable(f"Could not reach STS to vend credentials: {exc}") from exc
    creds = answer["Credentials"]
    return TableCredentials(
        url=uri,
        expires_at=creds["Expiration"],  # what STS says (at least 15 minutes), not what we asked for
        access_key_id=creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
    )
