"""The event cursor file: survives restarts, tolerates damage, is replaced atomically."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from desktop.core.cursor import CursorSaveError, CursorStore


def test_missing_file_means_no_cursor(tmp_path: Path) -> None:
    """A first start has no cursor."""
    assert CursorStore(tmp_path / "cursor").load() is None


def test_saved_cursor_is_loaded(tmp_path: Path) -> None:
    """A saved id is read back, also by a new store (a restart)."""
    CursorStore(tmp_path / "cursor").save(1234)
    assert CursorStore(tmp_path / "cursor").load() == 1234


def test_save_replaces_the_previous_value(tmp_path: Path) -> None:
    """The last saved id wins."""
    store = CursorStore(tmp_path / "cursor")
    store.save(1)
    store.save(2)
    assert store.load() == 2


def test_save_creates_missing_directories(tmp_path: Path) -> None:
    """The data directory does not have to exist yet."""
    store = CursorStore(tmp_path / "a" / "b" / "cursor")
    store.save(7)
    assert store.load() == 7


@pytest.mark.parametrize("content", [b"", b"abc", b"12x", b"-3", b"\xff\xfe", b"1.5"])
def test_corrupt_file_means_no_cursor_and_a_warning(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged cursor file is ignored with a warning, never raised."""
    path = tmp_path / "cursor"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="desktop.core.cursor"):
        assert CursorStore(path).load() is None
    assert "cursor" in caplog.text


def test_unreadable_path_means_no_cursor(tmp_path: Path) -> None:
    """A directory where the file should be is treated like damage, not raised."""
    path = tmp_path / "cursor"
    path.mkdir()
    assert CursorStore(path).load() is None


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    """Only the cursor file remains after saving."""
    store = CursorStore(tmp_path / "cursor")
    for event_id in range(5):
        store.save(event_id)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cursor"]


def test_save_goes_through_a_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new value is written beside the file and renamed over it, so a crash leaves the old
    or the new value, never a torn one."""
    path = tmp_path / "cursor"
    CursorStore(path).save(1)
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def recording_replace(src: str, dst: str) -> None:
        replaced.append((src, dst))
        assert path.read_text() == "1\n"
        assert Path(src).read_text() == "2\n"
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    CursorStore(path).save(2)
    ((src, dst),) = replaced
    assert Path(src).parent == tmp_path
    assert Path(dst) == path
    assert path.read_text() == "2\n"


def test_failed_save_keeps_old_value_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while replacing raises CursorSaveError and leaves the old file intact."""
    path = tmp_path / "cursor"
    CursorStore(path).save(1)

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CursorSaveError, match="No space left"):
        CursorStore(path).save(2)
    assert CursorStore(path).load() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cursor"]


def test_save_into_unwritable_place_raises_cursor_save_error(tmp_path: Path) -> None:
    """A parent that is a file cannot hold the cursor: a clear CursorSaveError."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(CursorSaveError, match="cannot save the event cursor"):
        CursorStore(blocker / "cursor").save(1)


def test_negative_id_is_refused(tmp_path: Path) -> None:
    """Event ids are never negative."""
    with pytest.raises(ValueError, match="not negative"):
        CursorStore(tmp_path / "cursor").save(-1)
