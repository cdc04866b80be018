"""The device token lives in the keyring under the server's host, or else in an owner-only file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring.core
import keyring.errors
import pytest

from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore, token_account
from desktop.token_store import KEYRING_SERVICE, TOKEN_FILE, TokenPlace, TokenStorageError

TOKEN = "ob_dev_4f1c9a2b7e"


class LockedKeyring(MemoryKeyring):
    """A keyring that refuses every request, like a locked or absent system keyring."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the keyring is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the keyring is locked")


def test_token_round_trips_through_the_keyring(store: SettingsStore) -> None:
    """save_token then load_token returns the same token."""
    store.save(DesktopSettings(server_url="https://shop.example:8443"))
    store.save_token(TOKEN)
    assert store.load_token() == TOKEN


def test_token_is_stored_under_service_and_host(
    store: SettingsStore, memory_keyring: MemoryKeyring
) -> None:
    """The keyring entry is service "OrderBell", user name the server's host."""
    store.save(DesktopSettings(server_url="https://shop.example:8443"))
    store.save_token(TOKEN)
    assert memory_keyring.passwords == {(KEYRING_SERVICE, "shop.example"): TOKEN}


def test_token_never_reaches_the_config_folder(store: SettingsStore) -> None:
    """No file in the config folder contains the token."""
    store.save(DesktopSettings(server_url="https://shop.example"))
    store.save_token(TOKEN)
    for path in store.config_dir.rglob("*"):
        assert TOKEN not in path.read_text(encoding="utf-8")


def test_explicit_server_url_names_the_entry(
    store: SettingsStore, memory_keyring: MemoryKeyring
) -> None:
    """Passing the new server address stores the token under it before settings are saved."""
    store.save_token(TOKEN, server_url="http://10.0.0.5:8000")
    assert memory_keyring.passwords == {(KEYRING_SERVICE, "10.0.0.5"): TOKEN}


def test_account_is_default_without_a_server() -> None:
    """With no server address the token is stored as user "default"."""
    assert token_account("") == "default"


def test_no_token_loads_as_none(store: SettingsStore) -> None:
    """An empty keyring gives None."""
    assert store.load_token() is None


def test_empty_token_is_refused(store: SettingsStore) -> None:
    """An empty or blank token is a ValueError, not an empty keyring entry."""
    with pytest.raises(ValueError, match="empty"):
        store.save_token("   ")


def test_missing_keyring_reads_as_no_token(tmp_path: Path) -> None:
    """A system without a usable keyring reads as "no token" (so Settings opens)."""
    store = SettingsStore(tmp_path, LockedKeyring())
    assert store.load_token() is None


def test_without_a_keyring_the_token_goes_to_an_owner_only_file(tmp_path: Path) -> None:
    """No usable keyring: the token is kept in a file only this user can read (0600)."""
    store = SettingsStore(tmp_path, LockedKeyring())
    assert store.save_token(TOKEN, server_url="https://shop.example") is TokenPlace.FILE
    path = tmp_path / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load_token("https://shop.example") == TOKEN


def test_the_token_file_is_never_readable_by_others_while_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a lax umask gives an owner-only file."""
    monkeypatch.setattr(os, "umask", os.umask)
    old = os.umask(0)
    try:
        SettingsStore(tmp_path, LockedKeyring()).save_token(TOKEN)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / TOKEN_FILE).stat().st_mode) == 0o600


def test_a_loosened_token_file_is_made_owner_only_again(tmp_path: Path) -> None:
    """A token file someone made readable to others is restricted again when read."""
    store = SettingsStore(tmp_path, LockedKeyring())
    store.save_token(TOKEN)
    path = tmp_path / TOKEN_FILE
    path.chmod(0o644)
    assert store.load_token() == TOKEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_keyring_that_works_again_takes_the_token_out_of_the_file(tmp_path: Path) -> None:
    """Saved to the keyring later, the token leaves no copy in the file."""
    SettingsStore(tmp_path, LockedKeyring()).save_token(TOKEN, server_url="https://a.example")
    working = MemoryKeyring()
    store = SettingsStore(tmp_path, working)
    assert store.load_token("https://a.example") == TOKEN
    assert store.save_token(TOKEN, server_url="https://a.example") is TokenPlace.KEYRING
    assert not (tmp_path / TOKEN_FILE).exists()
    assert store.load_token("https://a.example") == TOKEN


def test_tokens_of_several_servers_share_the_file(tmp_path: Path) -> None:
    """Each server's token is kept under its host."""
    store = SettingsStore(tmp_path, LockedKeyring())
    store.save_token("one", server_url="https://a.example")
    store.save_token("two", server_url="https://b.example")
    assert store.load_token("https://a.example") == "one"
    assert store.load_token("https://b.example") == "two"


