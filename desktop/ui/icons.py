"""OrderBell's bell icons, drawn with QPainter so the app needs no image files at run time."""

from __future__ import annotations

import functools
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QIcon,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)

# Everything is drawn on a 100 x 100 grid and scaled to the pixel size asked for.
_GRID = 100.0
TRAY_SIZES = (16, 20, 24, 32, 40, 48, 64)
APP_SIZES = (16, 24, 32, 48, 64, 128, 256)

_GREEN = QColor("#2e9d4f")
_RED = QColor("#e02b20")
_DARK_RED = QColor("#9b1c14")
_GREY = QColor("#8c8c8c")
_SLATE = QColor("#607d8b")
_WHITE = QColor("#ffffff")


class TrayState(Enum):
    """What the tray icon tells staff at a glance."""

    CONNECTED = "connected"
    ALERTING = "alerting"
    DISCONNECTED = "disconnected"
    MUTED = "muted"
    NO_SOUND = "no_sound"


def tray_icon(state: TrayState, count: int = 0) -> QIcon:
    """The tray icon of a state; ``count`` is the badge number while alerting."""
    icon = QIcon()
    for size in TRAY_SIZES:
        icon.addPixmap(QPixmap.fromImage(tray_image(state, size, count)))
    return icon


def app_icon() -> QIcon:
    """The application's window and installer icon."""
    icon = QIcon()
    for size in APP_SIZES:
        icon.addPixmap(QPixmap.fromImage(app_image(size)))
    return icon


def tray_image(state: TrayState, size: int, count: int = 0) -> QImage:
    """One pixel size of a tray icon."""
    # The badge reads "99+" beyond 99, so larger counts share one drawing.
    return QImage(_drawn_tray_image(state, size, min(count, 100)))


@functools.lru_cache(maxsize=256)
def _drawn_tray_image(state: TrayState, size: int, count: int) -> QImage:
    # Cached: the tray changes state often and the drawings never change.
    image, painter = _canvas(size)
    if state is TrayState.CONNECTED:
        _bell(painter, _GREEN)
    elif state is TrayState.ALERTING:
        _bell(painter, _RED)
        if count > 0:
            _count_badge(painter, count)
    elif state is TrayState.DISCONNECTED:
        _bell(painter, _GREY)
        _cross_badge(painter)
    elif state is TrayState.NO_SOUND:
        # Red like an order waiting, crossed out like a lost link: alerts are not heard.
        _bell(painter, _DARK_RED)
        _cross_badge(painter)
    else:
        _bell(painter, _SLATE)
        _slash(painter)
    painter.end()
    return image


def app_image(size: int) -> QImage:
    """One pixel size of the application icon: a white bell on a warm red tile."""
    image, painter = _canvas(size)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, _GRID))
    gradient.setColorAt(0.0, QColor("#ff8f1f"))
    gradient.setColorAt(1.0, QColor("#e0301e"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(gradient))
    painter.drawRoundedRect(QRectF(2, 2, 96, 96), 22, 22)
    painter.translate(15, 13)
    painter.scale(0.7, 0.7)
    _bell(painter, _WHITE, outline=QColor("#b3261e"))
    painter.end()
    return image


def _canvas(size: int) -> tuple[QImage, QPainter]:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.scale(size / _GRID, size / _GRID)
    return image, painter


def _pen(color: QColor, width: float) -> QPen:
    return QPen(
        color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )


def _bell(painter: QPainter, fill: QColor, outline: QColor | None = None) -> None:
    # A darker rim keeps the bell readable on light and dark taskbars alike.
    painter.setPen(_pen(outline or fill.darker(160), 4))
    painter.setBrush(fill)
    painter.drawPath(_bell_shape())


def _bell_shape() -> QPainterPath:
    body = QPainterPath(QPointF(50, 14))
    body.cubicTo(32, 14, 24, 28, 24, 46)
    body.lineTo(24, 60)
    body.cubicTo(24, 67, 17, 72, 10, 76)
    body.lineTo(90, 76)
    body.cubicTo(83, 72, 76, 67, 76, 60)
    body.lineTo(76, 46)
    body.cubicTo(76, 28, 68, 14, 50, 14)
    body.closeSubpath()
    rim = QPainterPath()
    rim.addRoundedRect(QRectF(8, 73, 84, 9), 4, 4)
    clapper = QPainterPath()
    clapper.addEllipse(QPointF(50, 87), 9, 9)
    knob = QPainterPath()
    knob.addEllipse(QPointF(50, 11), 6, 6)
    # A true union: overlapping subpaths would leave seams under either fill rule.
    return body.united(rim).united(clapper).united(knob)


def _count_badge(painter: QPainter, count: int) -> None:
    text = "99+" if count > 99 else str(count)
    painter.setPen(_pen(_DARK_RED, 5))
    painter.setBrush(_WHITE)
    painter.drawEllipse(QPointF(72, 30), 27, 27)
    font = QFont()
    font.setBold(True)
    font.setPixelSize({1: 40, 2: 32}.get(len(text), 22))
    painter.setFont(font)
    painter.setPen(_DARK_RED)
    painter.drawText(QRectF(45, 3, 54, 54), Qt.AlignmentFlag.AlignCenter, text)


def _cross_badge(painter: QPainter) -> None:
    painter.setPen(_pen(_WHITE, 5))
    painter.setBrush(_RED)
    painter.drawEllipse(QPointF(70, 70), 28, 28)
    painter.setPen(_pen(_WHITE, 10))
    painter.drawLine(QPointF(59, 59), QPointF(81, 81))
    painter.drawLine(QPointF(81, 59), QPointF(59, 81))


def _slash(painter: QPainter) -> None:
    # A white halo under the dark stroke keeps the slash visible where it crosses the bell.
    painter.setPen(_pen(_WHITE, 16))
    painter.drawLine(QPointF(12, 12), QPointF(88, 88))
    painter.setPen(_pen(QColor("#263238"), 9))
    painter.drawLine(QPointF(12, 12), QPointF(88, 88))
