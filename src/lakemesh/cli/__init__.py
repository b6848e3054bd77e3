"""The command line: `lakemesh ...` (Typer + rich). Heavy imports happen inside commands."""
