"""Saving and loading settings.json: atomic writes, and nothing lost when the file is damaged."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from desktop.config import DesktopSettings, SettingsStore


def test_missing_file_gives_defaults(store: SettingsStore) -> None:
    """Before the first save, load() returns the defaults without creating anything."""
    assert store.load() == DesktopSettings()
    assert not store.config_dir.exists()


def test_save_then_load_round_trips(store: SettingsStore) -> None:
    """Every saved value comes back unchanged."""
    settings = DesktopSettings(
        server_url="https://shop.example",
        language="zh",
        voice="sit/cmn",
        rate=150,
        volume=0.4,
        repeat_interval_s=45,
        link_down_threshold_s=120,
        link_alarm_repeat_s=300,
        start_at_login=True,
    )
    store.save(settings)
    assert store.load() == settings


def test_save_writes_readable_utf8_json(store: SettingsStore) -> None:
    """The file is plain JSON with one key per setting, Chinese kept readable."""
    store.save(DesktopSettings(voice="普通话"))
    text = store.path.read_text(encoding="utf-8")
    assert "普通话" in text
    assert json.loads(text)["rate"] == 180


def test_save_leaves_no_temporary_files(store: SettingsStore) -> None:
    """After two saves only settings.json is in the folder."""
    store.save(DesktopSettings(rate=100))
    store.save(DesktopSettings(rate=200))
    assert [p.name for p in store.config_dir.iterdir()] == ["settings.json"]


def test_failed_save_keeps_the_old_file(
    store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final replace fails, the previous settings file is intact and no temp file stays."""
    store.save(DesktopSettings(rate=100))

    def refuse(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("desktop.files.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        store.save(DesktopSettings(rate=200))
    monkeypatch.undo()
    assert store.load().rate == 100
    assert [p.name for p in store.config_dir.iterdir()] == ["settings.json"]


def test_corrupt_json_is_kept_aside(store: SettingsStore, caplog: pytest.LogCaptureFixture) -> None:
    """Garbage in settings.json is copied to settings.json.bad-<timestamp> and defaults load."""
    store.config_dir.mkdir()
    store.path.write_bytes(b'{"rate": 12')
    with caplog.at_level(logging.WARNING, logger="desktop.config"):
        settings = store.load()
    assert settings == DesktopSettings()
    backups = sorted(store.config_dir.glob("settings.json.bad-*"))
    assert [b.read_bytes() for b in backups] == [b'{"rate": 12']
    assert "not valid JSON" in caplog.text


def test_out_of_range_value_keeps_the_good_ones(store: SettingsStore) -> None:
    """One bad value falls back to its default; the others load as saved."""
    store.config_dir.mkdir()
    store.path.write_text(json.dumps({"rate": 5000, "language": "en", "volume": 0.3}))
    settings = store.load()
    assert (settings.rate, settings.language, settings.volume) == (180, "en", 0.3)


def test_out_of_range_value_is_logged(
    store: SettingsStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The warning names the bad setting and where the original was kept."""
    store.config_dir.mkdir()
    store.path.write_text(json.dumps({"rate": 5000}))
    with caplog.at_level(logging.WARNING, logger="desktop.config"):
        store.load()
    assert "rate: expected 80..300, got 5000" in caplog.text
    assert "settings.json.bad-" in caplog.text


def test_damaged_file_is_repaired_after_the_copy(store: SettingsStore) -> None:
    """After keeping the copy, the repaired settings are saved, so the next load is clean."""
    store.config_dir.mkdir()
    original = json.dumps({"rate": 5000, "language": "en"})
    store.path.write_text(original)
    store.load()
    store.load()
    backups = list(store.config_dir.glob("settings.json.bad-*"))
    assert [b.read_text() for b in backups] == [original]
    assert json.loads(store.path.read_text())["language"] == "en"


def test_backup_names_never_collide(tmp_path: Path) -> None:
    """Two damaged files in the same second get two distinct backups."""
    store = SettingsStore(tmp_path, clock=lambda: 1_790_000_000.0)
    for text in ("first", "second"):
        store.path.write_text(text)
        store.load()
    backups = sorted(p.read_text() for p in tmp_path.glob("settings.json.bad-*"))
    assert backups == ["first", "second"]


def test_unreadable_file_gives_defaults(store: SettingsStore) -> None:
    """A settings path that cannot be read (here a folder) gives defaults instead of a crash."""
    store.path.mkdir(parents=True)
    assert store.load() == DesktopSettings()
