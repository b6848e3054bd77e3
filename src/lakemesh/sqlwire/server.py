"""The SQL endpoint's listener: an asyncio server on its own thread beside the REST server in `lakemesh serve`."""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading

from lakemesh.platform import Platform
from lakemesh.sqlwire.connection import Connection, Options

log = logging.getLogger(__name__)


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    """A server TLS context when a certificate is configured (sslmode=require then works)."""
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key or None)
    return context


class SqlEndpoint:
    """Listens for PostgreSQL clients; every connection runs its statements as its principal."""

    def __init__(self, platform: Platform, host: str, port: int, options: Options) -> None:
        self.platform = platform
        self.host = host
        self.port = port
        self.options = options
        self._registry: dict[int, tuple[int, Connection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await Connection(self.platform, self.options, self._registry).serve(reader, writer)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, self.host, self.port))
        except OSError as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def start(self) -> None:
        """Bind and serve in the background; raises if the port cannot be bound."""
        self._thread = threading.Thread(target=self._main, name="lakemesh-sql", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def shutdown() -> None:
            server.close()
            await server.wait_closed()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(timeout=5)
