"""Logging to a rotating file, with or without a console, and uncaught exceptions logged."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from desktop.logsetup import (
    close_logging,
    configure_logging,
    log_loop_exception,
    log_uncaught_exception,
)


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Put the root logger and the exception hooks back as they were after each test."""
    root = logging.getLogger()
    level = root.level
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    yield
    close_logging()
    root.setLevel(level)


def ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if (h.get_name() or "").startswith("orderbell")]


def test_returns_the_log_file_in_a_created_folder(tmp_path: Path) -> None:
    """The log folder is created and the returned path is orderbell.log inside it."""
    path = configure_logging(tmp_path / "logs" / "deep")
    assert path == tmp_path / "logs" / "deep" / "orderbell.log"
    assert path.parent.is_dir()


def test_records_reach_the_file_in_utf8(tmp_path: Path) -> None:
    """A Chinese log line is written to the file as UTF-8."""
    path = configure_logging(tmp_path, console=False)
    logging.getLogger("desktop.test").info("已播报 尾号1234")
    assert "已播报 尾号1234" in path.read_text(encoding="utf-8")


def test_file_rotates_at_one_megabyte_keeping_five(tmp_path: Path) -> None:
    """The file handler rotates at 1 MB and keeps five old files."""
    configure_logging(tmp_path, console=False)
    (handler,) = ours()
    assert isinstance(handler, RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount, handler.encoding) == (1_000_000, 5, "utf-8")


def test_console_handler_writes_to_stderr(tmp_path: Path) -> None:
    """With a console, a second handler writes to stderr."""
    configure_logging(tmp_path)
    streams = [getattr(h, "stream", None) for h in ours()[1:]]
    assert streams == [sys.stderr]


def test_no_console_when_asked(tmp_path: Path) -> None:
    """console=False installs only the file handler."""
    configure_logging(tmp_path, console=False)
    assert len(ours()) == 1


def test_windowed_build_without_stderr_logs_to_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With sys.stderr = None (a windowed PyInstaller build) it only logs to the file."""
    monkeypatch.setattr(sys, "stderr", None)
    path = configure_logging(tmp_path)
    logging.getLogger("desktop.test").warning("still logged")
    assert len(ours()) == 1
    assert "still logged" in path.read_text(encoding="utf-8")


def test_calling_twice_does_not_duplicate_lines(tmp_path: Path) -> None:
    """Reconfiguring replaces the earlier handlers instead of adding more."""
    configure_logging(tmp_path, console=False)
    path = configure_logging(tmp_path, console=False)
    logging.getLogger("desktop.test").info("once")
    assert path.read_text(encoding="utf-8").count("once") == 1


def test_sets_the_level(tmp_path: Path) -> None:
    """The root logger gets the requested level."""
    configure_logging(tmp_path, level=logging.DEBUG, console=False)
    assert logging.getLogger().level == logging.DEBUG


def test_python_warnings_go_to_the_log(tmp_path: Path) -> None:
    """A Python warning is written to the log file (a windowed build has no stderr for it)."""
    path = configure_logging(tmp_path, console=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)
    assert "DeprecationWarning: an old API" in path.read_text(encoding="utf-8")


def test_uncaught_exception_is_logged(tmp_path: Path) -> None:
    """sys.excepthook writes the exception and its traceback to the log file."""
    path = configure_logging(tmp_path, console=False)
    try:
        raise RuntimeError("slot exploded")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    text = path.read_text(encoding="utf-8")
    assert "uncaught exception" in text
    assert "RuntimeError: slot exploded" in text


def test_keyboard_interrupt_goes_to_the_default_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C is passed to Python's default hook instead of being logged as a crash."""
    seen: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "__excepthook__", lambda kind, value, tb: seen.append(kind))
    log_uncaught_exception(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt]


def test_thread_exception_is_logged(tmp_path: Path) -> None:
    """An exception that ends a worker thread is logged with the thread's name."""
    path = configure_logging(tmp_path, console=False)

    def explode() -> None:
        raise ValueError("worker broke")

    worker = threading.Thread(target=explode, name="speech-worker")
    worker.start()
    worker.join()
    text = path.read_text(encoding="utf-8")
    assert "uncaught exception in thread speech-worker" in text
    assert "ValueError: worker broke" in text


async def test_event_loop_exception_is_logged(tmp_path: Path) -> None:
    """An exception nobody awaited, reported by asyncio, is logged with its traceback."""
    path = configure_logging(tmp_path, console=False)
    loop = asyncio.get_running_loop()
    log_loop_exception(
        loop, {"message": "Task exception was never retrieved", "exception": OSError("gone")}
    )
    text = path.read_text(encoding="utf-8")
    assert "Task exception was never retrieved" in text
    assert "OSError: gone" in text


def test_close_logging_leaves_other_handlers(tmp_path: Path) -> None:
    """close_logging removes only the handlers configure_logging added."""
    before = list(logging.getLogger().handlers)
    configure_logging(tmp_path)
    close_logging()
    assert logging.getLogger().handlers == before
