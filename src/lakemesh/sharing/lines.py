"""How Delta Sharing answers are written, in the `parquet` response format (the default every client reads) or
the `delta` one (Delta log actions wrapped per line, read by delta-kernel based clients)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from deltalake import DeltaTable

ResponseFormat = Literal["parquet", "delta"]
FileKind = Literal["add", "cdf", "remove"]
CAPABILITIES = "delta-sharing-capabilities"
SHARED_CONFIGURATION = ("delta.enableChangeDataFeed",)


def choose_format(header: str | None) -> ResponseFormat:
    """`delta` whenever the client accepts it (its kernel reader is several times faster), else `parquet`.

    Clients that send no `delta-sharing-capabilities` header, or ask only for parquet, always get parquet.
    """
    accepted: list[str] = []
    for capability in (header or "").lower().split(";"):
        key, _, values = capability.partition("=")
        if key.strip() == "responseformat":
            accepted = [v.strip() for v in values.split(",") if v.strip()]
    return "delta" if "delta" in accepted else "parquet"


@dataclass(frozen=True)
class TableMeta:
    """The parts of a Delta `metaData` action a recipient sees, from a table snapshot or a log entry."""

    id: str
    name: str
    schema: dict[str, Any]
    partition_columns: list[str]
    configuration: dict[str, str]
    created_time: int | None = None

    @classmethod
    def of(cls, table: DeltaTable, name: str) -> TableMeta:
        meta = table.metadata()
        return cls(
            id=str(meta.id),
            name=name,
            schema=json.loads(table.schema().to_json()),
            partition_columns=list(meta.partition_columns),
            configuration=dict(meta.configuration),
            created_time=meta.created_time,
        )

    @classmethod
    def from_log(cls, action: dict[str, Any], name: str) -> TableMeta:
        return cls(
            id=str(action.get("id", "")),
            name=name,
            schema=json.loads(action["schemaString"]),
            partition_columns=list(action.get("partitionColumns") or []),
            configuration={str(k): str(v) for k, v in (action.get("configuration") or {}).items()},
            created_time=action.get("createdTime"),
        )


@dataclass(frozen=True)
class SharedFile:
    """One data file as a recipient gets it: a signed URL in place of the path, stats limited to shared columns."""

    kind: FileKind
    url: str
    id: str
    partition: dict[str, str | None]
    size: int
    expires: int
    modified: int = 0
    stats: dict[str, Any] | None = None
    version: int | None = None
    timestamp: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def protocol_line(fmt: ResponseFormat, table: DeltaTable) -> str:
    if fmt == "parquet":
        return json.dumps({"protocol": {"minReaderVersion": 1}})
    protocol = table.protocol()
    delta: dict[str, Any] = {
        "minReaderVersion": protocol.min_reader_version,
        "minWriterVersion": protocol.min_writer_version,
    }
    if protocol.reader_features:
        delta["readerFeatures"] = list(protocol.reader_features)
    if protocol.writer_features:
        delta["writerFeatures"] = list(protocol.writer_features)
    return json.dumps({"protocol": {"deltaProtocol": delta}})


def metadata_line(
    fmt: ResponseFormat, meta: TableMeta, visible: set[str] | None, version: int | None, **figures: int
) -> str:
    """`figures` are optional `size` and `numFiles`; columns a share hides are left out of the schema."""
    schema = dict(meta.schema)
    if visible is not None:
        schema["fields"] = [f for f in schema["fields"] if f["name"].lower() in visible]
    body: dict[str, Any] = {
        "id": meta.id,
        "name": meta.name,
        "format": {"provider": "parquet", "options": {}},
        "schemaString": json.dumps(schema),
        "partitionColumns": [c for c in meta.partition_columns if visible is None or c.lower() in visible],
        "configuration": {k: v for k, v in meta.configuration.items() if k in SHARED_CONFIGURATION},
    }
    if fmt == "delta":
        if meta.created_time is not None:
            body["createdTime"] = meta.created_time
        wrapper: dict[str, Any] = {"deltaMetadata": body, **figures}
        if version is not None:
            wrapper["version"] = version
        return json.dumps({"metaData": wrapper})
    if body["configuration"].get("delta.enableChangeDataFeed") == "true":
        body["configuration"]["enableChangeDataFeed"] = "true"  # the name the protocol's examples and Spark use
    body.update(figures)
    if version is not None:
        body["version"] = version
    return json.dumps({"metaData": body})


def file_line(fmt: ResponseFormat, file: SharedFile, *, change_feed: bool) -> str:
    """A snapshot file (`file`), or in a change feed an `add`, `cdf` or `remove` line."""
    if fmt == "delta":
        return json.dumps({"file": _delta_file(file)}, default=_json_value)
    body: dict[str, Any] = {
        "url": file.url,
        "id": file.id,
        "partitionValues": file.partition,
        "size": file.size,
    }
    if file.stats is not None and file.kind == "add":
        body["stats"] = json.dumps(file.stats, default=_json_value)
    if file.version is not None:
        body["version"] = file.version
    if file.timestamp is not None:
        body["timestamp"] = file.timestamp
    body["expirationTimestamp"] = file.expires
    return json.dumps({file.kind if change_feed else "file": body})


def _delta_file(file: SharedFile) -> dict[str, Any]:
    action: dict[str, Any] = {"path": file.url, "partitionValues": file.partition, "size": file.size}
    if file.kind == "add":
        action.update(modificationTime=file.modified, dataChange=True)
        if file.stats is not None:
            action["stats"] = json.dumps(file.stats, default=_json_value)
        single = {"add": action}
    elif file.kind == "cdf":
        single = {"cdc": {**action, "dataChange": False}}
    else:
        when = file.timestamp if file.timestamp is not None else file.modified
        single = {"remove": {**action, "deletionTimestamp": when, "dataChange": True, "extendedFileMetadata": True}}
    wrapper: dict[str, Any] = {"id": file.id, "size": file.size, "expirationTimestamp": file.expires}
    if file.version is not None:
        wrapper["version"] = file.version
    if file.timestamp is not None:
        wrapper["timestamp"] = file.timestamp
    wrapper["deltaSingleAction"] = single
    return wrapper


def partition_text(value: Any) -> str | None:
    """Partition values are strings on the wire (Delta's partition value serialization)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def visible_stats(stats: dict[str, Any] | None, visible: set[str] | None) -> dict[str, Any] | None:
    """numRecords plus the min/max/null counts of the columns a recipient may see."""
    if stats is None:
        return None
    shown: dict[str, Any] = {"numRecords": stats.get("numRecords")}
    for key in ("minValues", "maxValues", "nullCount"):
        values = stats.get(key) or {}
        shown[key] = {k: v for k, v in values.items() if visible is None or k.lower() in visible}
    return shown


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
