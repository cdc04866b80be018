"""Fixtures for the desktop infrastructure tests: a settings store on an in-memory keyring."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.config import MemoryKeyring, SettingsStore


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(tmp_path: Path, memory_keyring: MemoryKeyring) -> SettingsStore:
    return SettingsStore(tmp_path / "config", memory_keyring, clock=lambda: 1_790_000_000.0)
