"""Settings, read once from the environment (prefix `LAKEMESH_`) and passed down explicitly."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    host: str = Field(default="127.0.0.1", description="Address `lakemesh serve` binds to.")
    port: int = Field(default=8484, description="Port `lakemesh serve` listens on.")
    public_url: str | None = Field(default=None, description="URL clients reach the server at, if not host:port.")
    max_body_bytes: int = Field(default=2 * 1024 * 1024, description="Largest JSON request body accepted.")
    allow_domain_creation: bool = Field(
        default=False,
        description="Let every authenticated principal create domains (self-serve); "
        "otherwise only platform admins can.",
    )

    @property
    def resolved_catalog_url(self) -> str:
        return self.catalog_url or f"sqlite:///{self.home / 'catalog.db'}"

    @property
    def resolved_data_root(self) -> str:
        return self.data_root or str(self.home / "data")

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
