"""`lakemesh backup` / `lakemesh restore`: the catalog, in-process against LAKEMESH_HOME / LAKEMESH_CATALOG_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the backup's manifest as JSON for scripts.")]


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def _catalog_url() -> str:
    from lakemesh.core.settings import Settings

    return Settings().resolved_catalog_url


def _keys_dir() -> Path:
    from lakemesh.core.settings import Settings

    return Settings().resolved_keys_dir


def _manifest_json(manifest: Any) -> dict[str, Any]:
    return {
        "catalog_kind": manifest.catalog_kind,
        "revision": manifest.revision,
        "created_at": manifest.created_at.isoformat(),
        "lakemesh_version": manifest.lakemesh_version,
    }


def backup(
    out: Annotated[Path, typer.Argument(help="New file to write the backup archive to.")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the catalog (safe while servers run); back up the data root right after."""
    from lakemesh.catalog.backup import backup_catalog

    manifest = backup_catalog(_catalog_url(), out, keys_dir=_keys_dir())
    if as_json:
        emit_json(_manifest_json(manifest))
        return
    console.print(
        f"Backed up the {manifest.catalog_kind} catalog (revision {manifest.revision}) to {out}", soft_wrap=True
    )
    console.print("Delta tables are not in this file: snapshot the data root now (see docs/deploy.md).", soft_wrap=True)


def restore(
    source: Annotated[Path, typer.Argument(help="Backup archive written by `lakemesh backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a catalog that is not empty.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Restore the catalog from a backup (stop the servers first)."""
    from lakemesh.catalog.backup import restore_catalog

    manifest = restore_catalog(_catalog_url(), source, force=force, keys_dir=_keys_dir())
    if as_json:
        emit_json(_manifest_json(manifest))
        return
    console.print(
        f"Restored the {manifest.catalog_kind} catalog from {source} "
        f"(taken {manifest.created_at:%Y-%m-%d %H:%M:%S %Z}, revision {manifest.revision}); "
        "run `lakemesh db upgrade` before serving if this Lakemesh is newer.",
        soft_wrap=True,
    )
