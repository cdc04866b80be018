"""Finding bundled files (icons, sounds, translations) from source, installed and frozen."""

from __future__ import annotations

import sys
from pathlib import Path

# Where a wheel installs the files of the repository's resources/ folder (pyproject.toml maps
# them there, so an installed OrderBell adds no generic top-level `resources` package).
INSTALLED_FOLDER = "assets"


def resources_root(package_dir: Path | None = None) -> Path:
    """The resources folder: in the PyInstaller bundle, in the installed package, or the repo's.

    ``package_dir`` is the ``desktop`` package's folder (this module's, unless a test says).
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    package = package_dir or Path(__file__).resolve().parent
    installed = package / INSTALLED_FOLDER
    if installed.is_dir():
        return installed
    return package.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a bundled file, e.g. ``resource_path("icons", "bell.png")``."""
    return resources_root().joinpath(*parts)


def chime_path() -> Path:
    """The new-order chime (resources/sounds/chime.wav, rendered by its render.py)."""
    return resource_path("sounds", "chime.wav")
