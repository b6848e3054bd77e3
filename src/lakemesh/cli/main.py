"""`lakemesh`: the entry point and the error boundary (one readable line, non-zero exit)."""

from __future__ import annotations

import os
import sys
import traceback

import typer

from lakemesh.cli import access as access_cli
from lakemesh.cli import admin, domains, lakehouses, products, server
from lakemesh.cli import agreements as agreements_cli
from lakemesh.cli import backup as backup_cli
from lakemesh.cli import classification as classification_cli
from lakemesh.cli import config as config_cli
from lakemesh.cli import council as council_cli
from lakemesh.cli import dbt as dbt_cli
from lakemesh.cli import glossary as glossary_cli
from lakemesh.cli import governance as governance_cli
from lakemesh.cli import incidents as incidents_cli
from lakemesh.cli import intake as intake_cli
from lakemesh.cli import login as login_cli
from lakemesh.cli import metrics as metrics_cli
from lakemesh.cli import pipelines as pipelines_cli
from lakemesh.cli import quality as quality_cli
from lakemesh.cli import semantic as semantic_cli
from lakemesh.cli import sharing as sharing_cli
from lakemesh.cli import subscriptions as subscriptions_cli

app = typer.Typer(
    name="lakemesh",
    no_args_is_help=True,
    add_completion=False,
    help="Lakemesh: a self-hosted data mesh on an open lakehouse. Talks to the server at "
    "LAKEMESH_URL (with LAKEMESH_TOKEN) when set, otherwise works in-process on LAKEMESH_HOME.",
)
DEBUG_HELP = "On an error, print the full traceback before the one-line message (also: LAKEMESH_DEBUG=1)."


@app.callback()
def _options(debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP)) -> None:
    """Global options; `--debug` is read by `run()`, which catches the error after the command has ended."""


server.register(app)
admin.register(app)
domains.register(app)
lakehouses.register(app)
products.register(app)
# capability commands: one line each
backup_cli.register(app)
config_cli.register(app)
semantic_cli.register(app)
sharing_cli.register(app)
pipelines_cli.register(app)
access_cli.register(app)
governance_cli.register(app)
metrics_cli.register(app)
quality_cli.register(app)
dbt_cli.register(app)
login_cli.register(app)
classification_cli.register(app)
incidents_cli.register(app)
agreements_cli.register(app)
council_cli.register(app)
subscriptions_cli.register(app)
intake_cli.register(app)
glossary_cli.register(app)


def run() -> None:
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        print("\nerror: aborted", file=sys.stderr)
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors: typer's own click prints the usage line and the hint
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debugging(sys.argv[1:]):
            traceback.print_exc()
        print(f"error: {_describe(exc)}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def debugging(args: list[str]) -> bool:
    """`--debug` before the command, or LAKEMESH_DEBUG set to 1/true/yes: show the traceback the one line hides."""
    if os.environ.get("LAKEMESH_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    command = next((i for i, arg in enumerate(args) if not arg.startswith("-")), len(args))
    return "--debug" in args[:command]


def _describe(exc: Exception) -> str:
    from lakemesh.core.errors import LakemeshError

    if isinstance(exc, LakemeshError):
        return str(exc).replace("\n", " ")
    import httpx

    if isinstance(exc, httpx.TransportError):
        return f"cannot reach the Lakemesh server ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    run()
