"""build.spec, run with stand-ins for PyInstaller's build steps: what the app bundle holds."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PyInstaller import compat
from PyInstaller.utils.hooks import qt as qt_hooks

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "build.spec"
MIGRATIONS = REPO / "backend" / "store" / "migrations"


class Step:
    """Stands in for one of PyInstaller's build steps and keeps what the spec passed to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.pure: list[Any] = []
        self.scripts: list[Any] = []
        self.binaries: list[tuple[str, str, str]] = []
        self.datas: list[tuple[str, str, str]] = []


class Analysis(Step):
    pass


class EXE(Step):
    pass


class COLLECT(Step):
    pass


@pytest.fixture(scope="module")
def spec() -> Iterator[dict[str, Any]]:
    """The spec's namespace after it ran; PyInstaller's Qt hook is restored afterwards."""
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "SPECPATH": str(REPO),
        "Analysis": Analysis,
        "PYZ": Step,
        "EXE": EXE,
        "COLLECT": COLLECT,
        "BUNDLE": Step,
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            qt_hooks.QtLibraryInfo, "collect_plugins", qt_hooks.QtLibraryInfo.collect_plugins
        )
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)  # noqa: S102
        yield namespace


@pytest.fixture(scope="module")
def analysis(spec: dict[str, Any]) -> Analysis:
    found: Analysis = spec["a"]
    return found


def bundled(analysis: Analysis) -> dict[str, Path]:
    """Where each data file from the repository lands in the bundle -> its source."""
    files = {}
    for source, folder in analysis.kwargs["datas"]:
        path = Path(source)
        # Installed packages' data (in a .venv inside the repository) are not repository files.
        if path.is_file() and REPO in path.parents and "site-packages" not in path.parts:
            files[f"{folder}/{path.name}"] = path
    return files


def test_every_data_file_the_spec_lists_exists(analysis: Analysis) -> None:
    """Nothing the spec bundles is missing from the repository or the environment."""
    missing = [source for source, _ in analysis.kwargs["datas"] if not Path(source).exists()]
    assert not missing


def test_data_files_keep_their_repository_folders(analysis: Analysis) -> None:
    """The bundle mirrors the repository, so resource_path and Alembic find files frozen too."""
    for destination, source in bundled(analysis).items():
        assert destination == source.relative_to(REPO).as_posix()


def test_icons_and_translations_are_bundled(analysis: Analysis) -> None:
    """The app icon in all three formats and the compiled Chinese translations ship."""
    files = bundled(analysis)
    for name in ("orderbell.png", "orderbell.ico", "orderbell.icns"):
        assert f"resources/icons/{name}" in files
    assert "resources/translations/orderbell_zh.qm" in files


def test_the_printer_database_of_python_escpos_is_bundled(analysis: Analysis) -> None:
    """python-escpos reads capabilities.json from its package folder when it is imported."""
    datas = [(Path(source).name, folder) for source, folder in analysis.kwargs["datas"]]
    assert ("capabilities.json", "escpos") in datas


def test_the_chime_is_bundled(analysis: Analysis) -> None:
    """The new-order chime ships where resource_path looks for it in a frozen app."""
    assert "resources/sounds/chime.wav" in bundled(analysis)


def test_every_migration_is_bundled(analysis: Analysis) -> None:
    """Alembic reads env.py and each revision as files, so all of them ship as data."""
    files = bundled(analysis)
    revisions = sorted(MIGRATIONS.glob("versions/*.py"))
    assert revisions
    for path in [MIGRATIONS / "env.py", *revisions]:
        assert path.relative_to(REPO).as_posix() in files


def test_package_metadata_ships_for_the_version(analysis: Analysis) -> None:
    """``OrderBell --version`` reads the package metadata, so its dist-info is bundled."""
    folders = [folder for _, folder in analysis.kwargs["datas"]]
    assert any(
        folder.startswith("orderbell-") and folder.endswith(".dist-info") for folder in folders
    )


def test_every_hidden_import_can_be_found(analysis: Analysis) -> None:
    """Each module the spec names for PyInstaller exists in this environment."""
    unknown = [
        name for name in analysis.kwargs["hiddenimports"] if importlib.util.find_spec(name) is None
    ]
    assert not unknown


