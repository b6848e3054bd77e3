"""`dbt build` of a project on Lakemesh: dbt-duckdb computes in a local DuckDB file, then every table and incremental
model is written through Lakemesh's write path (contracts, policies, history) and the manifest becomes lineage."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml

from lakemesh.core.errors import InvalidInput
from lakemesh.dbt import incremental, products
from lakemesh.dbt import manifest as manifests
from lakemesh.lakehouses.models import WriteResult

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh

TOKEN_ENV = "LAKEMESH_DBT_TOKEN"  # noqa: S105 - a variable name, not a secret; the profile reads the token from here, so it is never written to disk


@dataclass
class BuildResult:
    written: dict[str, WriteResult] = field(default_factory=dict)
    lineage_events: int = 0
    products: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)  # dbt tests no quality rule can express


def build(
    mesh: Mesh | RemoteMesh,
    project_dir: Path,
    *,
    domain: str,
    lakehouse: str,
    url: str | None = None,
    token: str | None = None,
    home: Path | None = None,
    args: list[str] | None = None,
) -> BuildResult:
    """`dbt build`, refuse what Lakemesh cannot hold (views, bad names), then publish, make products, record lineage."""
    target = project_dir / "target"
    profiles = _profiles(project_dir, target, url=url, home=home, with_token=token is not None)
    env = {**os.environ, TOKEN_ENV: token or ""}
    full_refresh = "--full-refresh" in (args or [])
    copied = set() if full_refresh else incremental.snapshot(target)
    # One dbt run: what Lakemesh cannot hold (views, bad names) is refused from its manifest before any write to
    # Lakemesh; until then dbt has only touched its local DuckDB file.
    try:
        _dbt(["build", *(args or [])], project_dir, profiles, env)
        project = manifests.load(target / "manifest.json")
        manifests.check(project)
        statuses = manifests.statuses(target / "run_results.json")
        # A breaking change to a published product's dbt contract is the product API's 409, before any table write.
        products.check_contracts(mesh, project, domain)
        result = BuildResult()
        database = duckdb.connect(str(target / "lakemesh.duckdb"), read_only=True)
        try:
            for model in project.models.values():
                if model.materialized in manifests.PUBLISHED and statuses.get(model.unique_id) == "success":
                    relation = incremental.Relation(model.schema, model.name)
                    written = _write(mesh, domain, lakehouse, model, database, target, relation in copied)
                    if written is not None:
                        result.written[model.name] = written
        finally:
            database.close()
    finally:
        incremental.discard(target)
    synced = products.sync(mesh, project, domain, lakehouse)
    result.products, result.not_imported = synced.products, synced.not_imported
    for event in manifests.lineage_events(project, domain, lakehouse, statuses):
        mesh.post_lineage(event)
        result.lineage_events += 1
    return result


def import_manifest(
    mesh: Mesh | RemoteMesh,
    manifest: Path,
    *,
    domain: str,
    lakehouse: str,
    run_results: Path | None = None,
) -> int:
    """Lineage of a project run elsewhere: one event per table or incremental model; returns how many were sent."""
    project = manifests.load(manifest)
    events = manifests.lineage_events(project, domain, lakehouse, manifests.statuses(run_results))
    for event in events:
        mesh.post_lineage(event)
    return len(events)


def _write(
    mesh: Mesh | RemoteMesh,
    domain: str,
    lakehouse: str,
    model: manifests.Model,
    database: duckdb.DuckDBPyConnection,
    target: Path,
    was_built: bool,
) -> WriteResult | None:
    """A table model replaces its table; an incremental one sends only this run's rows when dbt ran it
    incrementally (merged on `unique_key`, else appended), and the whole relation when it built it from scratch.
    None: an incremental run that changed nothing."""
    metadata = {"dbt.model": model.unique_id}
    relation = incremental.Relation(model.schema, model.name)
    if model.materialized == "incremental":
        keyed = bool(model.unique_key)
        rows = incremental.changes(database, target, relation, keyed=keyed) if was_built else None
        if rows is not None and rows.num_rows == 0:
            return None
        if rows is not None and not keyed:
            return mesh.write_table(domain, lakehouse, model.name, rows, mode="append", commit_metadata=metadata)
        if keyed:
            data = rows if rows is not None else database.sql(f"SELECT * FROM {relation.sql}").to_arrow_table()
            return mesh.write_table(
                domain, lakehouse, model.name, data, merge_keys=model.unique_key, commit_metadata=metadata
            )
    data = database.sql(f"SELECT * FROM {relation.sql}").to_arrow_table()
    return mesh.write_table(
        domain, lakehouse, model.name, data, mode="overwrite", schema_mode="overwrite", commit_metadata=metadata
    )


def _profiles(project_dir: Path, target: Path, *, url: str | None, home: Path | None, with_token: bool) -> Path:
    """A profiles.yml for dbt-duckdb with the lakemesh plugin, in target/ (the token stays in the environment)."""
    project_file = project_dir / "dbt_project.yml"
    if not project_file.is_file():
        raise InvalidInput(f"{project_dir} is not a dbt project (no dbt_project.yml)")
    profile = str((yaml.safe_load(project_file.read_text()) or {}).get("profile") or "default")
    config: dict[str, Any] = {"url": url} if url else ({"home": str(home)} if home else {})
    if with_token:
        config["token"] = "{{ env_var('" + TOKEN_ENV + "') }}"
    output = {
        "type": "duckdb",
        "path": str(target / "lakemesh.duckdb"),
        "plugins": [{"module": "lakemesh.dbt.plugin", "alias": "lakemesh", "config": config}],
    }
    folder = target / "lakemesh-profile"
    folder.mkdir(parents=True, exist_ok=True)
    document = {profile: {"target": "lakemesh", "outputs": {"lakemesh": output}}}
    (folder / "profiles.yml").write_text(yaml.safe_dump(document))
    return folder


def _dbt(command: list[str], project_dir: Path, profiles: Path, env: dict[str, str]) -> None:
    argv = [sys.executable, "-m", "dbt.cli.main", *command, "--project-dir", str(project_dir)]
    argv += ["--profiles-dir", str(profiles), "--target-path", str(project_dir / "target")]
    # our own interpreter running dbt's CLI, no shell
    done = subprocess.run(  # noqa: S603
        argv,
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise InvalidInput(f"dbt {command[0]} failed (exit {done.returncode}):\n{tail}")
