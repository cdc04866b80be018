"""Widget tests run on Qt's offscreen platform, fail on Qt warnings, and share sample orders."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QtMsgType
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from desktop.core.cards import Alert
from desktop.core.stack import Box
from desktop.ui.card_stack import CardStack
from desktop.ui.rows import OrderRow
from orderbell_protocol import OrderLine, OrderStatus

# Must happen at import time, before pytest-qt creates the QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PAID_AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NOW = PAID_AT + timedelta(minutes=3)

# What the offscreen plugin says about window-manager features it lacks; harmless here.
_OFFSCREEN_LIMITS = re.compile(r"This plugin does not support (propagateSizeHints|raise)\(\)")


@pytest.fixture(autouse=True)
def no_qt_warnings(qtlog: Any) -> Iterator[None]:
    """Fail a test that made Qt print a warning (as qutebrowser's suite does)."""
    yield
    loud = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
    warnings = [
        record.message
        for record in qtlog.records
        if record.type in loud and not _OFFSCREEN_LIMITS.fullmatch(record.message)
    ]
    if warnings:
        pytest.fail(f"Qt warned: {warnings}")


@pytest.fixture
def now() -> datetime:
    """Three minutes after the sample orders were paid."""
    return NOW


AlertFactory = Callable[..., Alert]
RowFactory = Callable[..., OrderRow]


@pytest.fixture
def make_alert() -> AlertFactory:
    """Alerts of a new order (tail 1234, ¥66.00, remark 不要辣); keywords change fields."""
    base = Alert(
        order_id=7,
        order_number="202611261200001234",
        tail="1234",
        items=(OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2)),
        amount_fen=6600,
        remark="不要辣",
        paid_at=PAID_AT,
        phone_tail="5678",
        status=OrderStatus.TO_BE_CONFIRMED,
        reminded=False,
        reminder_count=0,
        waited_seconds=None,
    )

    def make(**changes: Any) -> Alert:
        if "order_id" in changes and "tail" not in changes:
            changes["tail"] = f"{changes['order_id']:04d}"
        return replace(base, **changes)

    return make


@pytest.fixture
def make_row() -> RowFactory:
    """Order rows like the sample alert's order; keywords change fields."""
    base = OrderRow(
        order_id=7,
        number="202611261200001234",
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=6600,
        items=(OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2)),
        remark="不要辣",
        paid_at=PAID_AT,
    )

    def make(**changes: Any) -> OrderRow:
        if "order_id" in changes and "number" not in changes:
            changes["number"] = f"20261126120000{changes['order_id']:04d}"
        return replace(base, **changes)

    return make


@dataclass
class FakeScreen:
    """The screen area and pointer position a card stack sees; tests move them."""

    area: Box | None = field(default_factory=lambda: Box(0, 0, 1366, 728))
    pointer: tuple[int, int] = (-10_000, -10_000)


@pytest.fixture
def screen() -> FakeScreen:
    """A 1366x768 primary screen with a 40 px task bar, the pointer far from the cards."""
    return FakeScreen()


@pytest.fixture
def stack(qapp: Any, screen: FakeScreen) -> Iterator[CardStack]:
    """A card stack on the fake screen whose cards are closed after the test."""
    cards = CardStack(area=lambda: screen.area, pointer=lambda: screen.pointer, hold_check_ms=10)
    yield cards
    cards.close_all()


@pytest.fixture
def count_colors() -> Callable[[QWidget], int]:
    """How many different colours a rendering of a widget uses (a blank one uses one)."""

    def count(widget: QWidget) -> int:
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        return len(
            {
                image.pixel(x, y)
                for x in range(0, image.width(), 2)
                for y in range(0, image.height(), 2)
            }
        )

    return count
