"""The default executor: everything in this process, on the engine and delta-rs directly.

Callers never hand it work (`remote` is False, so they keep their own, tuned code path); its methods exist so
the two executors can be compared side by side, in tests and in benchmarks/scale_ray.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable

from lakemesh.engine import EngineSession, GatedQuery, Rule, ScanResult, run_scan
from lakemesh.executors import DeltaSource
from lakemesh.executors.tasks import compact_table

RELATION = "quality_source"


class LocalExecutor:
    name = "local"
    remote = False

    def __init__(self, *, memory_limit: str = "1GB", threads: int = 2) -> None:
        self._memory_limit = memory_limit
        self._threads = threads

    def distributes(self, size_bytes: int) -> bool:
        return False

    def scan(self, source: DeltaSource, rules: Sequence[Rule], *, now: datetime, sample_limit: int) -> ScanResult:
        table = DeltaTable(source.uri, version=source.version, storage_options=source.storage_options or None)
        with EngineSession(memory_limit=self._memory_limit, threads=self._threads) as engine:
            engine.register(RELATION, table.to_pyarrow_dataset())
            return run_scan(engine, RELATION, rules, now=now, sample_limit=sample_limit)

    def query(self, query: GatedQuery, inputs: Mapping[str, pa.Table]) -> pa.Table:
        with EngineSession(memory_limit=self._memory_limit, threads=self._threads) as engine:
            for name, table in inputs.items():
                engine.register(name, table)
            return engine.execute(query)

    def compact(self, source: DeltaSource, *, actor: str | None) -> dict[str, Any]:
        return compact_table(source, actor)

    def close(self) -> None:
        return None
