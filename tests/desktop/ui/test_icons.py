"""Tray and application icons drawn by QPainter, and the packaging render script."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QImageReader

from desktop.ui.icons import APP_SIZES, TRAY_SIZES, TrayState, app_icon, tray_icon, tray_image

RENDER_SCRIPT = Path(__file__).parents[3] / "resources" / "icons" / "render.py"


def share(image: QImage, looks: str) -> float:
    """The share of opaque pixels that are clearly red, green or grey."""
    matches = opaque = 0
    for x in range(image.width()):
        for y in range(image.height()):
            color = QColor.fromRgba(image.pixel(x, y))
            if color.alpha() < 200:
                continue
            opaque += 1
            r, g, b = color.red(), color.green(), color.blue()
            if looks == "red":
                matches += r > 180 and g < 90 and b < 90
            elif looks == "green":
                matches += g > 120 and r < 90 and b < 110
            else:
                matches += abs(r - g) < 12 and abs(g - b) < 12 and 100 < r < 180
    return matches / opaque


def load_render_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_icons", RENDER_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("state", list(TrayState))
def test_tray_icon_has_every_tray_size(qapp: Any, state: TrayState) -> None:
    """Each state is drawn at every size a tray may ask for."""
    sizes = tray_icon(state, 2).availableSizes()
    assert sizes == [QSize(size, size) for size in TRAY_SIZES]


def test_tray_states_look_different(qapp: Any) -> None:
    """No two states share a picture."""
    images = [tray_image(state, 32, 3) for state in TrayState]
    assert len({bytes(image.constBits()) for image in images}) == len(TrayState)


def test_connected_icon_is_green(qapp: Any) -> None:
    """The calm state is a green bell."""
    assert share(tray_image(TrayState.CONNECTED, 64), "green") > 0.5


def test_alerting_icon_is_red(qapp: Any) -> None:
    """The alerting state is a red bell."""
    assert share(tray_image(TrayState.ALERTING, 64, 3), "red") > 0.3


def test_alerting_icon_shows_the_count(qapp: Any) -> None:
    """The badge changes with the number of waiting orders."""
    three = tray_image(TrayState.ALERTING, 32, 3)
    four = tray_image(TrayState.ALERTING, 32, 4)
    assert bytes(three.constBits()) != bytes(four.constBits())


def test_disconnected_icon_is_grey_with_a_red_cross(qapp: Any) -> None:
    """The broken link shows a grey bell under an alarming red cross."""
    image = tray_image(TrayState.DISCONNECTED, 64)
    assert share(image, "grey") > 0.2
    assert share(image, "red") > 0.15


def test_app_icon_sizes(qapp: Any) -> None:
    """The app icon goes up to 256 px for installers."""
    assert QSize(256, 256) in app_icon().availableSizes()


def test_render_script_writes_png_and_multi_size_ico(qapp: Any, tmp_path: Path) -> None:
    """The packaging script writes a 256 px PNG and an ICO holding every app icon size."""
    png, ico = load_render_script().render(tmp_path)
    assert QImage(str(png)).size() == QSize(256, 256)
    reader = QImageReader(str(ico))
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        sizes.append(reader.read().width())
    assert sorted(sizes) == sorted(APP_SIZES)
