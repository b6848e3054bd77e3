"""Running a product's rules over its Delta table in one scan, fully or over the data appended since the last run.

An incremental run reads only the files added since the previously checked version and adds its counts to that
run's totals. It is only correct when (a) every commit since then is an append, and (b) every rule's verdict
on an old row cannot change: rules that read the clock (`within`, `current_timestamp`) and `unique` (which
compares new rows with old ones) force a full run. The result says which it did and why. A full scan of a large
table can run on a distributed executor (Ray, see docs/executors.md).
"""

from __future__ import annotations

import functools
import json
import logging
import operator
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable
from sqlglot import exp

from lakemesh.core.clock import as_utc
from lakemesh.core.errors import InvalidInput
from lakemesh.engine import EngineSession, Rule, RuleResult, ScanResult, parse_rule, run_scan
from lakemesh.engine.pool import SessionPool
from lakemesh.engine.rules import REFERENCE_PREFIX
from lakemesh.executors import DeltaSource, Executor
from lakemesh.executors.daft_sql import NotDistributable
from lakemesh.storage.delta import DeltaTables, arrow_schema
from lakemesh.storage.native import ParquetSnapshot, PartitionFiles, native_snapshot
from lakemesh.storage.snapshots import LatestSnapshots

log = logging.getLogger(__name__)
RELATION = "quality_source"
_COMPARE: dict[type[exp.Expr], Callable[[Any, Any], bool]] = {
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
}


@dataclass(frozen=True)
class Previous:
    """The last completed run of the same product version: what an incremental run adds to."""

    table_version: int
    total_rows: int
    rules: list[dict[str, Any]]


@dataclass(frozen=True)
class DistributedScans:
    """Full scans of tables of at least the executor's size threshold run there; the rest stay local."""

    executor: Executor
    storage_options: dict[str, str]

    def scan(
        self, table: DeltaTable, uri: str, rules: Sequence[Rule], *, now: datetime, sample_limit: int
    ) -> ScanResult | None:
        """The scan from the executor, or None when the table is small or the rules need the local engine."""
        size = pc.sum(pa.table(table.get_add_actions(flatten=True))["size_bytes"]).as_py() or 0
        if not self.executor.remote or not self.executor.distributes(size):
            return None
        source = DeltaSource(uri, table.version(), self.storage_options)
        try:
            return self.executor.scan(source, rules, now=now, sample_limit=sample_limit)
        except NotDistributable as exc:
            log.info("quality scan of %s runs locally: %s", uri, exc.detail)
            return None


@dataclass(frozen=True)
class Checked:
    """The outcome of one scan: per-rule results plus how the data was read."""

    table_version: int
    total_rows: int
    results: list[RuleResult]
    mode: str
    reason: str
    from_version: int | None = None


def product_rules(entries: Sequence[Any]) -> list[Rule]:
    """The product's `quality_rules` (strings or `{name, condition, threshold, severity}`) as engine rules.

    Parsed once per distinct list (rules are immutable): parsing costs more than a small table's scan."""
    try:
        key = json.dumps(list(entries), sort_keys=True)
    except (TypeError, ValueError):
        return _parse_rules(entries)
    return list(_cached_rules(key))


@functools.lru_cache(maxsize=512)
def _cached_rules(key: str) -> tuple[Rule, ...]:
    return tuple(_parse_rules(json.loads(key)))


def _parse_rules(entries: Sequence[Any]) -> list[Rule]:
    rules: list[Rule] = []
    for index, entry in enumerate(entries):
        loc: tuple[str | int, ...] = ("quality_rules", index)
        if isinstance(entry, str):
            rules.append(parse_rule(entry, loc=loc))
        elif isinstance(entry, dict) and isinstance(entry.get("condition"), str):
            threshold = entry.get("threshold")
            rules.append(
                parse_rule(
                    entry["condition"],
                    name=entry.get("name"),
                    threshold=1.0 if threshold is None else threshold,
                    severity=str(entry.get("severity") or "error"),
                    loc=loc,
                )
            )
        else:
            raise InvalidInput(f"quality rule {index} is neither a condition nor a rule object")
    return rules


