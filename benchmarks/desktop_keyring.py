"""A plain-file keyring for benchmark runs of the real ``orderbell`` command (never for real use).

Selected with ``PYTHON_KEYRING_BACKEND=benchmarks.desktop_keyring.FileKeyring``; the file is named
by ``ORDERBELL_BENCH_KEYRING``. The benchmark machine has no Secret Service to store a token in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend

ENV = "ORDERBELL_BENCH_KEYRING"


class FileKeyring(KeyringBackend):
    """Passwords in a JSON file named by the environment."""

    priority = -1  # never chosen unless asked for by name

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def _path(self) -> Path:
        return Path(os.environ[ENV])

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(key): str(value) for key, value in data.items()}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._path().write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._path().write_text(json.dumps(data), encoding="utf-8")
