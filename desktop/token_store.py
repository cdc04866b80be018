"""Where the device token lives: the OS keyring, or else a file only this user can read.

The keyring (Windows Credential Manager, macOS Keychain, Secret Service on Linux) is preferred.
A counter PC without one (a Linux desktop without GNOME Keyring or KWallet, a locked keyring, a
broken keyring backend) keeps the token in ``device-token.json`` in the settings folder instead,
created readable and writable by its owner only (0600) and put back to that if loosened; the app
says so. A token saved to the keyring later leaves no copy in the file.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from enum import Enum
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from desktop.files import keep_aside, write_atomically

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "OrderBell"
TOKEN_FILE = "device-token.json"  # noqa: S105 - a file name
OWNER_ONLY = 0o600


class TokenPlace(Enum):
    """Where a token was saved."""

    KEYRING = "keyring"
    FILE = "file"


class TokenStorageError(RuntimeError):
    """The device token could be stored neither in a keyring nor in the token file."""


class TokenStore:
    """Device tokens by account (the server's host), in ``keyring_backend`` or the token file.

    ``keyring_backend`` None uses the system keyring, loaded on first use; one that fails to
    load counts as no keyring and is not tried again.
    """

    def __init__(self, config_dir: Path, keyring_backend: KeyringBackend | None = None) -> None:
        self.path = config_dir / TOKEN_FILE
        self._keyring = keyring_backend
        self._keyring_failure: str | None = None

    def load(self, account: str) -> str | None:
        """The token of ``account``: from the keyring, else from the token file, else None."""
        try:
            token = self._backend().get_password(KEYRING_SERVICE, account)
        except keyring.errors.KeyringError as exc:
            logger.info("no device token from the system keyring (%s); trying the file", exc)
            token = None
        return token or self._read_file().get(account) or None

    def save(self, account: str, token: str) -> TokenPlace:
        """Store ``token`` for ``account``; says where. Raises TokenStorageError if nowhere."""
        try:
            self._backend().set_password(KEYRING_SERVICE, account, token)
        except keyring.errors.KeyringError as exc:
            logger.warning(
                "the system keyring cannot store the device token (%s); keeping it in %s, "
                "readable by this user only",
                exc,
                self.path,
            )
            try:
                self._write_file(self._read_file() | {account: token})
            except OSError as file_error:
                raise TokenStorageError(
                    f"No system keyring is available ({exc}) and {self.path} cannot be written "
                    f"({file_error})."
                ) from file_error
            return TokenPlace.FILE
        tokens = self._read_file()
        if tokens.pop(account, None) is not None:
            # Now in the keyring: no copy stays behind in a file.
            try:
                self._write_file(tokens)
            except OSError as exc:
                logger.warning("cannot remove the old token copy from %s: %s", self.path, exc)
        return TokenPlace.KEYRING

    def _read_file(self) -> dict[str, str]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            logger.warning("cannot read %s: %s", self.path, exc)
            return {}
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
            logger.warning("%s could be read by other users; made owner-only again", self.path)
            try:
                self.path.chmod(OWNER_ONLY)
            except OSError as exc:
                logger.warning("cannot restrict %s: %s", self.path, exc)
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            kept = keep_aside(self.path)
            logger.warning("token file %s is damaged (%s); kept as %s", self.path, exc, kept)
            return {}
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, dict):
            return {}
        return {str(k): v for k, v in tokens.items() if isinstance(v, str) and v}

    def _write_file(self, tokens: dict[str, str]) -> None:
        if not tokens:
            self.path.unlink(missing_ok=True)
            return
        body = json.dumps({"tokens": tokens}, indent=2) + "\n"
        write_atomically(self.path, body.encode("utf-8"), mode=OWNER_ONLY)

    def _backend(self) -> KeyringBackend:
        if self._keyring is not None:
            return self._keyring
        if self._keyring_failure is not None:
            raise keyring.errors.InitError(self._keyring_failure)
        try:
            return keyring.get_keyring()
        except keyring.errors.KeyringError:
            raise
        except Exception as exc:
            # keyring loads the backend named by PYTHON_KEYRING_BACKEND or its config file by
            # import: a wrong name or a broken backend raises anything at all. It is one more
            # unusable keyring, not a reason for the app not to start.
            self._keyring_failure = f"no usable keyring ({exc!r})"
            raise keyring.errors.InitError(self._keyring_failure) from exc
