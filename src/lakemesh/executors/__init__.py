"""Where heavy work runs: in this process (the default) or on a Ray cluster through Daft.

Three kinds of work can move: a quality scan of a large table, a pipeline `sql` step's query and a table's
compaction. Callers keep their own code path unless `distributes(size)` says the executor should take the
work; catalog reads and writes always stay in the server process. See docs/executors.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pyarrow as pa

from lakemesh.core.settings import Settings
from lakemesh.engine import GatedQuery, Rule, ScanResult

DEFAULT_MIN_BYTES = 1024**3


@dataclass(frozen=True)
class DeltaSource:
    """One version of a Delta table, as a worker needs it: its URI and the storage options to reach it."""

    uri: str
    version: int
    storage_options: dict[str, str] = field(default_factory=dict, repr=False)


class Executor(Protocol):
    """Runs heavy work somewhere; every method gives the same result the local engine would."""

    name: str
    remote: bool  # False: callers keep their own in-process path and never hand work over

    def distributes(self, size_bytes: int) -> bool:
        """Whether work over this much data should run on this executor rather than in the caller's own path."""
        ...

    def scan(self, source: DeltaSource, rules: Sequence[Rule], *, now: datetime, sample_limit: int) -> ScanResult:
        """Every rule over the table in one pass (the compiled scan of `lakemesh.engine`)."""
        ...

    def query(self, query: GatedQuery, inputs: Mapping[str, pa.Table]) -> pa.Table:
        """A query that already passed the engine gate, over the named inputs."""
        ...

    def compact(self, source: DeltaSource, *, actor: str | None) -> dict[str, Any]:
        """OPTIMIZE compact of the table; returns delta-rs's metrics."""
        ...

    def close(self) -> None: ...


def executor_from(settings: Settings, *, min_bytes: int = DEFAULT_MIN_BYTES) -> Executor:
    """The executor the settings ask for; Ray is imported only when it is first used."""
    if settings.executor == "ray":
        from lakemesh.executors.ray import RayExecutor

        return RayExecutor(address=settings.ray_address, min_bytes=min_bytes)
    from lakemesh.executors.local import LocalExecutor

    return LocalExecutor()


__all__ = ["DEFAULT_MIN_BYTES", "DeltaSource", "Executor", "executor_from"]
