"""What every part of the classification service needs: the catalog, who may do what, the clock, the tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lakemesh.access.reads import ReadGovernor
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.tables import TableService

DEFAULT_SAMPLE_ROWS = 1000


class Context:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        lakehouses: LakehouseService,
        tables: TableService,
        data: TableData,
        reads: ReadGovernor,
        system: Callable[[], Principal],
        *,
        sample_rows: int = DEFAULT_SAMPLE_ROWS,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._lakehouses = lakehouses
        self._tables = tables
        self._data = data
        self._reads = reads
        self._system = system
        self.sample_rows = sample_rows

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def now(self) -> datetime:
        return self._clock.now()