def scan_table(
    delta: DeltaTables,
    uri: str,
    rules: Sequence[Rule],
    *,
    now: datetime,
    previous: Previous | None,
    sample_limit: int,
    memory_limit: str = "1GB",
    distributed: DistributedScans | None = None,
    pool: SessionPool | None = None,
    references: Mapping[str, pa.Table] | None = None,
    snapshots: LatestSnapshots | None = None,
) -> Checked:
    """One aggregate query over the table (or over its new files), returning every rule's figures.

    `references`: the values each `references` rule checks against, by relation name (read by the caller).
    `snapshots`: the latest snapshots kept between runs (as governed queries keep them), so a run does not replay
    the table's log; a distributed executor is given the table opened the ordinary way."""
    source = _open(delta, uri, None if distributed is not None else snapshots)
    reason = _incremental_blocker(delta, uri, rules, previous, source.version)
    new_files = _added_since(delta, uri, previous.table_version) if previous is not None and reason is None else None
    scan = None
    if distributed is not None and new_files is None and not references:
        scan = distributed.scan(source.table(), uri, rules, now=now, sample_limit=sample_limit)
    if scan is None:
        with _session(source, new_files, memory_limit, pool) as engine:
            for name, values in (references or {}).items():
                if not name.startswith(REFERENCE_PREFIX):
                    raise InvalidInput(f"{name!r} is not a reference relation of this scan")
                engine.register(name, values)
            scan = run_scan(engine, RELATION, rules, now=now, sample_limit=sample_limit)
    if previous is None or reason is not None:
        return Checked(
            source.version, scan.total_rows, scan.rules, "full", reason or "first run of this product version"
        )
    total = previous.total_rows + scan.total_rows
    pairs = zip(rules, scan.rules, previous.rules, strict=True)
    combined = [_combine(rule, new, old, total, now) for rule, new, old in pairs]
    added = f"{scan.total_rows} rows appended since version {previous.table_version}"
    return Checked(source.version, total, combined, "incremental", added, previous.table_version)


@dataclass
class _Source:
    """The snapshot a run reads: its version, its Parquet files when DuckDB reads them natively, and the table."""

    delta: DeltaTables
    uri: str
    version: int
    native: ParquetSnapshot | None
    opened: DeltaTable | None = None

    def table(self) -> DeltaTable:
        """The DeltaTable at this version (opened only when needed: the kept snapshot does without)."""
        if self.opened is None:
            self.opened = self.delta.open(self.uri, version=self.version)
        return self.opened


def _open(delta: DeltaTables, uri: str, snapshots: LatestSnapshots | None) -> _Source:
    """The table's latest snapshot: from `snapshots` (new commits only), else opened and then kept there."""
    kept = snapshots.get(uri) if snapshots is not None else None
    if kept is not None:
        return _Source(delta, uri, kept.version, kept.snapshot)
    table = delta.open(uri)
    native = native_snapshot(table, arrow_schema(table))
    if native is not None and snapshots is not None:
        snapshots.keep(uri, table, native)  # the cache now advances `table`: this run opens its own if it needs one
        return _Source(delta, uri, table.version(), native)
    return _Source(delta, uri, table.version(), native, table)


def _incremental_blocker(
    delta: DeltaTables, uri: str, rules: Sequence[Rule], previous: Previous | None, version: int
) -> str | None:
    """Why this run must read the whole table, or None when checking the appended data is enough."""
    if previous is None:
        return "no earlier completed run of this product version"
    if len(previous.rules) != len(rules):
        return "the rules changed since the last run"
    for rule in rules:
        if rule.check == "unique":
            return f"rule {rule.name!r} compares new rows with old ones"
        if rule.check == "reference":
            return f"rule {rule.name!r} reads another table, which may have changed"
        if rule.check == "condition" and _reads_clock(rule):
            return f"rule {rule.name!r} depends on the time of the check"
    if version < previous.table_version:
        return "the table is older than the last checked version"
    since = previous.table_version
    commits = [c for c in delta.history(uri, limit=max(version - since, 1)) if c.version > since]
    for commit in commits:
        if commit.operation != "WRITE" or str(commit.parameters.get("mode", "")).lower() != "append":
            return f"version {commit.version} is a {commit.operation.lower()}, not an append"
    return None


def _reads_clock(rule: Rule) -> bool:
    return rule.max_age is not None or any(
        True for _ in rule.expression.find_all(exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)
    )


