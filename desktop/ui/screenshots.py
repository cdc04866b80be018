"""The README's pictures of the counter app, taken from the real widgets on Qt's offscreen platform.

``QT_QPA_PLATFORM=offscreen uv run python -m desktop.ui.screenshots`` rewrites docs/screenshots/:
a new order's card, a hurried order's card, five waiting orders on a 1366×768 screen, and the
link-down notice, in Chinese with the CJK font CI installs (fonts-wqy-microhei). A test renders
them again and compares them with the committed files, so they cannot go stale unnoticed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core.cards import Alert
from desktop.core.stack import Box
from desktop.counter import NOTICE_LINK, link_down_notice
from desktop.i18n import install_translator
from desktop.ui.card import AlertCard
from desktop.ui.card_stack import CardStack
from desktop.ui.notice import NoticeAction, NoticeCard, NoticeLevel
from orderbell_protocol import OrderLine, OrderStatus

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
SCREEN = (1366, 768)
TASK_BAR = 40
DESKTOP_COLOR, TASK_BAR_COLOR = QColor("#cfd8dc"), QColor("#263238")
PADDING = 16

ORDERS = [
    (
        "宫保鸡丁",
        "鱼香肉丝（大份）",
        "米饭",
    ),
    ("麻辣香锅（微辣）", "可乐"),
    ("水煮牛肉", "酸辣土豆丝", "米饭", "紫菜蛋花汤"),
    ("红烧狮子头",),
    ("凉皮", "肉夹馍"),
]


ADDRESSES = ("世纪大道100号 2楼前台", "张杨路500号华润时代广场 B座1203", "")


def sample_alert(index: int, **changes: object) -> Alert:
    """Order ``index`` of the samples: its dishes, paid a few minutes apart."""
    dishes = ORDERS[index % len(ORDERS)]
    fields: dict[str, object] = {
        "order_id": index + 1,
        "order_number": f"2026112612{index:03d}{1354 + 37 * index:04d}",
        "tail": f"{1354 + 37 * index:04d}",
        "items": tuple(OrderLine(name, 1 + (i + index) % 3) for i, name in enumerate(dishes)),
        "amount_fen": 3850 + 1275 * index,
        "remark": "少辣，不要香菜，到了打电话" if index % 2 == 0 else "",
        "paid_at": NOW - timedelta(minutes=4 + 3 * index),
        "phone_tail": f"{5678 + 111 * index:04d}"[-4:],
        "status": OrderStatus.TO_BE_CONFIRMED,
        "reminded": False,
        "reminder_count": 0,
        "waited_seconds": None,
        "address": ADDRESSES[index % len(ADDRESSES)],
        "day_seq": 12 + index,
    }
    return Alert(**(fields | changes))  # type: ignore[arg-type]


def card() -> QImage:
    """A new order's card, paid a minute ago."""
    return _grab(AlertCard(sample_alert(0, paid_at=NOW - timedelta(minutes=1)), NOW))


def reminder() -> QImage:
    """A hurried order's card: red border and banner, and the answer a counter gave."""
    alert = sample_alert(
        2, reminded=True, reminder_count=2, waited_seconds=14 * 60, reminder_reply="马上出餐"
    )
    return _grab(AlertCard(alert, NOW))


def stack() -> QImage:
    """Five waiting orders, one hurried, on a 1366×768 screen with a task bar: the oldest
    unhurried one, waiting for 16 minutes, is orange."""
    width, height = SCREEN
    cards = CardStack(area=lambda: Box(0, 0, width, height - TASK_BAR), pointer=lambda: (-1, -1))
    alerts = [sample_alert(i) for i in range(5)]
    alerts[3] = sample_alert(3, reminded=True, reminder_count=1, waited_seconds=16 * 60)
    cards.show_alerts(alerts, NOW)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(DESKTOP_COLOR)
    painter = QPainter(image)
    painter.fillRect(QRect(0, height - TASK_BAR, width, TASK_BAR), TASK_BAR_COLOR)
    painter.setPen(QColor("#eceff1"))
    clock = QFont()
    clock.setPixelSize(14)
    painter.setFont(clock)
    painter.drawText(
        QRect(width - 80, height - TASK_BAR, 70, TASK_BAR), Qt.AlignmentFlag.AlignCenter, "12:30"
    )
    windows: list[QWidget] = [card for i in cards.order_ids() if (card := cards.card(i))]
    windows.append(cards.overflow_card)
    for window in windows:
        if window.isVisible():
            painter.drawImage(QPoint(window.x(), window.y()), window.grab().toImage())
    painter.end()
    cards.close_all()
    return image


def link_down() -> QImage:
    """The notice when the link has been down for five minutes."""
    notices = NoticeCard()
    title, text = link_down_notice(5 * 60 + 20)
    notices.show_notice(NOTICE_LINK, title, text, NoticeLevel.ALARM, NoticeAction.RECONNECT)
    image = _grab(notices)
    notices.close()
    return image


SCENES: dict[str, Callable[[], QImage]] = {
    "card": card,
    "reminder": reminder,
    "stack-1366x768": stack,
    "link-down": link_down,
}


def render(qapp: QApplication) -> dict[str, QImage]:
    """Every picture, by file name without ``.png``, in Chinese."""
    install_translator(qapp, "zh")
    try:
        return {name: scene() for name, scene in SCENES.items()}
    finally:
        install_translator(qapp, "en")


def _grab(widget: QWidget) -> QImage:
    """The widget shown on a white margin, as a person would see it on screen."""
    widget.show()
    picture = widget.grab().toImage()
    widget.close()
    image = QImage(
        picture.width() + 2 * PADDING, picture.height() + 2 * PADDING, QImage.Format.Format_RGB32
    )
    image.fill(DESKTOP_COLOR)
    painter = QPainter(image)
    painter.drawImage(QPoint(PADDING, PADDING), picture)
    painter.end()
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=SCREENSHOTS)
    args = parser.parse_args()
    existing = QApplication.instance()
    qapp = existing if isinstance(existing, QApplication) else QApplication([])
    args.directory.mkdir(parents=True, exist_ok=True)
    for name, image in render(qapp).items():
        path = args.directory / f"{name}.png"
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        print(path)


if __name__ == "__main__":
    main()
