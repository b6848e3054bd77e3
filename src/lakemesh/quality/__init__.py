"""Quality monitoring: fused one-scan rule checks, run history, schedules and SLA status."""
