"""Render the application icon to orderbell.png and orderbell.ico for packaging.

Run from the repository root: ``uv run python resources/icons/render.py [OUTPUT_DIR]``.
The drawing code is the app's own (desktop/ui/icons.py), so the files match what the app shows.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication, QImage

from desktop.ui.icons import APP_SIZES, app_image

PNG_SIZE = 256


def png_bytes(image: QImage) -> bytes:
    """An image encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return data.data()


def ico_bytes(images: list[QImage]) -> bytes:
    """A multi-size .ico whose entries are PNGs (read by Windows Vista and later).

    Qt's own ICO writer stores one image per file, so the container is written here.
    """
    pngs = [png_bytes(image) for image in images]
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries = b""
    for image, png in zip(images, pngs, strict=True):
        # Width and height 0 mean 256 in an ICONDIRENTRY.
        side = image.width() if image.width() < 256 else 0
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + entries + b"".join(pngs)


def render(directory: Path) -> tuple[Path, Path]:
    """Write orderbell.png (256 px) and orderbell.ico (all app icon sizes) into ``directory``."""
    png_path = directory / "orderbell.png"
    ico_path = directory / "orderbell.ico"
    png_path.write_bytes(png_bytes(app_image(PNG_SIZE)))
    ico_path.write_bytes(ico_bytes([app_image(size) for size in APP_SIZES]))
    return png_path, ico_path


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in render(directory):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    del app


if __name__ == "__main__":
    main()
