"""Secret keys (URL signing, masking) kept out of the catalog: in 0600 files under the keys directory, or in env.

A catalog dump, a read replica or a support bundle then carries no key. Catalogs from older versions held the keys
in a settings row; the first start copies each one out to its file and deletes the row, so signed URLs and masks
stay the same. Replicas share the keys directory (the same home) or the same environment variables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

KEY_NAMES = ("url-signing-key", "masking-salt")


class KeyStore:
    def __init__(self, directory: Path, configured: dict[str, str | None] | None = None) -> None:
        self.directory = directory
        self._configured = {k: v for k, v in (configured or {}).items() if v}

    def get(self, name: str, legacy: Callable[[], str | None] = lambda: None) -> str:
        """The key: configured (env), else its file, else the catalog's legacy value moved out, else a new one."""
        if name in self._configured:
            return str(self._configured[name])
        path = self.directory / name
        if path.exists():
            return path.read_text().strip()
        value = legacy() or secrets.token_hex(32)
        self._write_once(path, value)
        return path.read_text().strip()  # another replica may have written it first: use theirs

    def _write_once(self, path: Path, value: str) -> None:
        """Created 0600 under a 0700 directory, atomically, never replacing a key another process wrote."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory.chmod(0o700)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()

    def files(self) -> list[Path]:
        return [self.directory / n for n in KEY_NAMES if (self.directory / n).is_file()]
