"""A profile's scan over a Delta table's plain Parquet files with DuckDB's own reader (quality runs use the pool).

Scanning the files through an Arrow dataset costs 2-3x DuckDB's native reader (pyarrow decodes, then
DuckDB converts), and its read-ahead holds far more memory. This session keeps the engine's lockdown
(no network, extensions, replacement scans; configuration locked) and allows file access to exactly
the table's current data files (`allowed_paths`), set before external access is switched off. Its one
relation is a view over those files; the SQL it runs is still only what `lakemesh.engine` compiled.
It is used for local tables with plain Parquet (no partition values in paths, no column mapping, no
deletion vectors); everything else is scanned through the Arrow dataset. The lockdown and the view are
EngineSession's (`readable_files`, `register_parquet`), shared with governed queries.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from deltalake import DeltaTable

from lakemesh.core.errors import LakemeshError
from lakemesh.engine import EngineSession
from lakemesh.engine.functions import refuse


def native_files(table: DeltaTable, names: set[str] | None = None) -> list[str] | None:
    """The table's data files as local paths when DuckDB can read them as they are, else None.

    `names`: only files with these names (an incremental run's new files).
    """
    protocol = table.protocol()
    if protocol.min_reader_version > 1 or protocol.reader_features:
        return None
    if table.metadata().partition_columns:
        return None
    uris = table.file_uris()
    if any("://" in uri and not uri.startswith("file://") for uri in uris):
        return None
    paths = [uri.removeprefix("file://") for uri in uris]
    if names is not None:
        paths = [p for p in paths if p.rsplit("/", 1)[-1] in names]
    return paths or None


class ParquetSession(EngineSession):
    """An EngineSession whose only relation is `relation`: a view over `files`, read natively."""

    def __init__(
        self,
        relation: str,
        files: Sequence[str],
        *,
        memory_limit: str = "1GB",
        threads: int = 2,
        schema: pa.Schema | None = None,
    ) -> None:
        super().__init__(memory_limit=memory_limit, threads=threads, readable_files=files)
        try:
            self.register_parquet(relation, files, schema)
        except LakemeshError:
            self.close()
            raise

    def register(self, name: str, source: object, *, columns: object = None) -> None:
        raise refuse(("relation",), "a Parquet session serves only its own files")

    def unregister(self, name: str) -> None:
        raise refuse(("relation",), "a Parquet session serves only its own files")
