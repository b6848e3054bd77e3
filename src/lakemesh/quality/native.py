"""A quality scan over a Delta table's Parquet files with DuckDB's own Parquet reader.

Scanning the files through an Arrow dataset costs 2-3x DuckDB's native reader (pyarrow decodes, then
DuckDB converts), and its read-ahead holds far more memory. This session keeps the engine's lockdown
(no network, extensions, replacement scans; configuration locked) and allows file access to exactly
the table's current data files (`allowed_paths`), set before external access is switched off. Its one
relation is a view over those files; the SQL it runs is still only what `lakemesh.engine` compiled.
It is used for local tables with plain Parquet (no partition values in paths, no column mapping, no
deletion vectors); everything else is scanned through the Arrow dataset. Candidate to move into
`lakemesh.engine` as an EngineSession option.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
from deltalake import DeltaTable

from lakemesh.core.errors import LakemeshError
from lakemesh.engine import EngineSession
from lakemesh.engine.functions import refuse

log = logging.getLogger(__name__)


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

    def __init__(self, relation: str, files: Sequence[str], *, memory_limit: str = "1GB", threads: int = 2) -> None:
        # Not EngineSession.__init__: it locks the configuration before file access could be allowed.
        if threads < 1:
            raise refuse(("threads",), "must be at least 1")
        self._connection = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": memory_limit,
                "threads": threads,
                "python_enable_replacements": False,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "allow_community_extensions": False,
            },
        )
        self._connection.execute("SET allowed_paths = $1", [list(files)])
        self._connection.execute("SET enable_external_access = false")
        self._connection.execute("SET TimeZone = 'UTC'")
        self._connection.execute("SET lock_configuration = true")
        try:
            self._connection.read_parquet(list(files), union_by_name=True).create_view(relation)
        except duckdb.Error as exc:
            self._connection.close()
            log.warning("cannot read the data files of %s: %s", relation, exc)
            raise LakemeshError(f"the table's data files cannot be read ({type(exc).__name__})") from exc
        self._relations = {relation}

    def register(self, name: str, source: object, *, columns: object = None) -> None:
        raise refuse(("relation",), "a Parquet session serves only its own files")

    def unregister(self, name: str) -> None:
        raise refuse(("relation",), "a Parquet session serves only its own files")
