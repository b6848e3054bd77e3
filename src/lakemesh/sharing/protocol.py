"""The Delta Sharing protocol over Lakemesh tables: recipients read shares with their own bearer tokens.

Both response formats are spoken (`parquet` by default, `delta` when the client asks only for it). File URLs point
back at this server, signed with an HMAC and an expiry. Every table read is audited with the recipient's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import DeltaTable
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.auth.tokens import hash_secret
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import audit_only
from lakemesh.catalog.tables.sharing import ShareRecipientRow, ShareRow, ShareTableRow, SharingProfileRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from lakemesh.domains.service import domain_by_id
from lakemesh.lakehouses.store import table_and_lakehouse
from lakemesh.lakehouses.tables import TableService
from lakemesh.sharing import files
from lakemesh.sharing.changes import CDF_PROPERTY, ChangeRange, read_feed, version_range
from lakemesh.sharing.exposure import MaskedColumns, columns_of, fingerprint
from lakemesh.sharing.hints import keep_file, parse_json_hints
from lakemesh.sharing.lines import (
    FileKind,
    ResponseFormat,
    SharedFile,
    TableMeta,
    choose_format,
    file_line,
    metadata_line,
    partition_text,
    protocol_line,
    visible_stats,
)
from lakemesh.sharing.profiles import PROFILE_PREFIX, GrantedTable, SharingProfiles
from lakemesh.sharing.profiles import SHARE as PROFILE_SHARE
from lakemesh.sharing.tokens import SignedFile, UrlSigner

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow

    Found = tuple[ShareTableRow, TableRow, LakehouseRow, DomainRow]

URL_LIFETIME = timedelta(minutes=15)
# delta-kernel clients fetch a file URL over plain HTTP only when its query looks pre-signed (`sp` = signed
# permissions, as in a SAS); the signature itself is in the path. Without it they look for the file locally.
PRESIGNED_MARK = "sp=r"
MAX_PAGE = 500


@dataclass(frozen=True)
class RecipientContext:
    """Who reads: a share's recipient, or (with `principal` set) a grantee through their personal profile."""

    id: str
    name: str
    share_id: str
    share: str
    principal: Principal | None = None


@dataclass(frozen=True)
class SharedTableRef:
    """A shared table as one request sees it: `columns` is what current labels let recipients see (None = all)."""

    entry: ShareTableRow
    table: TableRow
    qualified: str
    uri: str
    columns: list[str] | None = None

    @property
    def scope(self) -> str:
        return f"{self.entry.id}:{fingerprint(self.columns)}"


@dataclass
class QueryResult:
    version: int
    lines: list[str]
    format: ResponseFormat = "parquet"


