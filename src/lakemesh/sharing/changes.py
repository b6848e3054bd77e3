"""The change data feed of a shared table, read from its Delta log (read only; delta-rs writes it).

Per version: the commit's `_change_data` files when it wrote them (update, delete, merge), otherwise its added files
stand for inserts and its removed files for deletes. Files rewritten without a data change (optimize) are skipped.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from deltalake import DeltaTable
from pyarrow import fs as pafs

from lakemesh.core.errors import BadRequest, Gone
from lakemesh.sharing.lines import FileKind

CDF_PROPERTY = "delta.enableChangeDataFeed"


@dataclass(frozen=True)
class ChangeRange:
    """What the recipient asked for: a start (version or timestamp, required) and an optional end."""

    starting_version: int | None = None
    ending_version: int | None = None
    starting_timestamp: datetime | None = None
    ending_timestamp: datetime | None = None


@dataclass(frozen=True)
class ChangedFile:
    kind: FileKind
    version: int
    timestamp: int
    action: dict[str, Any]

    @property
    def path(self) -> str:
        return unquote(str(self.action["path"]))


@dataclass(frozen=True)
class ChangeFeed:
    start: int
    end: int
    files: list[ChangedFile]
    metadata: dict[int, dict[str, Any]]  # `metaData` actions committed after `start`, by version


def version_range(table: DeltaTable, asked: ChangeRange) -> tuple[int, int]:
    """Inclusive versions; an end past the latest version is the latest (as Delta does), a start past it is 400."""
    latest = table.version()
    if (asked.starting_version is None) == (asked.starting_timestamp is None):
        raise BadRequest("Give startingVersion or startingTimestamp (one of them) to read the change data feed")
    if asked.ending_version is not None and asked.ending_timestamp is not None:
        raise BadRequest("Give endingVersion or endingTimestamp, not both")
    commits = sorted((int(c["version"]), int(c["timestamp"])) for c in table.history())
    if asked.starting_version is not None:
        start = asked.starting_version
        if start > latest:
            raise BadRequest(f"startingVersion {start} is beyond the latest version {latest} of the table")
    else:
        at = _millis(asked.starting_timestamp)
        later = [v for v, ts in commits if ts >= at]
        if not later:
            raise BadRequest(f"startingTimestamp {asked.starting_timestamp} is after the latest version of the table")
        start = later[0]
    end = latest
    if asked.ending_version is not None:
        end = min(asked.ending_version, latest)
    elif asked.ending_timestamp is not None:
        at = _millis(asked.ending_timestamp)
        earlier = [v for v, ts in commits if ts <= at]
        if not earlier:
            raise BadRequest(f"endingTimestamp {asked.ending_timestamp} is before the first version of the table")
        end = earlier[-1]
    if end < start:
        raise BadRequest(f"The end of the change data feed (version {end}) is before its start (version {start})")
    return start, end


def read_feed(filesystem: pafs.FileSystem, table_path: str, start: int, end: int, enabled: bool) -> ChangeFeed:
    """The changed files of versions start..end; `enabled` is the change data feed setting at `start`."""
    files: list[ChangedFile] = []
    metadata: dict[int, dict[str, Any]] = {}
    for version in range(start, end + 1):
        actions, timestamp = _commit(filesystem, table_path, version)
        for action in actions:
            if "metaData" in action:
                enabled = str((action["metaData"].get("configuration") or {}).get(CDF_PROPERTY, "")).lower() == "true"
                if version > start:
                    metadata[version] = action["metaData"]
        if not enabled:
            raise BadRequest(
                f"The change data feed is not enabled at version {version} of the table; the table owner can turn "
                f"it on with the table property {CDF_PROPERTY}=true, and changes are recorded from then on"
            )
        cdc = [a["cdc"] for a in actions if "cdc" in a]
        if cdc:
            files.extend(ChangedFile("cdf", version, timestamp, c) for c in cdc)
            continue
        for action in actions:
            for key, kind in (("add", "add"), ("remove", "remove")):
                if key in action and action[key].get("dataChange", True):
                    files.append(ChangedFile(kind, version, timestamp, action[key]))  # type: ignore[arg-type]
    return ChangeFeed(start, end, files, metadata)


def _commit(filesystem: pafs.FileSystem, table_path: str, version: int) -> tuple[list[dict[str, Any]], int]:
    path = posixpath.join(table_path, "_delta_log", f"{version:020d}.json")
    try:
        with filesystem.open_input_stream(path) as stream:
            text = stream.read().decode("utf-8")
        modified = filesystem.get_file_info(path).mtime
    except (FileNotFoundError, OSError) as exc:
        raise Gone(f"The log of version {version} was cleaned up; read the changes from a later version") from exc
    actions = [json.loads(line) for line in text.splitlines() if line.strip()]
    info: dict[str, Any] = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
    stamp = info.get("inCommitTimestamp", info.get("timestamp"))
    if stamp is None:
        stamp = int(modified.timestamp() * 1000) if modified else 0
    return actions, int(stamp)


def _millis(value: datetime | None) -> int:
    assert value is not None
    return int(value.timestamp() * 1000)
