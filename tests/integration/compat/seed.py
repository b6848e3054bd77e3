"""The seed's code blocks, cut from its text verbatim, and the substitutions the issue allows (nothing else)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

SEED = Path(__file__).parents[2] / "seed_guide.txt"  # a copy of shared/seed/000_21f4ed4e26104019.txt
FABRIC_URL = "https://api.fabric.microsoft.com/v1"
PURVIEW_URL = "https://{purview_account}.purview.azure.com"  # any account name: the f-string stays as written


def block(first_line: str, end_marker: str, after: str = "") -> str:
    """The lines from `first_line` (inclusive, the first one past `after`) to `end_marker` (exclusive)."""
    text = SEED.read_text()
    start = text.index(first_line, text.index(after))
    return text[start : text.index(end_marker, start)]


def run(code: str, server_url: str, token: str, replacements: dict[str, str] | None = None) -> dict[str, Any]:
    """Executes `code` with only the base URL, token (via the credential) and placeholder ids substituted."""
    code = code.replace(FABRIC_URL, f"{server_url}/fabric/v1").replace(PURVIEW_URL, f"{server_url}/purview")
    for old, new in (replacements or {}).items():
        code = code.replace(f'"{old}"', f'"{new}"')
    namespace: dict[str, Any] = {"__name__": "seed"}
    saved = {k: sys.modules.get(k) for k in ("azure", "azure.identity")}
    sys.modules["azure"], sys.modules["azure.identity"] = types.ModuleType("azure"), _identity(token)
    try:
        exec(compile(code, str(SEED), "exec"), namespace)  # the point: run the seed verbatim
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return namespace


def _identity(token: str) -> types.ModuleType:
    """`DefaultAzureCredential().get_token(...)` answers a Lakemesh token: the one substitution of the credential."""
    module = types.ModuleType("azure.identity")

    class DefaultAzureCredential:
        def get_token(self, *scopes: str) -> Any:
            return types.SimpleNamespace(token=token, expires_on=2**31)

    module.DefaultAzureCredential = DefaultAzureCredential  # type: ignore[attr-defined]
    return module
