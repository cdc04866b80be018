"""The ``orderbell`` command's entry point: a clear line when the counter app is not installed."""

from __future__ import annotations

import importlib.util
import sys

# What the counter app needs beyond the server (pyproject.toml's `desktop` extra).
DESKTOP_MODULES = ("PySide6", "qasync", "pyttsx3", "keyring", "escpos")


def missing_desktop_modules() -> list[str]:
    """The counter app's modules that cannot be imported here (a server-only install)."""
    return [name for name in DESKTOP_MODULES if importlib.util.find_spec(name) is None]


def main() -> int:
    """Run the counter app, or say in one line how to install it and exit 2."""
    missing = missing_desktop_modules()
    if missing:
        print(
            "orderbell: the counter app is not installed here (missing: "
            f"{', '.join(missing)}); install it with: pip install 'orderbell[desktop]'",
            file=sys.stderr,
        )
        return 2
    from desktop.__main__ import main as run_counter_app

    return run_counter_app()
