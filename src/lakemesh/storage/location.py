"""The data root and where things live on it: `<domain>/<lakehouse>/Tables/<table>` and `.../Files/...`."""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from pyarrow import fs as pafs

from lakemesh.core.errors import invalid
from lakemesh.core.settings import Settings

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]*$")
MAX_FILE_PATH = 1024
CONCURRENCY = ("conditional-put", "unsafe-rename")  # how concurrent Delta commits on S3 stay safe


@dataclass(frozen=True)
class DataRoot:
    """A local folder or an `s3://bucket/prefix`, with the options delta-rs and pyarrow need to reach it."""

    root: str
    storage_options: dict[str, str] = field(default_factory=dict)
    s3_endpoint: str | None = None
    s3_region: str = "us-east-1"

    @classmethod
    def from_settings(cls, settings: Settings) -> DataRoot:
        scheme, found, rest = settings.resolved_data_root.partition("://")
        if not found or scheme == "file":
            return cls(root=str(Path(rest if found else scheme).expanduser().resolve()))
        root = settings.resolved_data_root.rstrip("/")
        if scheme != "s3":  # never let gs://... become a local folder named "gs:"
            raise invalid("data_root", f"{scheme}:// is not supported; use a local path or s3://bucket/prefix")
        if not urlparse(root).netloc:
            raise invalid("data_root", "must name a bucket: s3://bucket/prefix")
        options = {"AWS_REGION": settings.s3_region}
        if settings.s3_endpoint_url:
            options["AWS_ENDPOINT_URL"] = settings.s3_endpoint_url
            if settings.s3_endpoint_url.startswith("http://"):
                options["AWS_ALLOW_HTTP"] = "true"
        if settings.s3_access_key_id:
            options["AWS_ACCESS_KEY_ID"] = settings.s3_access_key_id
        if settings.s3_secret_access_key:
            options["AWS_SECRET_ACCESS_KEY"] = settings.s3_secret_access_key.get_secret_value()
        if settings.s3_concurrency not in CONCURRENCY:
            raise invalid("s3_concurrency", f"must be one of {', '.join(CONCURRENCY)}")
        if settings.s3_concurrency == "unsafe-rename":
            options["AWS_S3_ALLOW_UNSAFE_RENAME"] = "true"
        else:  # If-None-Match on the commit file: one writer wins each version, the others retry or conflict
            options["conditional_put"] = "etag"
        return cls(
            root=root, storage_options=options, s3_endpoint=settings.s3_endpoint_url, s3_region=settings.s3_region
        )

    @property
    def is_local(self) -> bool:
        return "://" not in self.root

    def table_uri(self, domain: str, lakehouse: str, table: str) -> str:
        return self._join(domain, lakehouse, "Tables", table)

    def files_uri(self, domain: str, lakehouse: str) -> str:
        return self._join(domain, lakehouse, "Files")

    def lakehouse_uri(self, domain: str, lakehouse: str) -> str:
        return self._join(domain, lakehouse)

    def platform_table_uri(self, table: str) -> str:
        """Tables the platform itself keeps (quality metrics, mesh metrics)."""
        return self._join("_platform", "Tables", table)

    def _join(self, *segments: str) -> str:
        for segment in segments:
            if not _safe_segment(segment):
                raise invalid("path", f"{segment!r} is not a safe path segment")
        return posixpath.join(self.root, *segments)

    def filesystem_path(self, uri: str) -> tuple[pafs.FileSystem, str]:
        """The filesystem and the path inside it of a URI on this root."""
        filesystem, base = self.filesystem()
        return filesystem, posixpath.join(base, uri[len(self.root) :].lstrip("/"))

    def filesystem(self) -> tuple[pafs.FileSystem, str]:
        """A pyarrow filesystem and the root path inside it, for raw files."""
        if self.is_local:
            return pafs.LocalFileSystem(), self.root
        parsed = urlparse(self.root)
        endpoint = urlparse(self.s3_endpoint) if self.s3_endpoint else None
        s3 = pafs.S3FileSystem(
            access_key=self.storage_options.get("AWS_ACCESS_KEY_ID"),
            secret_key=self.storage_options.get("AWS_SECRET_ACCESS_KEY"),
            region=self.s3_region,
            endpoint_override=endpoint.netloc if endpoint else None,
            scheme=endpoint.scheme if endpoint else "https",
            allow_delayed_open=True,  # small files go up in one PUT instead of a multipart upload
        )
        return s3, f"{parsed.netloc}{parsed.path}"


@functools.lru_cache(maxsize=4096)
def _safe_segment(segment: str) -> bool:
    """Remembered: an engine listing 10k tables joins the same domain and lakehouse names 10k times."""
    return bool(_SEGMENT.match(segment)) and ".." not in segment


def safe_relative_path(path: str, field_name: str = "path") -> str:
    """A path inside an area: no absolute paths, no `..`, no empty or hidden tricks; returns it normalised."""
    text = path.strip().replace("\\", "/")
    if not text or len(text) > MAX_FILE_PATH:
        raise invalid(field_name, f"must be 1 to {MAX_FILE_PATH} characters")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise invalid(field_name, "must be relative to the area, not absolute")
    parts = [p for p in text.split("/") if p not in {"", "."}]
    for part in parts:
        if part == ".." or not _SEGMENT.match(part):
            raise invalid(field_name, f"{part!r} is not allowed in a path (letters, digits, '_', '-', '.', ' ')")
    if not parts:
        raise invalid(field_name, "must name a file")
    return "/".join(parts)


def delete_tree(root: DataRoot, uri: str) -> None:
    """Remove a table's or lakehouse's folder; a folder that is already gone is fine."""
    filesystem, path = root.filesystem_path(uri)
    if filesystem.get_file_info(path).type != pafs.FileType.NotFound:
        filesystem.delete_dir(path)