def test_a_damaged_token_file_is_kept_aside_and_reads_as_no_token(tmp_path: Path) -> None:
    """Garbage in the token file: no token (settings open), and the file is kept, not lost."""
    (tmp_path / TOKEN_FILE).write_bytes(b"\xff{not json")
    store = SettingsStore(tmp_path, LockedKeyring())
    assert store.load_token() is None
    kept = list(tmp_path.glob(f"{TOKEN_FILE}.bad-*"))
    assert [path.read_bytes() for path in kept] == [b"\xff{not json"]


def test_nowhere_to_store_the_token_says_so(tmp_path: Path) -> None:
    """Neither a keyring nor a writable file: TokenStorageError, without packaging advice."""
    (tmp_path / TOKEN_FILE).mkdir()
    store = SettingsStore(tmp_path, LockedKeyring())
    with pytest.raises(TokenStorageError) as caught:
        store.save_token(TOKEN)
    assert TOKEN_FILE in str(caught.value)
    assert "install" not in str(caught.value).lower()


@pytest.fixture
def misconfigured_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment names a keyring backend that cannot be imported."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


@pytest.mark.usefixtures("misconfigured_keyring")
def test_a_keyring_that_cannot_be_loaded_reads_as_no_token(tmp_path: Path) -> None:
    """A backend that fails to load is one more unusable keyring: no token, no crash."""
    store = SettingsStore(tmp_path)
    assert store.load_token("https://shop.example") is None


@pytest.mark.usefixtures("misconfigured_keyring")
def test_a_keyring_that_cannot_be_loaded_leaves_the_token_in_the_file(tmp_path: Path) -> None:
    """A backend that fails to load: the token is kept in the owner-only file."""
    store = SettingsStore(tmp_path)
    assert store.save_token(TOKEN, server_url="https://shop.example") is TokenPlace.FILE
    assert store.load_token("https://shop.example") == TOKEN


@pytest.mark.usefixtures("misconfigured_keyring")
def test_a_keyring_that_cannot_be_loaded_is_tried_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backend that fails on import is not imported again on every token access."""
    attempts: list[int] = []
    load = keyring.get_keyring

    def counted() -> object:
        attempts.append(1)
        return load()

    monkeypatch.setattr(keyring, "get_keyring", counted)
    store = SettingsStore(tmp_path)
    assert store.load_token("https://shop.example") is None
    assert store.load_token("https://shop.example") is None
    store.save_token(TOKEN, server_url="https://shop.example")
    assert len(attempts) == 1


def test_first_run_without_server(store: SettingsStore) -> None:
    """A fresh install is a first run."""
    assert store.is_first_run()


def test_first_run_without_token(store: SettingsStore) -> None:
    """A server address without a token is still a first run."""
    store.save(DesktopSettings(server_url="https://shop.example"))
    assert store.is_first_run()


def test_not_first_run_with_server_and_token(store: SettingsStore) -> None:
    """Server address and token present: Settings need not open."""
    store.save(DesktopSettings(server_url="https://shop.example"))
    store.save_token(TOKEN)
    assert not store.is_first_run()


def test_memory_keyring_is_never_chosen_by_itself() -> None:
    """Its negative priority keeps keyring from picking it as the user's real keyring."""
    assert MemoryKeyring.priority < 0
