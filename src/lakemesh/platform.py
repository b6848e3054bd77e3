"""Builds every service once from Settings; the facade, the API and the CLI share one Platform."""

from __future__ import annotations

import os
from pathlib import Path

from lakemesh.access.query import QueryService
from lakemesh.access.reads import ReadGovernor
from lakemesh.access.service import AccessService
from lakemesh.audit.service import AuditService
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.service import PrincipalService
from lakemesh.auth.web_sessions import WebSessions
from lakemesh.catalog import Catalog, migrate
from lakemesh.catalog.keys import KeyStore
from lakemesh.catalog.leadership import Leadership
from lakemesh.core.clock import Clock, SystemClock
from lakemesh.core.durations import parse_duration
from lakemesh.core.settings import Settings
from lakemesh.discovery.service import SearchService
from lakemesh.domains.service import DomainService
from lakemesh.executors import executor_from
from lakemesh.executors.steps import DistributedSteps
from lakemesh.governance.service import GovernanceService, evaluation_interval
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.files import FileService
from lakemesh.lakehouses.maintenance import auto_vacuum
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.tables import TableService
from lakemesh.lineage.impact import change_impact
from lakemesh.lineage.service import LineageService
from lakemesh.metrics.hooks import connect_sources, installed_capabilities
from lakemesh.metrics.prometheus import ServerMetrics
from lakemesh.metrics.service import MetricsService
from lakemesh.pipelines.service import PipelineService
from lakemesh.pipelines.sources import UrlAllowList
from lakemesh.pipelines.steps import StepServices
from lakemesh.products.service import ProductService
from lakemesh.quality.metrics_table import MetricsTable
from lakemesh.quality.service import QualityService
from lakemesh.scheduler import Scheduler
from lakemesh.selfserve.service import SelfServeService
from lakemesh.semantic.service import SemanticService
from lakemesh.sharing.exposure import MaskedColumns
from lakemesh.sharing.profiles import SharingProfiles
from lakemesh.sharing.protocol import DeltaSharingServer
from lakemesh.sharing.shares import ShareService, outsider
from lakemesh.sharing.shortcuts import ShortcutService
from lakemesh.sharing.tokens import UrlSigner
from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot
from lakemesh.templates.service import TemplateService


