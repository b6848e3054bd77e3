"""Pipelines: versioned specs of ingest, SQL, Python and quality steps; runs with retries, logs, schedules."""
