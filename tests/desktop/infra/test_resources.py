"""One resource-path helper for running from source and from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.resources import resource_path, resources_root

REPO = Path(__file__).resolve().parents[3]


def test_from_source_it_is_the_repo_resources_folder() -> None:
    """Unfrozen, resources are the repository's top-level resources/ folder."""
    assert resources_root() == REPO / "resources"
    assert resource_path("translations").is_dir()


def test_parts_are_joined() -> None:
    """resource_path("icons", "x.png") is resources/icons/x.png."""
    assert resource_path("icons", "bell.png") == REPO / "resources" / "icons" / "bell.png"


def test_frozen_it_is_inside_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a frozen build, resources come from sys._MEIPASS/resources."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("translations", "orderbell_zh.qm") == (
        tmp_path / "resources" / "translations" / "orderbell_zh.qm"
    )


def test_frozen_flag_without_bundle_uses_the_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """A frozen flag without _MEIPASS (another freezer) still finds the source resources."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resources_root() == REPO / "resources"


def test_installed_it_is_the_packages_assets_folder(tmp_path: Path) -> None:
    """Installed from a wheel, resources come from desktop/assets beside the package's modules."""
    package = tmp_path / "site-packages" / "desktop"
    (package / "assets" / "translations").mkdir(parents=True)
    assert resources_root(package) == package / "assets"


def test_a_source_tree_without_assets_uses_the_repo_folder(tmp_path: Path) -> None:
    """A package folder without assets/ (a checkout) finds resources/ beside it."""
    package = tmp_path / "checkout" / "desktop"
    package.mkdir(parents=True)
    assert resources_root(package) == tmp_path / "checkout" / "resources"
