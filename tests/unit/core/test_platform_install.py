"""Capabilities install themselves: each one's services, hooks and jobs come from its install(), in order."""

from __future__ import annotations

import inspect

from lakemesh import platform as platform_module
from lakemesh.platform import CAPABILITIES, Platform

JOBS = {
    "auto-vacuum", "quality-schedules", "quality-sla", "governance-events", "governance-webhooks",
    "governance-evaluate", "access-grant-expiry", "agreement-renewal-notices", "search-index", "pipelines",
    "mesh-metrics-snapshot", "profiles", "classification-auto-accept", "classification-scans",
    "classification-propagation", "incidents", "subscriptions", "council-proposals",
}  # fmt: skip


def test_every_capability_adds_its_jobs_once(platform: Platform) -> None:
    names = [job.name for job in platform.scheduler.jobs]
    assert set(names) == JOBS and len(names) == len(JOBS)


def test_each_capability_package_has_one_install_in_dependency_order() -> None:
    packages = [install.__module__ for install in CAPABILITIES]
    assert all(name.endswith(".install") for name in packages) and len(set(packages)) == len(packages)
    assert packages.index("lakemesh.lakehouses.install") < packages.index("lakemesh.products.install")
    assert packages.index("lakemesh.products.install") < packages.index("lakemesh.governance.install")
    assert packages[-1] == "lakemesh.metrics.install", "metrics reads figures from every other capability"


def test_the_platform_registers_nothing_itself() -> None:
    """Hooks and jobs are registered in install() only: the Platform module never calls register_* or every()."""
    source = inspect.getsource(platform_module)
    assert "register_" not in source and ".every(" not in source
