"""Settings, read once from the environment (prefix `LAKEMESH_`) and passed down explicitly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable about one Lakemesh deployment."""

    model_config = SettingsConfigDict(env_prefix="LAKEMESH_", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.home() / ".lakemesh",
        description="Holds the embedded SQLite catalog, the data root and the admin token.",
    )
    catalog_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog, e.g. postgresql+psycopg://...; "
        "default: SQLite file catalog.db under home.",
    )
    data_root: str | None = Field(
        default=None,
        description="Path or object-store URI (s3://bucket/prefix) for Delta tables "
        "and files; default: data/ under home.",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="Endpoint of an S3-compatible store (MinIO, Ceph, moto), e.g. http://127.0.0.1:9000."
    )
    s3_access_key_id: str | None = Field(default=None, description="S3 access key id (else the AWS default chain).")
    s3_secret_access_key: SecretStr | None = Field(default=None, description="S3 secret access key.")
    s3_region: str = Field(default="us-east-1", description="S3 region.")
    s3_concurrency: str = Field(
        default="conditional-put",
        description="How concurrent Delta commits on S3 stay safe: `conditional-put` (If-None-Match, "
        "supported by AWS S3, MinIO and moto) or `unsafe-rename` (single writer only).",
    )
    s3_credentials_role_arn: str | None = Field(
        default=None,
        description="IAM role that Unity Catalog temporary table credentials assume (STS AssumeRole with a "
        "session policy scoped to the table's prefix); unset on S3: credentials are refused (read through SQL or "
        "Delta Sharing).",
    )
    table_credentials_ttl: str = Field(
        default="1h", description="How long temporary table credentials last (`15m`..`12h`; STS allows at least 15m)."
    )
    keys_dir: Path | None = Field(
        default=None,
        description="Directory of the secret key files (URL signing, masking), each 0600; default: keys/ under "
        "home. Replicas must share it (or set the two key variables below).",
    )
    url_signing_key: SecretStr | None = Field(
        default=None, description="Key that signs Delta Sharing file URLs (else a generated key in the keys directory)."
    )
    masking_key: SecretStr | None = Field(
        default=None,
        description="Key of `hash` masks, letters and digits (else a generated key in the keys directory).",
    )
    umask: str | None = Field(
        default=None,
        pattern=r"^0?[0-7]{3}$",
        description="Octal umask for data files and directories the server writes (e.g. `027` to share them with a "
        "group); default: the process's. The home stays 0700 and catalog files 0600 whatever it is.",
    )
    max_upload_bytes: int = Field(
        default=256 * 1024**2,
        ge=1,
        description="Largest table-data or file upload accepted in one request (checked while it streams; 413).",
    )
    max_lakehouse_bytes: int | None = Field(
        default=None,
        ge=0,
        description="Most bytes one lakehouse's tables and files may hold; uploads past it are 413 (off by default).",
    )
    query_memory_limit: str = Field(
        default="1GB",
        description="DuckDB memory limit of one governed query or DAX query (e.g. 1GB, 512MB); past it the query "
        "spills to <home>/tmp/spill.",
    )
    heavy_slots: int | None = Field(
        default=None,
        ge=1,
        description="Heavy requests (queries, DAX, pipeline run-now, uploads) running at once; more are 429 with "
        "Retry-After. Default: the machine's CPU count.",
    )
    heavy_slots_per_principal: int = Field(
        default=2, ge=1, description="Heavy requests one principal may run at once; more are 429 with Retry-After."
    )
    scheduler: bool = Field(default=True, description="Run scheduled jobs (auto-vacuum, ...) inside `lakemesh serve`.")
    auto_vacuum_interval: str = Field(default="6h", description="How often auto-vacuum lakehouses are vacuumed.")
    governance_interval: str = Field(default="15m", description="How often all policies are evaluated on schedule.")
    governance_mode: Literal["direct", "council"] = Field(
        default="direct",
        description="`direct`: platform admins change GLOBAL policies at once. `council`: only a passed council "
        "proposal does; the direct endpoints answer 409 with a pointer to proposals.",
    )
    profile_interval: str = Field(
        default="1h", description="How often tables changed since their last profile are profiled; `off` to stop."
    )
    pipeline_url_allowlist: str | None = Field(
        default=None,
        description="Comma-separated hosts pipelines may ingest URLs and databases from (none by default).",
    )
    webhook_url_allowlist: str | None = Field(
        default=None,
        description="Comma-separated internal hosts (loopback, private, link-local) webhooks may call; "
        "public hosts need no entry.",
    )
    executor: Literal["local", "ray"] = Field(
        default="local",
        description="Where heavy work runs (pipeline steps, quality scans over large tables, compaction): "
        "`local` in the server process, or `ray` on a Ray cluster through Daft.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Ray cluster to join when executor is `ray` (e.g. ray://head:10001 or 127.0.0.1:6379); "
        "default: start a local Ray instance.",
    )
    host: str = Field(default="127.0.0.1", description="Address `lakemesh serve` binds to.")
    port: int = Field(default=8484, description="Port `lakemesh serve` listens on.")
    public_url: str | None = Field(default=None, description="URL clients reach the server at, if not host:port.")
    sql_port: int = Field(
        default=5433,
        description="Port of the SQL endpoint (PostgreSQL wire protocol) `lakemesh serve` also listens on, "
        "on the same host; `serve --no-sql` turns it off.",
    )
    sql_tls_cert: str | None = Field(
        default=None,
        description="PEM certificate (chain) of the SQL endpoint; with it clients can use sslmode=require.",
    )
    sql_tls_key: str | None = Field(default=None, description="PEM private key of `sql_tls_cert`, if not in that file.")
    sql_allow_cleartext_loopback: bool = Field(
        default=False,
        description="Ask loopback clients without TLS for the API token as a cleartext password instead of "
        "SCRAM-SHA-256 (only needed for tokens created before SCRAM support).",
    )
    sql_max_rows: int = Field(
        default=1_000_000,
        description="Largest result the SQL endpoint returns; a larger one fails with SQLSTATE 54000 "
        "(at most the governed query's own maximum, 1000000).",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, description="Largest JSON request body accepted.")
    scim_token: SecretStr | None = Field(
        default=None,
        description="Bearer token your identity provider's SCIM app sends to /scim/v2 (a long random string); "
        "unset, SCIM provisioning is off and answers 401.",
    )
    classification_sample_rows: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="Rows a classification scan reads from a table (the first ones), whatever the table's size.",
    )
    allow_domain_creation: bool = Field(
        default=False,
        description="Let every authenticated principal create domains (self-serve); "
        "otherwise only platform admins can.",
    )

    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL of the company identity provider (its discovery document lives under "
        "it); set it to turn on single sign-on and IdP tokens on the API.",
    )
    oidc_client_id: str | None = Field(default=None, description="Client (application) id registered at the IdP.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Client secret of a confidential client; leave unset for a public client (PKCE)."
    )
    oidc_cli_client_id: str | None = Field(
        default=None,
        description="Public client id `lakemesh login` signs in with (device flow or loopback redirect); "
        "default: the client id.",
    )
    oidc_provider_name: str = Field(default="your identity provider", description="Shown on the sign-in button.")
    oidc_scopes: str = Field(default="openid email profile", description="Scopes asked for at sign-in.")
    oidc_audience: str | None = Field(
        default=None,
        description="Comma-separated audiences accepted in API access tokens (e.g. `api://lakemesh`); "
        "default: the client id.",
    )
    oidc_name_claims: str = Field(
        default="email,preferred_username,upn",
        description="Claims tried in order for a person's principal name (the first present wins).",
    )
    oidc_display_name_claim: str = Field(default="name", description="Claim holding a person's display name.")
    oidc_groups_claim: str = Field(default="groups", description="Claim holding the person's group names.")
    oidc_algorithms: str = Field(
        default="RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA",
        description="Signature algorithms accepted on IdP tokens (asymmetric only; `none` and HMAC never are).",
    )
    oidc_leeway_seconds: int = Field(
        default=60, ge=0, le=300, description="Clock skew tolerated on `exp`/`nbf`/`iat` of IdP tokens."
    )
    oidc_opaque_cache_seconds: int = Field(
        default=120,
        ge=0,
        le=300,
        description="How long an opaque IdP access token's userinfo/introspection answer is reused.",
    )
    oidc_link_by_email: bool = Field(
        default=True,
        description="A person's first IdP sign-in takes over an existing token principal with the same (verified) "
        "e-mail that no IdP identity holds yet, keeping its roles.",
    )

    @field_validator("masking_key")
    @classmethod
    def _letters_and_digits(cls, key: SecretStr | None) -> SecretStr | None:
        """The pattern check a plain str field had; SecretStr fields take no `pattern`."""
        if key is not None and not re.fullmatch(r"[A-Za-z0-9]+", key.get_secret_value()):
            raise ValueError("must be letters and digits only")
        return key

    @property
    def resolved_catalog_url(self) -> str:
        return self.catalog_url or f"sqlite:///{self.home / 'catalog.db'}"

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or self.home / "keys"

    @property
    def resolved_data_root(self) -> str:
        return self.data_root or str(self.home / "data")

    @property
    def spill_directory(self) -> Path:
        """Where queries past their memory limit spill intermediate results."""
        return self.home / "tmp" / "spill"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
