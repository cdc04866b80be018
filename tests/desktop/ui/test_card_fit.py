"""No line of a card is ever clipped: every text fits its label, every widget lies in the card.

Measured independently of the card's own sizing: each label's lines are laid out again with
QTextLayout (the fonts Qt really uses, CJK fallback included) and compared with the space the
label got on screen. Checked in English and in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFont, QTextLayout
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from desktop.i18n import install_translator
from desktop.ui.card import AlertCard
from orderbell_protocol import OrderLine, OrderStatus

LONG_REMARK = (
    "不要香菜，不要葱，微辣，米饭多一点，筷子两双，到了打电话不要敲门，宝宝在睡觉。\n"
    "No coriander please, and ring instead of knocking: the baby is asleep.\n"
    "第三行：发票抬头 某某餐饮管理有限公司，税号 91310000000000000X"
)
TWELVE_DISHES = tuple(
    OrderLine(name, quantity)
    for name, quantity in [
        ("宫保鸡丁", 1),
        ("鱼香肉丝（大份，多加一份米饭）", 2),
        ("Kung Pao chicken with extra peanuts", 1),
        ("麻婆豆腐", 1),
        ("酸辣土豆丝", 3),
        ("水煮牛肉（特辣）", 1),
        ("米饭", 4),
        ("可乐", 2),
        ("Sprite zero sugar, no ice", 1),
        ("红烧狮子头", 1),
        ("蒜蓉西兰花", 1),
        ("紫菜蛋花汤", 1),
    ]
)
CASES = {
    "plain": {},
    "long remark": {"remark": LONG_REMARK},
    "twelve dishes": {"items": TWELVE_DISHES},
    "twelve dishes, long remark, reminded": {
        "items": TWELVE_DISHES,
        "remark": LONG_REMARK,
        "reminded": True,
        "reminder_count": 3,
    },
    "one word longer than the card": {"remark": "x" * 500, "items": (OrderLine("y" * 300, 1),)},
    "a hundred lines": {"remark": "\n".join(f"第{i}行" for i in range(100))},
    "hostile text": {
        "remark": "a\x00b\ud800c\u202eevil\u202c\r\n\tend",
        "items": (OrderLine("<img src=x>\x07", 2**62),),
        "amount_fen": 2**63,
    },
    "numbered, long address": {
        "day_seq": 128,
        "address": "上海市浦东新区世纪大道100号环球金融中心B座2801室，到了请打电话，不要敲门" * 4,
    },
    "the largest number of the day": {"day_seq": 2**31 - 1, "address": "y" * 300},
    "reminded, answered at length": {
        "reminded": True,
        "reminder_count": 2,
        "day_seq": 12,
        "reminder_reply": "汤还在熬，大概再等五分钟，马上给您送出，抱歉久等了" * 2,
        "items": TWELVE_DISHES,
        "remark": LONG_REMARK,
    },
    "accepted, reminded": {
        "status": OrderStatus.CONFIRMED,
        "reminded": True,
        "reminder_count": 1,
        "remark": LONG_REMARK,
    },
}
ERROR = "The server at https://orders.example.com has a problem (HTTP 503). Try again in a moment."


@pytest.fixture(params=["en", "zh"], scope="module")
def language(request: Any, qapp: QApplication) -> Iterator[str]:
    """The interface language, installed for the test and back to English afterwards."""
    install_translator(qapp, request.param)
    yield request.param
    install_translator(qapp, "en")


def text_extent(text: str, font: QFont) -> tuple[float, float]:
    """The width and height ``text`` needs in ``font``, laid out line by line without wrapping."""
    width = height = 0.0
    for line in text.split("\n"):
        layout = QTextLayout(line, font)
        layout.beginLayout()
        laid = layout.createLine()
        layout.endLayout()
        width = max(width, laid.naturalTextWidth())
        height += laid.height()
    return width, height


def clipped(card: AlertCard) -> list[str]:
    """Every label whose text does not fit it, every widget sticking out of the card."""
    problems = []
    inside = card.rect()
    for widget in card.findChildren(QWidget):
        if not widget.isVisible():
            continue
        box = QRect(widget.mapTo(card, QPoint(0, 0)), widget.size())
        if not inside.contains(box):
            problems.append(f"{widget.objectName()} at {box} outside the card {inside}")
    for label in card.findChildren(QLabel):
        if not label.isVisible():
            continue
        room = label.contentsRect()
        width, height = text_extent(label.text(), label.font())
        if width > room.width() or height > room.height():
            problems.append(
                f"{label.objectName()}: {width:.0f}x{height:.0f} in {room.width()}x{room.height()}"
            )
    for button in card.findChildren(QPushButton):
        if button.isVisible() and button.width() < button.sizeHint().width():
            problems.append(f"{button.objectName()} narrower than its text")
    return problems


@pytest.fixture
def make_card(qtbot: Any, make_alert: Any, now: datetime) -> Callable[..., AlertCard]:
    def make(**changes: Any) -> AlertCard:
        card = AlertCard(make_alert(**changes), now)
        qtbot.addWidget(card)
        card.show()
        qtbot.waitExposed(card)
        return card

    return make


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_nothing_is_clipped(
    language: str, make_card: Callable[..., AlertCard], case: dict[str, Any]
) -> None:
    """Every line of the card is wholly visible, in both languages."""
    card = make_card(**case)
    assert clipped(card) == []


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_nothing_is_clipped_with_an_error_line(
    language: str, make_card: Callable[..., AlertCard], case: dict[str, Any]
) -> None:
    """An error line makes the card taller instead of pushing other lines out."""
    card = make_card(**case)
    height = card.height()
    card.show_error(ERROR)
    assert card.error.isVisible()
    assert card.height() > height
    assert clipped(card) == []


@pytest.mark.parametrize("limit", [640, 480, 400])
def test_card_keeps_within_its_height_limit(
    language: str, make_card: Callable[..., AlertCard], limit: int
) -> None:
    """The tallest order shortens its lists to the height it is given, still clipping nothing."""
    card = make_card(**CASES["twelve dishes, long remark, reminded"])
    card.show_error(ERROR)
    card.set_height_limit(limit)
    assert card.height() <= limit
    assert clipped(card) == []
