"""Resource limits of the HTTP edge: how many bytes one upload may bring, and how much heavy work runs at once.

Uploads are checked while they stream (chunked bodies have no Content-Length to trust): the body goes to a
temporary file that is removed on a 413, so nothing is kept. A lakehouse limit (off by default) caps the bytes
its tables and Files area hold; an upload may use what is left of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakemesh.auth.models import Principal
from lakemesh.platform import Platform


@dataclass(frozen=True)
class UploadLimit:
    bytes: int
    message: str


def upload_limit(platform: Platform, caller: Principal, domain: str, lakehouse: str) -> UploadLimit:
    """The most one upload into `lakehouse` may bring: the per-request limit, or what is left of the lakehouse's."""
    settings = platform.settings
    per_request = UploadLimit(
        settings.max_upload_bytes,
        f"Uploads are limited to {settings.max_upload_bytes} bytes (LAKEMESH_MAX_UPLOAD_BYTES)",
    )
    if settings.max_lakehouse_bytes is None:
        return per_request
    used = lakehouse_bytes(platform, caller, domain, lakehouse)
    left = max(0, settings.max_lakehouse_bytes - used)
    if left >= per_request.bytes:
        return per_request
    return UploadLimit(
        left,
        f"Lakehouse {lakehouse!r} holds {used} of its {settings.max_lakehouse_bytes} bytes "
        f"(LAKEMESH_MAX_LAKEHOUSE_BYTES); this upload may bring at most {left} more",
    )


def lakehouse_bytes(platform: Platform, caller: Principal, domain: str, lakehouse: str) -> int:
    """Bytes a lakehouse holds: its own tables (shortcuts hold none) and its Files area."""
    tables = sum(t.size_bytes or 0 for t in platform.tables.list(caller, domain, lakehouse) if not t.shortcut_target)
    files = sum(f.size_bytes for f in platform.files.list(caller, domain, lakehouse))
    return tables + files
