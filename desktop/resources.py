"""Finding bundled files (icons, sounds, translations) from source and from a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The ``resources`` folder: inside the PyInstaller bundle when frozen, else the repo's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a bundled file, e.g. ``resource_path("icons", "bell.png")``."""
    return resources_root().joinpath(*parts)


def chime_path() -> Path:
    """The new-order chime (resources/sounds/chime.wav, rendered by its render.py)."""
    return resource_path("sounds", "chime.wav")