class Platform:
    """The services of one deployment, wired together explicitly (no globals)."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        if settings.umask is not None:
            os.umask(int(settings.umask, 8))  # data files shared with other processes (a group-readable data root)
        if settings.catalog_url is None:
            secure_home(settings.home)
        self.catalog = Catalog(settings.resolved_catalog_url)
        self.authorizer = Authorizer(self.catalog)
        self.principals = PrincipalService(self.catalog, self.clock)
        self.web_sessions = WebSessions(self.catalog, self.principals, self.clock)
        self.domains = DomainService(
            self.catalog, self.authorizer, self.clock, allow_domain_creation=settings.allow_domain_creation
        )
        self.audit = AuditService(self.catalog)
        self.data_root = DataRoot.from_settings(settings)
        self.delta = DeltaTables(self.data_root)
        self.templates = TemplateService(self.catalog, self.clock)
        self.lakehouses = LakehouseService(
            self.catalog, self.authorizer, self.clock, self.domains, self.templates, self.data_root
        )
        self.tables = TableService(
            self.catalog, self.authorizer, self.clock, self.lakehouses, self.data_root, self.delta
        )
        self.table_data = TableData(self.catalog, self.clock, self.tables)
        self.files = FileService(self.catalog, self.clock, self.lakehouses, self.data_root)
        self.products = ProductService(
            self.catalog, self.authorizer, self.clock, self.domains, self.tables, self.table_data
        )
        self.scheduler = Scheduler(leadership=Leadership(self.catalog, clock=self.clock))
        self._capabilities(settings)

    def _capabilities(self, settings: Settings) -> None:
        """The capabilities above products, one block each, in dependency order, with their scheduled jobs."""
        # quality
        self.executor = executor_from(settings)  # Ray is imported only when `executor = ray` is first used
        self.table_data.executor = self.executor
        self.quality = QualityService(
            self.catalog,
            self.authorizer,
            self.clock,
            self.products,
            self.tables,
            MetricsTable(self.delta, self.data_root),
            self.principals.bootstrap_admin,
            executor=self.executor,
        )
        self.scheduler.every(60, "quality-schedules", self.quality.run_due_schedules)
        self.scheduler.every(300, "quality-sla", self.quality.watch_slas)
        # governance
        self.governance = GovernanceService(
            self.catalog, self.authorizer, self.clock, webhook_allowlist=settings.webhook_url_allowlist
        )
        self.governance.install(self.tables, self.table_data)
        self.products.register_lifecycle_check(self.governance.checks.product)
        self.scheduler.every(5, "governance-events", self.governance.compliance.catch_up)
        self.scheduler.every(10, "governance-webhooks", self.governance.webhooks.run_once)
        self.scheduler.every(
            evaluation_interval(settings), "governance-evaluate", self.governance.compliance.evaluate_all
        )
        # access
        self.keys = KeyStore(
            settings.resolved_keys_dir,
            {"url-signing-key": settings.url_signing_key, "masking-salt": settings.masking_key},
        )
        self.reads = ReadGovernor(self.catalog, self.authorizer, self.clock, self.keys)
        self.access = AccessService(self.catalog, self.authorizer, self.clock, self.table_data, self.reads)
        self.query = QueryService(
            self.catalog,
            self.authorizer,
            self.clock,
            self.tables,
            self.reads,
            memory_limit=settings.query_memory_limit,
            spill_directory=str(settings.spill_directory),
        )
        self.discovery = SearchService(self.catalog, self.clock)
        self.scheduler.every(60, "access-grant-expiry", self.access.sweep_expired)
        self.catalog.on_events_committed(self.discovery.refresh)
        self.scheduler.every(5, "search-index", self.discovery.catch_up)
        # pipelines
        self.lineage = LineageService(self.catalog, self.authorizer, self.clock)
        allow_list = UrlAllowList.parse(settings.pipeline_url_allowlist)
        step_services = StepServices(
            self.catalog, self.tables, self.table_data, self.files, self.products, allow_list, settings.max_upload_bytes
        )
        self.pipelines = PipelineService(
            self.catalog, self.authorizer, self.clock, self.domains, self.templates, step_services, self.lineage
        )
        if self.executor.remote:
            self.pipelines.set_executor(DistributedSteps(self.executor, self.pipelines.commit_query))
        self.self_serve = SelfServeService(self.principals, self.domains, self.lakehouses, self.templates)
        self.scheduler.every(5, "pipelines", self.pipelines.tick)
        self.products.register_impact_source(change_impact(self.lineage))
        # sharing
        self.shortcuts = ShortcutService(self.catalog, self.authorizer, self.clock, self.lakehouses, self.tables)
        masked: MaskedColumns = lambda session, handle: self.reads.plan(outsider(), handle, session).masked_columns  # noqa: E731
        self.shares = ShareService(
            self.catalog,
            self.authorizer,
            self.clock,
            self.domains,
            self.lakehouses,
            self.tables,
            masked_columns=masked,
        )
        self.sharing_profiles = SharingProfiles(self.catalog, self.clock, self.tables, self.reads)
        signer = UrlSigner(self.catalog, self.clock, self.keys)
        self.sharing = DeltaSharingServer(
            self.catalog, self.clock, self.tables, signer, masked_columns=masked, profiles=self.sharing_profiles
        )
        # semantic
        self.semantic = SemanticService(
            self.catalog, self.authorizer, self.clock, self.domains, self.products, self.tables, self.query
        )
        self._observability(settings)

    def _observability(self, settings: Settings) -> None:
        # metrics and web
        self.metrics = MetricsService(
            self.catalog, self.clock, self.delta, self.data_root, capabilities=lambda: installed_capabilities(self)
        )
        self.server_metrics = ServerMetrics(jobs=lambda: self.scheduler.jobs)
        connect_sources(self.metrics, self)
        self.metrics.register_share_count("delta_sharing", self.shares.count_shared_tables)
        self.scheduler.every(900, "mesh-metrics-snapshot", self.metrics.snapshot_if_due)
        vacuum_every = parse_duration(settings.auto_vacuum_interval, "auto_vacuum_interval").total_seconds()
        self.scheduler.every(vacuum_every, "auto-vacuum", lambda: auto_vacuum(self.catalog, self.tables))

    def initialize(self, *, migrate_catalog: bool = True) -> str | None:
        """Migrate the catalog and create the first admin; returns its token secret the first time only."""
        if migrate_catalog:
            migrate.upgrade(self.catalog)
        secret = self.principals.bootstrap()
        self.templates.ensure_builtins()
        if secret is not None:
            write_secret_file(self.settings.admin_token_file, secret)
        return secret

    def close(self) -> None:
        self.scheduler.stop()
        self.executor.close()  # stops Ray only if this process started it
        self.query.close()
        self.quality.close()
        self.discovery.close()
        self.catalog.dispose()


CATALOG_FILES = ("catalog.db", "catalog.db-wal", "catalog.db-shm", "catalog.db-journal")


def secure_home(home: Path) -> None:
    """The home (0700) and the SQLite catalog (0600) hold token hashes and keys: owner only, whatever the umask.

    The catalog file is created 0600 before SQLite opens it; SQLite gives its -wal/-shm files the database file's
    mode, and existing homes from older versions are tightened on start.
    """
    database = home / CATALOG_FILES[0]
    if not home.exists() or database.exists():  # a home we create or one clearly Lakemesh's (never e.g. /tmp)
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        home.chmod(0o700)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for name in CATALOG_FILES:
        path = home / name
        if path.exists():
            path.chmod(0o600)


def write_secret_file(path: Path, secret: str) -> None:
    """Readable by the owner only (0600), created that way so it is never briefly world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    path.chmod(0o600)
