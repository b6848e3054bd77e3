"""Builds every service once from Settings; the facade, the API and the CLI share one Platform."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from lakemesh.access.agreements import AgreementService
from lakemesh.access.install import install as install_access
from lakemesh.access.query import QueryService
from lakemesh.access.reads import ReadGovernor
from lakemesh.access.service import AccessService
from lakemesh.audit.service import AuditService
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.idp import IdpSignIn
from lakemesh.auth.memberships import GroupService
from lakemesh.auth.models import Principal
from lakemesh.auth.provisioning import Directory
from lakemesh.auth.service import PrincipalService
from lakemesh.auth.tokens import TOKEN_PREFIX
from lakemesh.auth.web_sessions import WebSessions
from lakemesh.catalog import Catalog, migrate
from lakemesh.catalog.keys import KeyStore
from lakemesh.catalog.leadership import Leadership
from lakemesh.classification.install import install as install_classification
from lakemesh.classification.propagation import Propagation
from lakemesh.classification.service import ClassificationService
from lakemesh.core.clock import Clock, SystemClock
from lakemesh.core.settings import Settings
from lakemesh.council.install import install as install_council
from lakemesh.council.service import CouncilService
from lakemesh.discovery.install import install as install_discovery
from lakemesh.discovery.service import SearchService
from lakemesh.domains.service import DomainService, domain_slugs_of
from lakemesh.executors import Executor, executor_from
from lakemesh.glossary.exchange import GlossaryImport
from lakemesh.glossary.install import install as install_glossary
from lakemesh.glossary.links import GlossaryLinks
from lakemesh.glossary.service import GlossaryService
from lakemesh.governance.install import install as install_governance
from lakemesh.governance.service import GovernanceService
from lakemesh.incidents.install import install as install_incidents
from lakemesh.incidents.service import IncidentService
from lakemesh.intake.install import install as install_intake
from lakemesh.intake.service import IntakeService
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.files import FileService
from lakemesh.lakehouses.install import install as install_lakehouses
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.tables import TableService
from lakemesh.lineage.install import install as install_lineage
from lakemesh.lineage.service import LineageService
from lakemesh.metrics.install import install as install_metrics
from lakemesh.metrics.prometheus import ServerMetrics
from lakemesh.metrics.service import MetricsService
from lakemesh.opencatalog.install import install as install_open_catalog
from lakemesh.opencatalog.service import OpenCatalog
from lakemesh.pipelines.install import install as install_pipelines
from lakemesh.pipelines.service import PipelineService
from lakemesh.products.install import install as install_products
from lakemesh.products.service import ProductService
from lakemesh.profiles.install import install as install_profiles
from lakemesh.profiles.service import ProfileService
from lakemesh.quality.install import install as install_quality
from lakemesh.quality.service import QualityService
from lakemesh.scheduler import Scheduler
from lakemesh.selfserve.install import install as install_selfserve
from lakemesh.selfserve.service import SelfServeService
from lakemesh.semantic.install import install as install_semantic
from lakemesh.semantic.service import SemanticService
from lakemesh.sharing.install import install as install_sharing
from lakemesh.sharing.profiles import SharingProfiles
from lakemesh.sharing.protocol import DeltaSharingServer
from lakemesh.sharing.shares import ShareService
from lakemesh.sharing.shortcuts import ShortcutService
from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot
from lakemesh.subscriptions.install import install as install_subscriptions
from lakemesh.subscriptions.service import SubscriptionService
from lakemesh.templates.service import TemplateService

# Each capability's install(platform) builds its services, registers its guards, transforms, impact sources and
# metric sources with the capabilities installed before it, and adds its scheduled jobs. Dependency order.
CAPABILITIES: tuple[Callable[[Platform], None], ...] = (
    install_lakehouses,
    install_products,
    install_quality,
    install_governance,
    install_lineage,
    install_access,
    install_discovery,
    install_pipelines,
    install_selfserve,
    install_sharing,
    install_semantic,
    install_profiles,
    install_open_catalog,
    install_classification,
    install_incidents,
    install_subscriptions,
    install_intake,
    install_glossary,
    install_council,
    install_metrics,
)


class Platform:
    """The services of one deployment, wired together explicitly (no globals)."""

    # built by the capabilities' install(), in CAPABILITIES order
    lakehouses: LakehouseService
    tables: TableService
    table_data: TableData
    files: FileService
    products: ProductService
    quality: QualityService
    governance: GovernanceService
    reads: ReadGovernor
    access: AccessService
    agreements: AgreementService
    query: QueryService
    discovery: SearchService
    lineage: LineageService
    pipelines: PipelineService
    self_serve: SelfServeService
    shortcuts: ShortcutService
    shares: ShareService
    sharing_profiles: SharingProfiles
    sharing: DeltaSharingServer
    semantic: SemanticService
    metrics: MetricsService
    open_catalog: OpenCatalog
    server_metrics: ServerMetrics
    profiles: ProfileService
    classification: ClassificationService
    classification_propagation: Propagation
    incidents: IncidentService
    subscriptions: SubscriptionService
    intake: IntakeService
    council: CouncilService
    glossary: GlossaryService
    glossary_links: GlossaryLinks
    glossary_import: GlossaryImport

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
        self.groups = GroupService(self.catalog, self.clock)
        self.directory = Directory(self.catalog, self.clock)
        # Single sign-on and IdP tokens on the API, when LAKEMESH_OIDC_ISSUER and _CLIENT_ID are set (else None).
        # The `groups` claim of every sign-in replaces the person's IdP-sourced group memberships.
        self.idp: IdpSignIn | None = IdpSignIn.from_settings(
            settings, self.catalog, self.clock, on_groups=self.groups.sync_groups
        )
        self.domains = DomainService(
            self.catalog, self.authorizer, self.clock, allow_domain_creation=settings.allow_domain_creation
        )
        self.audit = AuditService(self.catalog, domain_slugs_of)
        self.data_root = DataRoot.from_settings(settings)
        self.delta = DeltaTables(self.data_root)
        self.templates = TemplateService(self.catalog, self.clock)
        self.executor: Executor = executor_from(settings)  # Ray is imported only when `executor = ray` is first used
        given = {"url-signing-key": settings.url_signing_key, "masking-salt": settings.masking_key}
        self.keys = KeyStore(
            settings.resolved_keys_dir, {name: key.get_secret_value() if key else None for name, key in given.items()}
        )
        self.scheduler = Scheduler(leadership=Leadership(self.catalog, clock=self.clock))
        for install in CAPABILITIES:
            install(self)

    def initialize(self, *, migrate_catalog: bool = True) -> str | None:
        """Migrate the catalog and create the first admin; returns its token secret the first time only."""
        if migrate_catalog:
            migrate.upgrade(self.catalog)
        secret = self.principals.bootstrap()
        self.templates.ensure_builtins()
        if secret is not None:
            write_secret_file(self.settings.admin_token_file, secret)
        return secret

    def authenticate(self, token: str | None) -> Principal:
        """A bearer token: Lakemesh's own (`lm_...`) or, with single sign-on configured, the company IdP's."""
        if self.idp is None or not token or token.startswith(TOKEN_PREFIX):
            return self.principals.authenticate(token)
        return self.idp.authenticate(token)

    def close(self) -> None:
        self.scheduler.stop()
        self.executor.close()  # stops Ray only if this process started it
        self.query.close()
        self.quality.close()
        self.discovery.close()
        if self.idp is not None:
            self.idp.close()
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