def test_uvicorns_dynamic_imports_are_named(analysis: Analysis) -> None:
    """uvicorn loads its protocols, loop and lifespan by name; the spec lists them."""
    hidden = set(analysis.kwargs["hiddenimports"])
    assert {
        "uvicorn.protocols.websockets.websockets_sansio_impl",
        "uvicorn.protocols.http.h11_impl",
        "uvicorn.lifespan.on",
        "uvicorn.loops.asyncio",
        "sqlalchemy.dialects.sqlite.aiosqlite",
    } <= hidden


def test_only_the_qt_modules_the_app_uses_are_shipped(analysis: Analysis) -> None:
    """Every PySide6 module but QtCore, QtGui, QtWidgets and QtNetwork is excluded."""
    excluded = set(analysis.kwargs["excludes"])
    for used in ("QtCore", "QtGui", "QtWidgets", "QtNetwork"):
        assert f"PySide6.{used}" not in excluded
    assert {"PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtSvg", "PySide6.QtDBus"} <= excluded


@pytest.mark.parametrize(
    ("destination", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True),
        ("PySide6/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
        ("PySide6/translations/qtbase_zh_CN.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/translations/qtdeclarative_zh_CN.qm", False),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("resources/translations/orderbell_zh.qm", True),
    ],
)
def test_qt_files_kept(spec: dict[str, Any], destination: str, kept: bool) -> None:
    """Platforms, icon formats, styles and Chinese stay; other plugins and languages go."""
    assert spec["keep_qt_file"](destination) is kept


def test_unused_qt_plugins_are_never_collected(spec: dict[str, Any]) -> None:
    """The plugin filter sits where PyInstaller collects plugins, before their libraries."""
    assert qt_hooks.QtLibraryInfo.collect_plugins.__name__ == "collect_kept_plugins"

    def collect(_self: object, plugin_type: str) -> list[tuple[str, str]]:
        folder = f"PySide6/Qt/plugins/{plugin_type}"
        return [("/qt/libqxcb.so", folder), ("/qt/libqwayland-egl.so", folder)]

    kept = spec["keep_collected_qt_plugins"](collect)(None, "platforms")
    assert kept == [("/qt/libqxcb.so", "PySide6/Qt/plugins/platforms")]


def test_the_app_is_a_windowed_onedir_orderbell_in_utf8_mode(spec: dict[str, Any]) -> None:
    """One EXE named OrderBell without a console, its files beside it, Python in UTF-8 mode."""
    exe: EXE = spec["exe"]
    assert exe.kwargs["name"] == "OrderBell"
    assert exe.kwargs["console"] is False
    assert exe.kwargs["exclude_binaries"] is True  # onedir: COLLECT gathers the files
    assert ("X utf8_mode=1", None, "OPTION") in exe.args[2]
    collect: COLLECT = spec["coll"]
    assert collect.kwargs["name"] == "OrderBell"


@pytest.mark.parametrize(
    ("platform", "suffix"), [("win32", ".ico"), ("darwin", ".icns"), ("linux", ".png")]
)
def test_each_platform_gets_its_icon_format(
    spec: dict[str, Any], platform: str, suffix: str
) -> None:
    """.ico for Windows, .icns for macOS, .png elsewhere, all rendered into resources/icons."""
    icon = Path(spec["app_icon"](platform))
    assert icon.suffix == suffix
    assert icon.is_file()


def test_windows_version_info_names_the_product(
    spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exe's version resource says OrderBell (toasts show it) and the package version."""
    # PyInstaller's versioninfo imports pefile and win32api (Windows-only) to read and patch
    # exe files; building and encoding the resource needs neither.
    monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
    monkeypatch.setattr(compat, "win32api", None, raising=False)
    info = spec["windows_version_info"]("0.1.0")
    text = str(info)
    assert "StringStruct('ProductName', 'OrderBell')" in text
    assert "StringStruct('FileDescription', 'OrderBell')" in text
    assert "StringStruct('ProductVersion', '0.1.0')" in text
    assert "filevers=(0, 1, 0, 0)" in text
    assert len(info.toRaw()) > 200  # encodes as a Windows VS_VERSIONINFO resource


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3rc1", (1, 2, 3, 0)),
        ("2", (2, 0, 0, 0)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
    ],
)
def test_version_numbers_for_windows(
    spec: dict[str, Any], text: str, numbers: tuple[int, ...]
) -> None:
    """A package version becomes the four numbers of a Windows version resource."""
    assert spec["numeric_version"](text) == numbers
