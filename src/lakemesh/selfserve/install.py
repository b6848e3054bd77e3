"""Self-serve: a domain workspace, its steward and its lakehouse in one call, from public services only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.selfserve.service import SelfServeService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.self_serve = SelfServeService(p.principals, p.domains, p.lakehouses, p.templates)
