"""Commands that run or prepare a deployment: init, serve, demo, db."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lakemesh.cli.output import console

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sqlwire.server import SqlEndpoint


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("serve")(serve)
    app.command("demo")(demo)
    db = typer.Typer(help="Catalog schema migrations.", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    db.command("downgrade")(db_downgrade)
    db.command("current")(db_current)
    app.add_typer(db, name="db")


def _platform() -> Platform:
    from lakemesh.core.settings import Settings
    from lakemesh.platform import Platform

    return Platform(Settings())


def _announce_token(secret: str | None) -> None:
    from lakemesh.core.settings import Settings

    if secret:
        path = Settings().admin_token_file
        console.print(f"[bold]Admin token[/bold] (shown once, also saved to {path}, mode 0600):")
        console.print(secret, soft_wrap=True, highlight=False)


def init() -> None:
    """Create LAKEMESH_HOME, migrate the catalog and create the first platform admin and its token."""
    platform = _platform()
    secret = platform.initialize()
    console.print(f"Lakemesh home ready: {platform.settings.home}")
    _announce_token(secret)
    if secret is None:
        console.print("A platform admin already exists; create more tokens with `lakemesh token create`.")


def serve(
    host: str = typer.Option(None, help="Bind address (default LAKEMESH_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default LAKEMESH_PORT or 8484)."),
    migrate: bool = typer.Option(False, "--migrate", help="Upgrade the catalog schema before serving."),
    demo_data: bool = typer.Option(False, "--demo", help="Load the demo mesh (idempotent) before serving."),
    no_sql: bool = typer.Option(False, "--no-sql", help="Do not start the SQL endpoint (PostgreSQL wire protocol)."),
) -> None:
    """Run the REST API, the web UI, the Delta Sharing server and the SQL endpoint."""
    import gc

    # Start-up allocates a few hundred thousand long-lived objects (models, routes, mappers): collecting while
    # they pile up costs ~0.3 s of full collections for nothing. Collect nothing until the platform is up, then
    # freeze what start-up built out of every later collection.
    gc.disable()
    import uvicorn

    from lakemesh.api.app import COMPAT_PREFIXES, create_app
    from lakemesh.catalog import migrate as migrations
    from lakemesh.core.errors import ServiceUnavailable
    from lakemesh.core.settings import Settings
    from lakemesh.platform import Platform

    _server_memory_pool()
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings().model_copy(update=overrides)
    platform = Platform(settings)
    if platform.scheduler.leadership is not None:
        platform.server_metrics.watch_leadership(platform.scheduler.leadership)
    embedded = settings.catalog_url is None
    if not (migrate or embedded or demo_data) and not migrations.is_current(platform.catalog):
        raise ServiceUnavailable("The catalog schema is not current; run `lakemesh db upgrade` or serve --migrate")
    secret = platform.initialize(migrate_catalog=migrate or embedded or demo_data)
    _announce_token(secret)
    gc.freeze()
    gc.enable()
    if demo_data:
        from lakemesh.demo import load_demo

        load_demo(platform, say=console.print)
    console.print(
        f"Lakemesh is serving at [bold]http://{settings.host}:{settings.port}[/bold] "
        f"(API docs at /docs; data under {settings.resolved_data_root})"
    )
    for surface, prefix in COMPAT_PREFIXES.items():  # docs/compat.md: point Fabric/Power BI scripts here
        console.print(f"{surface} compatible REST: http://{settings.host}:{settings.port}{prefix}")
    endpoint = None if no_sql else _start_sql_endpoint(platform)
    try:
        uvicorn.run(create_app(platform), host=settings.host, port=settings.port, log_level="warning", access_log=False)
    finally:
        if endpoint is not None:
            endpoint.stop()


def _start_sql_endpoint(platform: Platform) -> SqlEndpoint | None:
    """The PostgreSQL-wire SQL endpoint beside the REST server, on LAKEMESH_SQL_PORT of the same host."""
    from lakemesh.access.query import MAX_LIMIT
    from lakemesh.sqlwire.connection import Options
    from lakemesh.sqlwire.server import SqlEndpoint, tls_context

    settings = platform.settings
    options = Options(
        tls=tls_context(settings.sql_tls_cert, settings.sql_tls_key),
        allow_cleartext=settings.sql_allow_cleartext_loopback,
        max_rows=max(0, min(settings.sql_max_rows, MAX_LIMIT)),
    )
    endpoint = SqlEndpoint(platform, settings.host, settings.sql_port, options)
    try:
        endpoint.start()
    except OSError as exc:
        # The REST server is still useful; say plainly why SQL clients cannot connect and how to fix it.
        console.print(
            f"[yellow]SQL endpoint not started:[/yellow] cannot listen on {settings.host}:{settings.sql_port} "
            f"({exc.strerror}); set LAKEMESH_SQL_PORT or use --no-sql"
        )
        return None
    tls = "TLS" if options.tls else "no TLS"
    console.print(f"SQL endpoint (PostgreSQL protocol, {tls}) at [bold]{settings.host}:{settings.sql_port}[/bold]")
    return endpoint


def _server_memory_pool() -> None:
    """A long-running server streams gigabytes through Arrow; jemalloc hands freed pages back to the OS,
    where mimalloc (pyarrow's default) keeps them: 2x less resident memory for a large upload."""
    import contextlib
    import os

    import pyarrow as pa

    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        with contextlib.suppress(NotImplementedError):  # a pyarrow build without jemalloc keeps its default
            pa.set_memory_pool(pa.jemalloc_memory_pool())


def demo() -> None:
    """Load the demo mesh (the seed's Sales and Marketing domains) into the local home, idempotently."""
    from lakemesh.demo import load_demo

    platform = _platform()
    _announce_token(platform.initialize())
    load_demo(platform, say=console.print)


def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Upgrade the catalog schema (default: to the newest)."""
    from lakemesh.catalog import migrate

    platform = _platform()
    migrate.upgrade(platform.catalog, revision)
    console.print(f"Catalog at revision {migrate.current_revision(platform.catalog)}")


def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base.")) -> None:
    """Downgrade the catalog schema."""
    from lakemesh.catalog import migrate

    platform = _platform()
    migrate.downgrade(platform.catalog, revision)
    console.print(f"Catalog at revision {migrate.current_revision(platform.catalog)}")


def db_current() -> None:
    """Show the catalog's schema revision and the newest one this version knows."""
    from lakemesh.catalog import migrate

    platform = _platform()
    current, head = migrate.current_revision(platform.catalog), migrate.head_revision(platform.catalog)
    console.print(f"current: {current}  head: {head}")
