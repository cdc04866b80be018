"""Logging to a rotating file (and stderr when there is one); uncaught exceptions are logged."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

LOG_FILE = "orderbell.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_HANDLER_NAMES = ("orderbell-file", "orderbell-console")


def configure_logging(log_dir: Path, *, level: int = logging.INFO, console: bool = True) -> Path:
    """Send the root logger to ``log_dir/orderbell.log`` and return that path.

    Also logs to stderr when ``console`` is set and there is a stderr: a windowed PyInstaller
    build has ``sys.stderr = None``. Installs exception hooks so an uncaught exception, in the
    main thread or any other, is logged instead of vanishing or ending the app. Calling it again
    replaces the handlers it installed before.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    formatter = logging.Formatter(LOG_FORMAT)
    root = logging.getLogger()
    close_logging()

    file_handler = RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    file_handler.set_name(_HANDLER_NAMES[0])
    file_handler.setFormatter(formatter)
    root.addHandler(file_handler)
    if console and sys.stderr is not None:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.set_name(_HANDLER_NAMES[1])
        console_handler.setFormatter(formatter)
        root.addHandler(console_handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a windowed build has no stderr to print them on

    sys.excepthook = log_uncaught_exception
    threading.excepthook = log_uncaught_thread_exception
    return path


def close_logging() -> None:
    """Remove and close the handlers ``configure_logging`` installed (others are left alone)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in _HANDLER_NAMES:
            root.removeHandler(handler)
            handler.close()
    logging.captureWarnings(False)


def log_uncaught_exception(
    exc_type: type[BaseException],
    exc_value: BaseException,
    exc_traceback: TracebackType | None,
) -> None:
    """``sys.excepthook``: log the exception; Ctrl+C still ends a console run as usual."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc_value, exc_traceback)
        return
    logger.critical("uncaught exception", exc_info=(exc_type, exc_value, exc_traceback))


def log_uncaught_thread_exception(args: threading.ExceptHookArgs) -> None:
    """``threading.excepthook``: log an exception that ended a worker thread."""
    if issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "unknown"
    exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
    logger.critical("uncaught exception in thread %s", name, exc_info=exc_info)  # type: ignore[arg-type]


def log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An asyncio exception handler (``loop.set_exception_handler``) that logs and carries on."""
    exception = context.get("exception")
    message = context.get("message", "unhandled exception in the event loop")
    if isinstance(exception, BaseException):
        exc_info = (type(exception), exception, exception.__traceback__)
        logger.error("%s", message, exc_info=exc_info)
    else:
        logger.error("%s: %s", message, context)
