"""The macOS icon (.icns) that render.py writes from the app's own drawing."""

from __future__ import annotations

import struct
from pathlib import Path
from types import ModuleType
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QImageReader

from tests.scripts import load_script

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


def load_render_script() -> ModuleType:
    return load_script(ICONS / "render.py", "render_icons")


def icns_entries(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of each entry of an .icns file, checking the container's lengths."""
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    entries, offset = [], 8
    while offset < len(data):
        kind = data[offset : offset + 4]
        length = struct.unpack(">I", data[offset + 4 : offset + 8])[0]
        entries.append((kind, data[offset + 8 : offset + length]))
        offset += length
    assert offset == len(data)
    return entries


def test_render_writes_one_png_per_icns_type(qapp: Any, tmp_path: Path) -> None:
    """Each icns entry is a PNG of the size its type stands for, 16 to 1024 px."""
    render = load_render_script()
    path = render.render_icns(tmp_path)
    entries = icns_entries(path.read_bytes())
    assert [kind for kind, _ in entries] == [kind for kind, _ in render.ICNS_TYPES]
    for (_, png), (_, size) in zip(entries, render.ICNS_TYPES, strict=True):
        image = QImage.fromData(png)
        assert image.size() == QSize(size, size)


def test_qt_reads_the_committed_icns_at_every_size(qapp: Any) -> None:
    """The committed orderbell.icns is current: Qt's icns reader finds every size."""
    render = load_render_script()
    reader = QImageReader(str(ICONS / "orderbell.icns"))
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        sizes.append(reader.read().width())
    assert sizes == [size for _, size in render.ICNS_TYPES]