def _session(source: _Source, names: set[str] | None, memory_limit: str, pool: SessionPool | None) -> EngineSession:
    """DuckDB's own Parquet reader over the snapshot's files (`names`: only those; a partitioned table's values
    from the log, as governed queries read it), on a database kept per file set; else the table's Arrow dataset."""
    native = _only(source.native, names) if source.native is not None else None
    if native is not None:
        if pool is not None:
            engine = pool.session(readable_files=native.files)
        else:
            engine = EngineSession(memory_limit=memory_limit, threads=2, readable_files=native.files)
        try:
            engine.register_parquet(RELATION, native.files, native.schema, partitions=native.partitions)
        except BaseException:
            engine.close()
            raise
        return engine
    dataset = source.table().to_pyarrow_dataset()
    if names is not None:
        fragments = [f for f in dataset.get_fragments() if _file_name(f.path) in names]
        import pyarrow.dataset as pads  # pandas comes with it: loaded on first use

        dataset = pads.FileSystemDataset(fragments, dataset.schema, dataset.format, dataset.filesystem)
    engine = EngineSession(memory_limit=memory_limit, threads=2)
    engine.register(RELATION, dataset)
    return engine


def _only(native: ParquetSnapshot, names: set[str] | None) -> ParquetSnapshot | None:
    """The snapshot restricted to the files named `names` (None: all of them); None when no file is left."""
    if names is None:
        return native
    files = tuple(f for f in native.files if _file_name(f) in names)
    partitions = tuple(
        PartitionFiles(kept, p.values)
        for p in native.partitions
        if (kept := tuple(f for f in p.files if _file_name(f) in names))
    )
    return ParquetSnapshot(files, native.schema, partitions) if files else None


def _added_since(delta: DeltaTables, uri: str, since: int) -> set[str]:
    """Names of the files added after version `since` (appends only add files)."""
    old = {
        _file_name(p)
        for p in pa.table(delta.open(uri, version=since).get_add_actions(flatten=True))["path"].to_pylist()
    }
    current = pa.table(delta.open(uri).get_add_actions(flatten=True))["path"].to_pylist()
    return {_file_name(p) for p in current} - old


def _file_name(path: str) -> str:
    return posixpath.basename(unquote(str(path)))


def _combine(rule: Rule, new: RuleResult, old: dict[str, Any], total: int, now: datetime) -> RuleResult:
    if rule.check == "row_count":
        return replace(new, passed=_row_count_passes(rule, total), observed=total)
    if rule.check == "freshness":
        moments = (new.observed, _moment(old.get("observed")))
        newest = max((as_utc(v) for v in moments if isinstance(v, datetime)), default=None)
        ok = newest is not None and rule.max_age is not None and _compare(rule, newest, now - rule.max_age)
        return replace(new, passed=ok, observed=newest, pass_rate=1.0 if ok else 0.0)
    passed_rows = new.passed_rows + int(old.get("passed_rows", 0))
    failed_rows = new.failed_rows + int(old.get("failed_rows", 0))
    evaluated = passed_rows + failed_rows
    rate = passed_rows / evaluated if evaluated else 1.0
    ok = failed_rows == 0 or rate >= rule.threshold
    return replace(new, passed_rows=passed_rows, failed_rows=failed_rows, pass_rate=rate, passed=ok)


def _row_count_passes(rule: Rule, total: int) -> bool:
    condition = rule.expression
    if isinstance(condition, exp.Between):
        return int(condition.args["low"].this) <= total <= int(condition.args["high"].this)
    compare = _COMPARE[type(condition)]
    return compare(total, int(condition.expression.this))


def _compare(rule: Rule, newest: datetime, cutoff: datetime) -> bool:
    return newest >= cutoff if isinstance(rule.expression, exp.GTE) else newest > cutoff


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def score(results: Sequence[RuleResult]) -> float:
    """Percentage of rules that passed (100 with no rules), as the seed's `score`."""
    if not results:
        return 100.0
    return round(100 * sum(r.passed for r in results) / len(results), 1)


def weighted_score(results: Sequence[RuleResult]) -> float:
    """Percentage of evaluated rows that passed across row rules; the rule score when no rows were evaluated."""
    evaluated = sum(r.passed_rows + r.failed_rows for r in results)
    if evaluated == 0:
        return score(results)
    return round(100 * sum(r.passed_rows for r in results) / evaluated, 2)