class DeltaSharingServer:
    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        tables: TableService,
        signer: UrlSigner,
        masked_columns: MaskedColumns | None = None,
        profiles: SharingProfiles | None = None,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._tables = tables
        self._signer = signer
        self._masked = masked_columns
        self._profiles = profiles

    # -- recipients ------------------------------------------------------------------------------
    def authenticate(self, token: str | None) -> RecipientContext:
        if not token:
            raise Unauthorized("Send the recipient token as `Authorization: Bearer <token>`")
        now = self._clock.now()
        with self._catalog.read() as session:
            found = session.execute(
                select(ShareRecipientRow, ShareRow)
                .join(ShareRow, ShareRow.id == ShareRecipientRow.share_id)
                .where(ShareRecipientRow.token_hash == hash_secret(token))
            ).first()
        if found is None:
            return self._profile_reader(token)
        recipient, share = found
        if recipient.revoked_at is not None:
            raise Unauthorized("The recipient token was revoked")
        if recipient.expires_at is not None and recipient.expires_at <= now:
            raise Unauthorized("The recipient token has expired")
        return RecipientContext(recipient.id, recipient.name, share.id, share.name)

    def _profile_reader(self, token: str) -> RecipientContext:
        found = self._profiles.authenticate(token) if self._profiles is not None else None
        if found is None or found[1].disabled:
            raise Unauthorized("The recipient token is not valid")
        profile, principal = found
        if profile.revoked_at is not None:
            raise Unauthorized("The sharing profile was revoked; create a new one (lakemesh access profile)")
        return RecipientContext(profile.id, principal.name, profile.id, PROFILE_SHARE, principal)

    # -- listing ---------------------------------------------------------------------------------
    def list_shares(self, who: RecipientContext, max_results: int | None, page_token: str | None) -> dict[str, Any]:
        return _page([{"name": who.share, "id": who.share_id}], max_results, page_token)

    def get_share(self, who: RecipientContext, share: str) -> dict[str, Any]:
        self._check_share(who, share)
        return {"share": {"name": who.share, "id": who.share_id}}

    def list_schemas(
        self, who: RecipientContext, share: str, max_results: int | None, page_token: str | None
    ) -> dict[str, Any]:
        self._check_share(who, share)
        schemas = sorted({t["schema"] for t in self._tables_of(who)})
        return _page([{"name": s, "share": who.share} for s in schemas], max_results, page_token)

    def list_tables(
        self, who: RecipientContext, share: str, schema: str | None, max_results: int | None, page_token: str | None
    ) -> dict[str, Any]:
        self._check_share(who, share)
        items = [t for t in self._tables_of(who) if schema is None or t["schema"].lower() == schema.lower()]
        if schema is not None and not items:
            raise NotFound(f"Schema {schema!r} not found in share {share!r}")
        return _page(items, max_results, page_token)

    # -- tables ----------------------------------------------------------------------------------
    def table_version(self, who: RecipientContext, share: str, schema: str, name: str, starting: str | None) -> int:
        ref = self._resolve(who, share, schema, name)
        table = self._open(ref)
        if starting is None:
            return table.version()
        at = _timestamp(starting, "startingTimestamp")
        for commit in reversed(table.history()):
            if commit["timestamp"] >= at.timestamp() * 1000:
                return int(commit["version"])
        raise BadRequest(f"startingTimestamp {starting} is after the latest version of the table")

    def metadata(
        self, who: RecipientContext, share: str, schema: str, name: str, capabilities: str | None = None
    ) -> QueryResult:
        ref = self._resolve(who, share, schema, name)
        table = self._open(ref)
        fmt = choose_format(capabilities)
        head = [protocol_line(fmt, table), self._metadata_line(fmt, ref, table, None)]
        return QueryResult(table.version(), head, fmt)

    def query(
        self,
        who: RecipientContext,
        share: str,
        schema: str,
        name: str,
        body: dict[str, Any],
        endpoint: str,
        capabilities: str | None = None,
    ) -> QueryResult:
        """The files of one version; `endpoint` is the sharing URL prefix the signed file URLs start with."""
        ref = self._resolve(who, share, schema, name)
        latest = self._open(ref)
        version, table = self._at(ref, latest, body)
        fmt = choose_format(capabilities)
        limit = body.get("limitHint")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise BadRequest("limitHint must be a non-negative integer")
        sql_hints = body.get("predicateHints") or []
        if not isinstance(sql_hints, list) or not all(isinstance(h, str) for h in sql_hints):
            raise BadRequest("predicateHints must be a list of SQL strings")
        json_hint = parse_json_hints(body.get("jsonPredicateHints"))
        asked_version = version if "version" in body else None
        lines = [protocol_line(fmt, table), self._metadata_line(fmt, ref, table, asked_version)]
        expires = self._clock.now() + URL_LIFETIME
        rows = 0
        visible = _visible(ref)
        actions = pa.table(table.get_add_actions(flatten=False)).to_pylist()
        for action in sorted(actions, key=lambda a: str(a["path"])):
            partition = _shown(visible, {k: partition_text(v) for k, v in (action.get("partition") or {}).items()})
            if not keep_file(partition, json_hint, sql_hints):
                continue
            if limit is not None and rows >= limit:
                break
            rows += int(action.get("num_records") or 0)
            stats = {
                "numRecords": action.get("num_records"),
                "minValues": action.get("min") or {},
                "maxValues": action.get("max") or {},
                "nullCount": action.get("null_count") or {},
            }
            modified = action.get("modification_time")
            shared = self._shared_file(
                who, ref, "add", str(action["path"]), int(action["size_bytes"]), partition, expires, endpoint
            )
            shared = replace(
                shared,
                stats=visible_stats(stats, visible),
                modified=int(modified.timestamp() * 1000) if isinstance(modified, datetime) else int(modified or 0),
            )
            lines.append(file_line(fmt, shared, change_feed=False))
        self._audit(who, ref, "share.table_read", len(lines) - 2, {"version": version, **_hints(body)})
        return QueryResult(version, lines, fmt)

    def changes(
        self,
        who: RecipientContext,
        share: str,
        schema: str,
        name: str,
        asked: ChangeRange,
        endpoint: str,
        capabilities: str | None = None,
        historical_metadata: bool = False,
    ) -> QueryResult:
        """The change data feed between two versions: `add`, `cdf` and `remove` files with their version and time."""
        ref = self._resolve(who, share, schema, name)
        latest = self._open(ref)
        start, end = version_range(latest, asked)
        first = self._tables.delta.open(ref.uri, version=start) if start != latest.version() else latest
        enabled = str(first.metadata().configuration.get(CDF_PROPERTY, "")).lower() == "true"
        filesystem, table_path = self._tables.root.filesystem_path(ref.uri)
        feed = read_feed(filesystem, table_path, start, end, enabled)
        fmt = choose_format(capabilities)
        lines = [protocol_line(fmt, latest), self._metadata_line(fmt, ref, first, start)]
        visible = _visible(ref)
        if historical_metadata:
            for version, action in sorted(feed.metadata.items()):
                meta = TableMeta.from_log(action, ref.entry.name)
                lines.append(metadata_line(fmt, meta, visible, version))
        expires = self._clock.now() + URL_LIFETIME
        for change in feed.files:
            values = _shown(visible, change.action.get("partitionValues") or {})
            shared = self._shared_file(
                who, ref, change.kind, change.path, int(change.action.get("size") or 0), values, expires, endpoint
            )
            raw_stats = change.action.get("stats")
            shared = replace(
                shared,
                version=change.version,
                timestamp=change.timestamp,
                modified=int(change.action.get("modificationTime") or change.timestamp),
                stats=visible_stats(json.loads(raw_stats), visible) if isinstance(raw_stats, str) else None,
            )
            lines.append(file_line(fmt, shared, change_feed=True))
        read = {"startingVersion": start, "endingVersion": end}
        self._audit(who, ref, "share.table_changes_read", len(feed.files), read)
        return QueryResult(start, lines, fmt)

    def open_file(self, token: str) -> files.ServedFile:
        """Served only while the recipient may read and the table still exposes the columns the URL was made for."""
        signed: SignedFile = self._signer.verify(token)
        if signed.recipient_id.startswith(PROFILE_PREFIX):
            self._check_profile_file(signed)
            return files.open_served(self._tables.root, signed.path)
        entry_id, _, columns = (signed.scope or "").partition(":")
        with self._catalog.read() as session:
            recipient = session.get(ShareRecipientRow, signed.recipient_id)
            found = _entry(session, entry_id) if entry_id else None
            now_columns = self._exposed(session, found) if found is not None else None
        now = self._clock.now()
        if recipient is None:
            raise Unauthorized("The recipient behind this file URL no longer exists")
        if recipient.revoked_at is not None:
            raise Unauthorized("The recipient token behind this file URL was revoked")
        if recipient.expires_at is not None and recipient.expires_at <= now:
            raise Unauthorized("The recipient token behind this file URL has expired")
        if found is None or found[0].share_id != recipient.share_id or fingerprint(now_columns) != columns:
            raise Forbidden("What this table shares has changed since the file URL was issued; query the table again")
        return files.open_served(self._tables.root, signed.path)

    # -- helpers ---------------------------------------------------------------------------------
    def _check_profile_file(self, signed: SignedFile) -> None:
        """A profile's file URL works while the profile is active, a grant still covers the table and the columns
        the grantee may see are those the URL was issued for."""
        profile_id, _, table_id = signed.recipient_id.partition("/")
        principal = self._profiles.principal_of(profile_id) if self._profiles is not None else None
        if principal is None:
            raise Unauthorized("The sharing profile behind this file URL is no longer allowed to read")
        with self._catalog.read() as session:
            granted = [t for t in self._profiles_tables(session, principal) if t.table.id == table_id]
        projected = signed.path.startswith(files.CACHE_AREA + "/")
        if not granted or (granted[0].columns is not None and not projected):
            raise Unauthorized("The grant behind this file URL is no longer in force")
        if fingerprint(granted[0].columns) != (signed.scope or "").partition(":")[2]:  # as for share file URLs
            raise Forbidden("What this table shares has changed since the file URL was issued; query the table again")

    def _profiles_tables(self, session: Session, principal: Principal) -> list[GrantedTable]:
        return self._profiles.granted_tables(session, principal) if self._profiles is not None else []

    def _check_share(self, who: RecipientContext, share: str) -> None:
        if share.lower() != who.share.lower():  # another share's name: never confirm that it exists
            raise NotFound(f"Share {share!r} not found")

    def _tables_of(self, who: RecipientContext) -> list[dict[str, Any]]:
        if who.principal is not None:
            with self._catalog.read() as session:
                granted = self._profiles_tables(session, who.principal)
            return [
                {"name": t.name, "schema": t.schema, "share": who.share, "shareId": who.share_id, "id": t.table.id}
                for t in granted
            ]
        with self._catalog.read() as session:
            entries = session.scalars(
                select(ShareTableRow)
                .where(ShareTableRow.share_id == who.share_id)
                .order_by(ShareTableRow.schema_name, ShareTableRow.name)
            )
            return [
                {"name": e.name, "schema": e.schema_name, "share": who.share, "shareId": who.share_id, "id": e.id}
                for e in entries
            ]

    def _resolve(self, who: RecipientContext, share: str, schema: str, name: str) -> SharedTableRef:
        self._check_share(who, share)
        if who.principal is not None:
            return self._granted_ref(who, who.principal, share, schema, name)
        with self._catalog.read() as session:
            found = _shared_table(session, who.share_id, schema, name)
            if found is None:
                raise NotFound(f"Table {schema}.{name} not found in share {share!r}")
            columns = self._exposed(session, found)
        entry, table, lakehouse, domain = found
        uri = self._tables.root.table_uri(domain.slug, lakehouse.name, table.name)
        return SharedTableRef(entry, table, f"{domain.slug}.{lakehouse.name}.{table.name}", uri, columns)

    def _exposed(
        self, session: Session, found: tuple[ShareTableRow, TableRow, LakehouseRow, DomainRow]
    ) -> list[str] | None:
        entry, table, lakehouse, domain = found
        return columns_of(self._masked, session, self._tables.handle(domain, lakehouse, table), entry.columns)

    def _granted_ref(
        self, who: RecipientContext, principal: Principal, share: str, schema: str, name: str
    ) -> SharedTableRef:
        """A table of a profile's share, as if it were a share entry (columns: what SQL shows the grantee)."""
        with self._catalog.read() as session:
            granted = [
                t
                for t in self._profiles_tables(session, principal)
                if t.schema.lower() == schema.lower() and t.name.lower() == name.lower()
            ]
        if not granted:
            raise NotFound(f"Table {schema}.{name} not found in share {share!r}")
        found = granted[0]
        entry = ShareTableRow(
            id=f"grant_{found.table.id}"[:40],
            share_id=who.share_id,
            schema_name=found.schema,
            name=found.name,
            table_id=found.table.id,
            columns=found.columns,
            created_at=self._clock.now(),
        )
        uri = self._tables.root.table_uri(found.domain.slug, found.lakehouse.name, found.table.name)
        return SharedTableRef(entry, found.table, found.qualified, uri, found.columns)

    def _open(self, ref: SharedTableRef) -> DeltaTable:
        if not self._tables.delta.exists(ref.uri):
            raise NotFound("The shared table has no data yet")
        return self._tables.delta.open(ref.uri)

    def _at(self, ref: SharedTableRef, latest: DeltaTable, body: dict[str, Any]) -> tuple[int, DeltaTable]:
        version, timestamp = body.get("version"), body.get("timestamp")
        if version is not None and timestamp is not None:
            raise BadRequest("Give version or timestamp, not both")
        if version is not None:
            if not isinstance(version, int) or isinstance(version, bool) or version < 0:
                raise BadRequest("version must be a non-negative integer")
            if version > latest.version():
                raise BadRequest(f"version {version} is beyond the latest version {latest.version()} of the table")
            table = self._tables.delta.open(ref.uri, version=version)
            return version, table
        if timestamp is not None:
            at = _timestamp(str(timestamp), "timestamp")
            last = latest.history(1)
            if last and at.timestamp() * 1000 > last[0]["timestamp"] + 999:
                raise BadRequest(f"timestamp {timestamp} is after the latest version of the table")
            try:
                table = self._tables.delta.open(ref.uri, timestamp=at)
            except NotFound as exc:
                raise BadRequest(f"timestamp {timestamp} is before the first version of the table") from exc
            return table.version(), table
        return latest.version(), latest

    def _metadata_line(self, fmt: ResponseFormat, ref: SharedTableRef, table: DeltaTable, version: int | None) -> str:
        return metadata_line(fmt, TableMeta.of(table, ref.entry.name), _visible(ref), version)

    def _shared_file(
        self,
        who: RecipientContext,
        ref: SharedTableRef,
        kind: FileKind,
        table_path: str,
        size: int,
        partition: dict[str, str | None],
        expires: datetime,
        endpoint: str,
    ) -> SharedFile:
        """A file of the table (or its projected copy when the share hides columns) behind a signed URL."""
        path = files.relative_to_root(self._tables.root, ref.uri, table_path)
        visible = _visible(ref)
        if visible is not None:
            path, size = files.projected(self._tables.root, ref.entry.id, path, sorted(visible))
        token = self._signer.sign(path, _reader_id(who, ref), expires, ref.scope)
        return SharedFile(
            kind=kind,
            url=f"{endpoint}/files/{token}?{PRESIGNED_MARK}",
            id=ref.entry.id[-8:] + "-" + table_path.rsplit("/", 1)[-1],
            partition=dict(partition),
            size=size,
            expires=int(expires.timestamp() * 1000),
        )

    def _audit(self, who: RecipientContext, ref: SharedTableRef, action: str, count: int, read: dict[str, Any]) -> None:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            reader: SharingProfileRow | ShareRecipientRow | None = (
                session.get(SharingProfileRow, who.id) if who.principal else session.get(ShareRecipientRow, who.id)
            )
            if reader is not None:
                reader.last_used_at = now
            audit_only(
                session,
                at=now,
                actor=who.principal.name if who.principal else f"recipient:{who.share}/{who.name}",
                action=action,
                resource_type="table",
                resource_id=ref.table.id,
                resource_name=ref.qualified,
                domain=ref.qualified.split(".", 1)[0],
                summary={
                    "share": who.share,
                    "recipient": who.name,
                    "as": f"{ref.entry.schema_name}.{ref.entry.name}",
                    "files": count,
                    "columns": ref.columns,
                    **read,
                },
            )


