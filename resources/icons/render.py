"""Render the application icon to orderbell.png, orderbell.ico and orderbell.icns for packaging.

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
# The PNG-typed entries of a macOS .icns: 1x and 2x ("@2x" Retina) images of each point size.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16 pt @2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32 pt @2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128 pt @2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256 pt @2x
    (b"ic10", 1024),  # 512 pt @2x
)


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


def icns_bytes(entries: list[tuple[bytes, QImage]]) -> bytes:
    """A macOS .icns holding one PNG per (type, image) entry (read by macOS 10.7 and later).

    The container is a big-endian header ("icns", total length) followed by entries of
    (four-letter type, length including this 8-byte header, data). Qt has no .icns writer.
    """
    body = b""
    for kind, image in entries:
        png = png_bytes(image)
        body += kind + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render_icns(directory: Path) -> Path:
    """Write orderbell.icns (16 to 1024 px) into ``directory``."""
    path = directory / "orderbell.icns"
    images = {size: app_image(size) for size in sorted({size for _, size in ICNS_TYPES})}
    path.write_bytes(icns_bytes([(kind, images[size]) for kind, size in ICNS_TYPES]))
    return path


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
    for path in (*render(directory), render_icns(directory)):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    del app


if __name__ == "__main__":
    main()
