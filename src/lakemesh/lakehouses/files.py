"""The Files area of a lakehouse: raw files for bronze ingestion, with the lakehouse's permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.core.clock import Clock
from lakemesh.lakehouses.models import FileInfo
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.storage.files import FilesArea, StoredFile
from lakemesh.storage.location import DataRoot


class FileService:
    def __init__(self, catalog: Catalog, clock: Clock, lakehouses: LakehouseService, root: DataRoot) -> None:
        self._catalog = catalog
        self._clock = clock
        self._lakehouses = lakehouses
        self._root = root

    def _area(self, actor: Principal, domain: str, lakehouse: str, action: Action) -> tuple[FilesArea, str, str]:
        with self._catalog.read() as session:
            domain_row, row = self._lakehouses.resolve(session, actor, domain, lakehouse, action)
            return FilesArea(self._root, domain_row.slug, row.name), domain_row.slug, row.name

    def upload(self, actor: Principal, domain: str, lakehouse: str, path: str, body: BinaryIO) -> FileInfo:
        area, domain_slug, name = self._area(actor, domain, lakehouse, Action.DATA_WRITE)
        stored = area.put(path, body)
        self._journal(actor, domain_slug, name, "file.uploaded", stored)
        return _info(stored)

    def list(self, actor: Principal, domain: str, lakehouse: str, prefix: str = "") -> list[FileInfo]:
        area, _, _ = self._area(actor, domain, lakehouse, Action.ITEM_READ)
        return [_info(f) for f in area.list(prefix)]

    def download(self, actor: Principal, domain: str, lakehouse: str, path: str) -> tuple[FileInfo, Iterator[bytes]]:
        area, _, _ = self._area(actor, domain, lakehouse, Action.DATA_READ)
        return _info(area.stat(path)), area.open(path)

    def delete(self, actor: Principal, domain: str, lakehouse: str, path: str) -> None:
        area, domain_slug, name = self._area(actor, domain, lakehouse, Action.DATA_WRITE)
        stored = area.stat(path)
        area.delete(path)
        self._journal(actor, domain_slug, name, "file.deleted", stored)

    def _journal(self, actor: Principal, domain: str, lakehouse: str, action: str, stored: StoredFile) -> None:
        with self._catalog.transaction() as session:
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action=action,
                resource_type="file",
                resource_id=f"{domain}/{lakehouse}/Files/{stored.path}",
                resource_name=stored.path,
                domain=domain,
                after={"path": stored.path, "size_bytes": stored.size_bytes},
            )


def _info(stored: StoredFile) -> FileInfo:
    return FileInfo(path=stored.path, size_bytes=stored.size_bytes, modified_at=stored.modified_at)