def _shared_table(session: Session, share_id: str, schema: str, name: str) -> Found | None:
    return _first(
        session,
        ShareTableRow.share_id == share_id,
        func.lower(ShareTableRow.schema_name) == schema.lower(),
        func.lower(ShareTableRow.name) == name.lower(),
    )


def _entry(session: Session, entry_id: str) -> Found | None:
    return _first(session, ShareTableRow.id == entry_id)


def _first(session: Session, *where: ColumnElement[bool]) -> Found | None:
    row = session.execute(
        select(ShareTableRow, ShareRow.domain_id).join(ShareRow, ShareRow.id == ShareTableRow.share_id).where(*where)
    ).first()
    if row is None:
        return None
    entry, share_domain = row
    found = table_and_lakehouse(session, entry.table_id)
    if found is None or found[0].domain_id != share_domain:
        return None  # gone, or a table that moved domain is no longer shared
    domain = domain_by_id(session, found[1].domain_id)
    return None if domain is None else (entry, found[0], found[1], domain)


def _shown(visible: set[str] | None, partition: dict[str, Any]) -> dict[str, Any]:
    """Partition values of the columns a recipient sees (a hidden partition column is neither served nor filtered)."""
    return dict(partition) if visible is None else {k: v for k, v in partition.items() if k.lower() in visible}


def _reader_id(who: RecipientContext, ref: SharedTableRef) -> str:
    """Signed into file URLs: the recipient, or the profile and the table (so a download re-checks the grant)."""
    return f"{who.id}/{ref.table.id}" if who.principal is not None else who.id


def _hints(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("limitHint", "version", "timestamp") if k in body}


def _visible(ref: SharedTableRef) -> set[str] | None:
    return None if ref.columns is None else {str(c).lower() for c in ref.columns}


def _timestamp(text: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{field} must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _page(items: list[dict[str, Any]], max_results: int | None, page_token: str | None) -> dict[str, Any]:
    size = MAX_PAGE if max_results is None else max_results
    if not 0 < size <= MAX_PAGE:
        raise BadRequest(f"maxResults must be between 1 and {MAX_PAGE}")
    try:
        start = int(page_token) if page_token else 0
    except ValueError as exc:
        raise BadRequest("pageToken is not a token this server issued") from exc
    page: dict[str, Any] = {"items": items[start : start + size]}
    if start + size < len(items):
        page["nextPageToken"] = str(start + size)
    return page
