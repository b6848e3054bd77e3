"""`Mesh`: the in-process face of Lakemesh, with the same methods as the remote SDK client."""

from __future__ import annotations

from pathlib import Path

from lakemesh.auth.models import Principal
from lakemesh.core.settings import Settings
from lakemesh.facade.methods import MeshMethods
from lakemesh.pipelines.steps import PythonStep
from lakemesh.platform import Platform


class Mesh(MeshMethods):
    """Acts as one principal on a Platform; `Mesh.open()` uses the local home directory. Its operations are
    declared once in `facade/` and shared with the remote client (`lakemesh.connect`)."""

    def __init__(self, platform: Platform, principal: Principal) -> None:
        self.platform = platform
        self.principal = principal

    @classmethod
    def open(
        cls, home: str | Path | None = None, *, token: str | None = None, settings: Settings | None = None
    ) -> Mesh:
        """Open (and on first use create) a Lakemesh home; act as the token's principal or the local admin."""
        if settings is None:
            settings = Settings(home=Path(home).expanduser()) if home is not None else Settings()
        platform = Platform(settings)
        platform.initialize()
        principal = platform.principals.authenticate(token) if token else platform.principals.bootstrap_admin()
        return cls(platform, principal)

    def as_principal(self, token: str) -> Mesh:
        """The same platform, acting as the principal behind `token`."""
        return Mesh(self.platform, self.platform.principals.authenticate(token))

    def register_pipeline_step(self, name: str, function: PythonStep) -> None:
        """In-process only: make a Python function available to `type: python` steps as `function: <name>`."""
        self.platform.pipelines.register_step(name, function)

    def close(self) -> None:
        self.platform.close()

    def __enter__(self) -> Mesh:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
