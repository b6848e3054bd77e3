"""`python -m lakemesh` is the same as the `lakemesh` command."""

from lakemesh.cli.main import run

run()
