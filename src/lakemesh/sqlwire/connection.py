"""One client connection: start-up and password check, then simple and extended query messages.

Every statement is answered by a service call made as the connection's principal; the token is checked again
before each statement, so a revoked token's open connection is refused on its next statement.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import ssl
import struct
import threading
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from lakemesh.access.query import QueryCancel
from lakemesh.core.errors import ServiceUnavailable, Unauthorized
from lakemesh.platform import Platform
from lakemesh.sqlwire import cursors, login, types
from lakemesh.sqlwire import messages as m
from lakemesh.sqlwire.catalog import readable_objects
from lakemesh.sqlwire.errors import SqlError, sqlstate_of
from lakemesh.sqlwire.mirror import run_catalog_query
from lakemesh.sqlwire.rows import data_rows
from lakemesh.sqlwire.session import Portal, Prepared, Session, session_command
from lakemesh.sqlwire.settings import REPORTED, startup_settings
from lakemesh.sqlwire.statements import Statement, classify, engine_value, split_statements

log = logging.getLogger(__name__)
PROTOCOL_3 = 196608
SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102
ROWS_PER_WRITE = 50_000  # at most, per batch of DataRows (fewer for wide rows: about BYTES_PER_WRITE)
BYTES_PER_WRITE = 8 << 20
_TAGS = {"SET": "SET", "RESET": "RESET", "BEGIN": "BEGIN", "START": "BEGIN", "COMMIT": "COMMIT", "END": "COMMIT",
         "ROLLBACK": "ROLLBACK", "ABORT": "ROLLBACK", "DEALLOCATE": "DEALLOCATE", "DISCARD": "DISCARD ALL",
         "SAVEPOINT": "SAVEPOINT", "RELEASE": "RELEASE", "CLOSE": "CLOSE CURSOR", "UNLISTEN": "UNLISTEN",
         "DECLARE": "DECLARE CURSOR"}  # fmt: skip


class Options:
    """How the endpoint admits clients and bounds results (from Settings)."""

    def __init__(self, *, tls: ssl.SSLContext | None, allow_cleartext: bool, max_rows: int) -> None:
        self.tls = tls
        self.allow_cleartext = allow_cleartext
        self.max_rows = max_rows


class Connection:
    def __init__(self, platform: Platform, options: Options, registry: dict[int, tuple[int, Connection]]) -> None:
        self.platform = platform
        self.options = options
        self.registry = registry
        self.session: Session | None = None
        self.encrypted = False
        self.cancel = QueryCancel()
        self.key = (secrets.randbelow(2**31 - 1) + 1, secrets.randbelow(2**31 - 1) + 1)

    # -- start-up ------------------------------------------------------------------------------------
    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await self._start(reader, writer):
                self.registry[self.key[0]] = (self.key[1], self)
                await self._loop(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, TimeoutError):
            pass  # the client went away; nothing to tell it
        except Exception:
            log.exception("SQL endpoint connection failed")
        finally:
            self.registry.pop(self.key[0], None)
            writer.close()

    async def _start(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        while True:
            length = struct.unpack("!i", await reader.readexactly(4))[0]
            if not 8 <= length <= 10_000:
                return False
            body = await reader.readexactly(length - 4)
            code = struct.unpack("!i", body[:4])[0]
            if code == SSL_REQUEST and self.options.tls is not None and not self.encrypted:
                writer.write(b"S")
                await writer.drain()
                await writer.start_tls(self.options.tls)
                self.encrypted = True
                continue
            if code in (SSL_REQUEST, GSS_REQUEST):
                writer.write(b"N")
                await writer.drain()
                continue
            if code == CANCEL_REQUEST:
                pid, key = struct.unpack("!ii", body[4:12])
                target = self.registry.get(pid)
                if target is not None and target[0] == key:
                    target[1].cancel.fire()  # interrupts the running statement, if any
                return False
            if code != PROTOCOL_3:
                writer.write(m.error_response("0A000", "unsupported protocol version", severity="FATAL"))
                return False
            fields = body[4:].split(b"\x00")
            params = {fields[i].decode(): fields[i + 1].decode() for i in range(0, len(fields) - 1, 2) if fields[i]}
            return await self._authenticate(reader, writer, params)

    def _cleartext_allowed(self, writer: asyncio.StreamWriter) -> bool:
        if self.encrypted:
            return True
        peer = writer.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) else "127.0.0.1"
        return self.options.allow_cleartext and ipaddress.ip_address(host).is_loopback

    async def _authenticate(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, params: dict[str, str]
    ) -> bool:
        """Cleartext token over TLS (or loopback when allowed): every token works. Otherwise SCRAM-SHA-256, which
        needs a token created with a verifier (Lakemesh 0022 on); older tokens are told to re-create it."""
        user = params.get("user", "")
        if self._cleartext_allowed(writer):
            signed_in = await login.cleartext(self.platform, reader, writer)
        else:
            signed_in = await login.scram(self.platform, user, reader, writer)
        if signed_in is None or signed_in[0].name.lower() != user.lower():
            writer.write(login.failed(user, scram=not self._cleartext_allowed(writer)))
            return False
        principal, credential = signed_in
        try:
            settings = startup_settings(principal.name, params)
        except SqlError as exc:  # as PostgreSQL: a bad startup setting ends the connection
            writer.write(m.error_response(exc.sqlstate, exc.message, severity="FATAL"))
            return False
        self.session = Session(principal, credential, settings, defaults=dict(settings))
        out = [m.message(b"R", struct.pack("!i", 0))]
        for name in ("server_version", "server_encoding", "integer_datetimes", "is_superuser",
                     "session_authorization", "IntervalStyle", *REPORTED):  # fmt: skip
            out.append(m.parameter_status(name, settings[name]))
        out.append(m.message(b"K", struct.pack("!ii", *self.key)))
        out.append(m.ready("I"))
        writer.write(b"".join(out))
        await writer.drain()
        return True

    # -- messages ------------------------------------------------------------------------------------
    async def _loop(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        skipping = False  # after an error in the extended protocol, ignore everything until Sync
        while True:
            kind, payload = await m.read_message(reader)
            if kind == b"X":
                return
            if kind == b"S":
                skipping = False
                writer.write(m.ready(self._session().transaction))
                await writer.drain()
                continue
            if kind == b"H":
                await writer.drain()
                continue
            if skipping:
                continue
            try:
                await self._dispatch(kind, payload, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                raise
            except Exception as exc:
                fatal = self._report(exc, writer)
                if fatal:
                    await writer.drain()
                    return
                if kind == b"Q":
                    writer.write(m.ready(self._session().transaction))
                else:
                    skipping = True
            await writer.drain()

    async def _dispatch(self, kind: bytes, payload: bytes, writer: asyncio.StreamWriter) -> None:
        """Answer one message (Sync, Flush and Terminate are handled by the loop)."""
        if kind == b"Q":
            await self._simple(payload, writer)
            writer.write(m.ready(self._session().transaction))
        elif kind == b"P":
            self._parse(m.Payload(payload))
            writer.write(m.message(b"1"))
        elif kind == b"B":
            self._bind(m.Payload(payload))
            writer.write(m.message(b"2"))
        elif kind == b"D":
            await self._describe(m.Payload(payload), writer)
        elif kind == b"E":
            await self._execute(m.Payload(payload), writer)
        elif kind == b"C":
            self._close(m.Payload(payload))
            writer.write(m.message(b"3"))
        else:
            raise SqlError("08P01", f"unexpected message {kind!r}")

    def _report(self, exc: Exception, writer: asyncio.StreamWriter) -> bool:
        """Send the error; True when the connection must end (its token no longer works)."""
        sqlstate, text = sqlstate_of(exc)
        if sqlstate == "XX000":
            log.warning("SQL endpoint statement failed", exc_info=exc)
        session = self._session()
        if session.transaction == "T":
            session.transaction = "E"
        fatal = isinstance(exc, Unauthorized)
        writer.write(m.error_response(sqlstate, text, severity="FATAL" if fatal else "ERROR"))
        return fatal

    def _session(self) -> Session:
        assert self.session is not None
        return self.session

    def _tell_changes(self, writer: asyncio.StreamWriter) -> None:
        """ParameterStatus for each reported setting a SET or RESET changed, as PostgreSQL sends (drivers follow
        TimeZone and client_encoding through it)."""
        session = self._session()
        for name in dict.fromkeys(session.changed):
            writer.write(m.parameter_status(name, session.settings[name]))
        session.changed.clear()

    # -- simple query --------------------------------------------------------------------------------
    async def _simple(self, payload: bytes, writer: asyncio.StreamWriter) -> None:
        sql = payload.rstrip(b"\x00").decode()
        pieces = split_statements(sql)
        if not pieces:
            writer.write(m.message(b"I"))
            return
        for piece in pieces:
            statement = classify(piece)
            result = await self._run(statement, [])
            self._tell_changes(writer)
            if result is None:
                writer.write(m.command_complete(self._tag(statement)))
                continue
            formats = [0] * len(result.schema)
            writer.write(m.row_description(result.schema, formats))
            await self._send_rows(writer, result, formats, 0, result.num_rows, self._session().zone)
            writer.write(m.command_complete(f"{self._select_tag(statement)} {result.num_rows}"))

    @staticmethod
    def _select_tag(statement: Statement) -> str:
        return statement.command if statement.command in ("SHOW", "FETCH") else "SELECT"

    def _tag(self, statement: Statement) -> str:
        if statement.command == "MOVE":
            return f"MOVE {self._session().moved}"
        return _TAGS.get(statement.command, statement.command)

    async def _send_rows(
        self, writer: asyncio.StreamWriter, result: pa.Table, formats: list[int], start: int, stop: int, zone: str
    ) -> None:
        """DataRows in batches of a few MB: the next batch is encoded (in a worker thread) while the last one is
        being sent, and a slow or vanished client stops its own stream, not the server."""
        size = batch_rows(result)
        batches = [(at, min(stop, at + size)) for at in range(start, stop, size)]
        if not batches:
            return

        def encode(rows: tuple[int, int]) -> asyncio.Future[bytes]:
            return asyncio.ensure_future(asyncio.to_thread(data_rows, result, formats, *rows, zone))

        pending = encode(batches[0])
        try:
            for following in [*batches[1:], None]:
                chunk = await pending
                if following is not None:
                    pending = encode(following)
                writer.write(chunk)
                await writer.drain()
        finally:
            pending.cancel()  # the client went away: the batch being encoded is dropped

    # -- running one statement -----------------------------------------------------------------------
    async def _run(self, statement: Statement, params: list[Any], *, shape_only: bool = False) -> pa.Table | None:
        """Run one statement as the connection's principal; None for statements without rows."""
        session = self._session()
        self.cancel = QueryCancel()  # a cancel request stops the statement running when it arrives, not later ones
        limit = 0 if shape_only else None
        if statement.kind == "query" and session.transaction != "E":
            return await asyncio.to_thread(self._query, statement.text, params, limit)
        # The token is checked before every statement: a revoked token stops working mid-connection.
        session.principal = await asyncio.to_thread(session.credential.check, self.platform)
        if session.transaction == "E" and statement.command not in ("ROLLBACK", "ABORT", "COMMIT", "END"):
            raise SqlError("25P02", "current transaction is aborted, commands ignored until end of transaction block")
        if statement.kind == "empty":
            return None
        if statement.kind == "session":
            return session_command(session, statement)
        if statement.kind == "cursor":
            return await cursors.command(self._session(), statement, params, self._run)
        if statement.kind == "write":
            raise SqlError("42501", f"the Lakemesh SQL endpoint is read-only: {statement.command} is not allowed")
        if statement.kind == "unsupported":
            raise SqlError("0A000", f"{statement.command} is not supported by the Lakemesh SQL endpoint")
        # A catalog query (a query in a failed transaction was refused above).
        objects = await asyncio.to_thread(readable_objects, self.platform, session.principal)
        session.remember_objects(objects)
        path = session.search_path(objects)
        return await asyncio.to_thread(run_catalog_query, objects, path, session.principal.name, statement.text, params)

    def _query(self, sql: str, params: list[Any], limit: int | None) -> pa.Table:
        """Check the token again, then run as the principal (one hop to a worker thread for both); `limit=0` only
        learns the result's columns (Describe of a statement)."""
        session = self._session()
        session.principal = session.credential.check(self.platform)
        objects = session.cached_objects()
        if objects is None:
            objects = readable_objects(self.platform, session.principal)
            session.remember_objects(objects)
        text = session.translate(sql, objects, len(params))
        cancel = self.cancel
        timeout = session.statement_timeout()
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            cancel.fire()

        timer = threading.Timer(timeout, expire) if timeout else None
        try:
            if timer is not None:
                timer.start()
            rows = self.options.max_rows if limit is None else limit
            values = [engine_value(v) for v in params]
            outcome = self.platform.query.run(session.principal, text, limit=rows, cancel=cancel, parameters=values)
        except ServiceUnavailable as exc:
            if cancel.fired:
                raise _cancelled(expired) from exc
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if outcome.truncated and limit is None:
            raise SqlError(
                "54000", f"the result has more than {self.options.max_rows} rows; add a LIMIT or a narrower WHERE"
            )
        if cancel.fired:
            raise _cancelled(expired)
        return outcome.table

    # -- extended query ------------------------------------------------------------------------------
    def _parse(self, data: m.Payload) -> None:
        name, sql = data.string(), data.string()
        oids = [data.int32() for _ in range(data.int16())]
        pieces = split_statements(sql)
        if len(pieces) > 1:
            raise SqlError("42601", "cannot insert multiple commands into a prepared statement")
        statement = classify(pieces[0] if pieces else "")
        self._session().statements[name] = Prepared(statement, oids)

    def _bind(self, data: m.Payload) -> None:
        portal, name = data.string(), data.string()
        prepared = self._statement(name)
        param_formats = [data.int16() for _ in range(data.int16())]
        values: list[Any] = []
        for i in range(data.int16()):
            size = data.int32()
            raw = None if size < 0 else data.raw(size)
            fmt = m.formats_for(param_formats, i + 1)[i]
            oid = prepared.param_oids[i] if i < len(prepared.param_oids) else 0
            values.append(types.decode_parameter(raw, oid, fmt == 1))
        result_formats = [data.int16() for _ in range(data.int16())]
        self._session().portals[portal] = Portal(prepared, values, result_formats)

    def _statement(self, name: str) -> Prepared:
        prepared = self._session().statements.get(name)
        if prepared is None:
            raise SqlError("26000", f'prepared statement "{name}" does not exist')
        return prepared

    async def _describe(self, data: m.Payload, writer: asyncio.StreamWriter) -> None:
        what, name = data.byte(), data.string()
        if what == b"S":
            prepared = self._statement(name)
            count = _parameter_count(prepared.statement.text)
            oids = [prepared.param_oids[i] if i < len(prepared.param_oids) and prepared.param_oids[i] else types.TEXT
                    for i in range(count)]  # fmt: skip
            writer.write(m.parameter_description(oids))
            if prepared.statement.command == "FETCH":
                shape = self._cursor_shape(prepared.statement)
                writer.write(m.row_description(shape, [0] * len(shape)))
                return
            if prepared.statement.kind in ("query", "catalog") or prepared.statement.command == "SHOW":
                result = await self._run(prepared.statement, [None] * count, shape_only=True)
                if result is not None:
                    writer.write(m.row_description(result.schema, [0] * len(result.schema)))
                    return
            writer.write(m.message(b"n"))
            return
        if name not in self._session().portals and name in self._session().cursors:
            shape = self._session().cursors[name].result.schema  # a declared cursor is a portal too (psycopg asks)
            writer.write(m.row_description(shape, [0] * len(shape)))
            return
        portal = self._portal(name)
        result = await self._result(portal)
        if result is None:
            writer.write(m.message(b"n"))
            return
        portal.described = True
        writer.write(m.row_description(result.schema, m.formats_for(portal.formats, len(result.schema))))

    def _cursor_shape(self, statement: Statement) -> pa.Schema:
        name = cursors.parse_fetch(statement.text).name
        cursor = self._session().cursors.get(name)
        if cursor is None:
            raise cursors.missing(name)
        return cursor.result.schema

    def _portal(self, name: str) -> Portal:
        portal = self._session().portals.get(name)
        if portal is None:
            raise SqlError("34000", f'portal "{name}" does not exist')
        return portal

    async def _result(self, portal: Portal) -> pa.Table | None:
        if portal.result is None and portal.sent == 0:
            portal.result = await self._run(portal.prepared.statement, portal.params)
            portal.sent = 0 if portal.result is not None else -1
        return portal.result

    async def _execute(self, data: m.Payload, writer: asyncio.StreamWriter) -> None:
        portal = self._portal(data.string())
        limit = data.int32()
        result = await self._result(portal)
        self._tell_changes(writer)
        statement = portal.prepared.statement
        if result is None:
            writer.write(m.command_complete(self._tag(statement)) if statement.kind != "empty" else m.message(b"I"))
            return
        stop = result.num_rows if limit <= 0 else min(result.num_rows, portal.sent + limit)
        formats = m.formats_for(portal.formats, len(result.schema))
        await self._send_rows(writer, result, formats, portal.sent, stop, self._session().zone)
        portal.sent = stop
        if stop < result.num_rows:
            writer.write(m.message(b"s"))  # PortalSuspended: the client fetches the rest with another Execute
        else:
            writer.write(m.command_complete(f"{self._select_tag(statement)} {result.num_rows}"))

    def _close(self, data: m.Payload) -> None:
        what, name = data.byte(), data.string()
        if what == b"S":
            self._session().statements.pop(name, None)
        else:
            self._session().portals.pop(name, None)


def _cancelled(expired: threading.Event) -> SqlError:
    why = "statement timeout" if expired.is_set() else "user request"
    return SqlError("57014", f"canceling statement due to {why}")


def batch_rows(result: pa.Table) -> int:
    """Rows per batch of DataRows: large batches amortise the per-batch cost, wide rows keep batches a few MB."""
    width: int = int(result.nbytes) // max(1, int(result.num_rows))
    return max(1, min(ROWS_PER_WRITE, BYTES_PER_WRITE // max(1, width)))


def _parameter_count(sql: str) -> int:
    import re

    found = [int(n) for n in re.findall(r"\$(\d+)", sql)]
    return max(found, default=0)


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]
