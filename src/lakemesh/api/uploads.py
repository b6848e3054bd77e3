"""Request bodies of table data and files: streamed to a temporary file on disk, never held in memory."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request

from lakemesh.core.errors import PayloadTooLarge


@asynccontextmanager
async def spooled_body(request: Request, limit: int, message: str | None = None) -> AsyncIterator[Path]:
    """The body in a temp file that is removed afterwards; 413 as soon as it passes `limit` bytes."""
    with tempfile.TemporaryDirectory(prefix="lakemesh-upload-") as folder:
        path = Path(folder) / "body"
        size = 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(message or f"Uploads are limited to {limit} bytes")
                out.write(chunk)
        yield path
