"""In Chinese, staff see no English: every window in every state, errors from the server included.

The real widgets and the real view are put into each state with the committed translations
installed; then every text a person can see (labels, buttons, titles, table cells and headers,
tooltips, menus, placeholders) is scanned for English words. A string added without a Chinese
translation, or an English f-string shown to staff, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QWidget,
)

from desktop.app import NOTICE_TOKEN_STORAGE, QtCounterView, check_problem, order_row
from desktop.core.cards import Alert
from desktop.core.marks import QT_TRANSLATE_NOOP, Message, message
from desktop.counter import (
    NOTICE_LINK,
    NOTICE_READY,
    NOTICE_TOKEN,
    PRINTER_PROBLEM_TEXT,
    PRINTER_PROBLEM_TITLES,
    READY,
    CounterStatus,
    link_down_notice,
)
from desktop.i18n import install_translator
from desktop.net import (
    ApiError,
    CounterApi,
    LinkState,
    OrderConflict,
    OrderNotFound,
    ServerUnavailable,
)
from desktop.net.connection import Connection
from desktop.net.orders import order_from_json
from desktop.ui.card_stack import CardStack
from desktop.ui.notice import NoticeCard
from desktop.ui.orders_window import OrdersWindow
from desktop.ui.quit_dialog import QuitConfirmation
from desktop.ui.reject_dialog import RejectDialog
from desktop.ui.reply_dialog import ReplyDialog
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_form import SettingsForm
from desktop.ui.texts import translated
from desktop.ui.tray import Tray
from orderbell_protocol import OrderLine, OrderStatus

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
# Words allowed in a Chinese UI: addresses, "http(s)" (in "HTTP 503" and address formats), the
# name of the English language choice (in its own language so anyone can find it), paper widths
# in mm and the names of character sets, as printer sellers write them.
ALLOWED = re.compile(
    r"[a-z][a-z0-9+.-]*://[^\s，。、）)]*|\bhttps?\b|\bEnglish\b|\d+ mm\b|GB18030|ASCII",
    re.IGNORECASE,
)
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")

ORDER_JSON = {
    "id": 7,
    "number": "202611261200001234",
    "shopId": 1,
    "status": 2,
    "payStatus": 1,
    "amountFen": 6600,
    "items": [{"name": "宫保鸡丁", "quantity": 2, "unitPriceFen": 3300}],
    "remark": "少辣",
    "phone": "13800138000",
    "address": "幸福路1号",
    "createdAt": "2026-11-26T12:00:00+00:00",
    "paidAt": "2026-11-26T12:01:00+00:00",
    "acceptedAt": None,
    "rejectedReason": None,
    "reminderCount": 0,
}


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    """The committed Chinese translations, installed for the test."""
    install_translator(qapp, "zh")
    yield
    install_translator(qapp, "en")


def visible_texts(widget: QWidget) -> list[str]:
    """Every text a person can see on ``widget`` and its children."""
    texts = [widget.windowTitle(), widget.toolTip()]
    for child in [widget, *widget.findChildren(QWidget)]:
        if not child.isVisibleTo(widget) and child is not widget:
            continue
        texts.append(child.toolTip())
        if isinstance(child, QLabel | QAbstractButton):
            texts.append(child.text())
        if isinstance(child, QLineEdit):
            texts.append(child.placeholderText())  # its text is what staff typed
        if isinstance(child, QComboBox):
            texts += [child.itemText(i) for i in range(child.count())]
        if isinstance(child, QPlainTextEdit):
            texts.append(child.toPlainText())
        if isinstance(child, QTableWidget):
            for column in range(child.columnCount()):
                header = child.horizontalHeaderItem(column)
                texts.append("" if header is None else header.text())
                for row in range(child.rowCount()):
                    item = child.item(row, column)
                    if item is not None:
                        texts += [item.text(), item.toolTip()]
    return texts


def english(texts: list[str]) -> list[str]:
    """The texts that still hold English words."""
    return [text for text in texts if ENGLISH_WORD.search(ALLOWED.sub(" ", text))]


def alert(order_id: int, **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "order_id": order_id,
        "order_number": f"20261126120000{order_id:04d}",
        "tail": f"{order_id:04d}",
        "items": (OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2)),
        "amount_fen": 6600,
        "remark": "少辣",
        "paid_at": NOW - timedelta(minutes=14),
        "phone_tail": "5678",
        "status": OrderStatus.TO_BE_CONFIRMED,
        "reminded": False,
        "reminder_count": 0,
        "waited_seconds": None,
    }
    return Alert(**(fields | changes))


async def server_errors() -> list[ApiError]:
    """One of every error the REST client raises, from a server answering each way."""
    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        lambda request: httpx.Response(200, content=b"<html>"),
        lambda request: httpx.Response(503),
        lambda request: httpx.Response(400, json={"code": "BAD", "message": "english words"}),
        lambda request: httpx.Response(302),
        lambda request: httpx.Response(401),
        lambda request: httpx.Response(404),
    ]

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    errors: list[ApiError] = []
    for handler in [*answers, timeout, refused]:
        api = CounterApi("http://orderbell.test", "t", transport=httpx.MockTransport(handler))
        try:
            await api.order(7)
        except ApiError as exc:
            errors.append(exc)
        finally:
            await api.aclose()
    for make in (
        lambda: CounterApi("http://[::1", "t"),
        lambda: CounterApi("http://orderbell.test", "令牌"),
    ):
        try:
            make()
        except ApiError as exc:
            errors.append(exc)
    errors += [OrderNotFound(7), OrderConflict(order_from_json({**ORDER_JSON, "status": 3}))]
    return errors


@pytest.fixture
def view(qtbot: Any, chinese: None) -> Iterator[QtCounterView]:
    """The real view on real widgets, in Chinese."""
    cards, notices, tray = CardStack(), NoticeCard(), Tray()
    orders, reject = OrdersWindow(), RejectDialog()
    for widget in (notices, orders, reject):
        qtbot.addWidget(widget)
    yield QtCounterView(cards, notices, tray, orders, lambda: None, reject)
    cards.close_all()


async def test_cards_and_their_errors_are_chinese(view: QtCounterView) -> None:
    """New, hurried, accepted and overflowing orders, and every server error on a card."""
    view.show_alerts(
        [
            alert(1),
            alert(2, reminded=True, reminder_count=2, day_seq=12, reminder_reply="马上出餐"),
            alert(3, status=OrderStatus.CONFIRMED, reminded=True, reminder_count=1),
            *(alert(i) for i in range(4, 9)),
        ],
        NOW,
    )
    windows: list[QWidget] = [view.cards.overflow_card]
    for error in await server_errors():
        shown = next(iter(view.cards.plan.cards))
        view.show_card_error(shown, error.message)
        windows += [card for i in view.cards.plan.cards if (card := view.cards.card(i))]
        assert english([t for w in windows for t in visible_texts(w)]) == [], error
    assert view.cards.overflow_card.isVisible()


def test_notices_are_chinese(view: QtCounterView) -> None:
    """The link, token and self-check notices."""
    view.show_notice(NOTICE_LINK, *link_down_notice(3725))
    view.show_notice(
        NOTICE_TOKEN,
        Message(QT_TRANSLATE_NOOP("App", "Device token rejected")),
        Message(
            QT_TRANSLATE_NOOP(
                "App", "The server refused this PC's device token: enter a valid one in Settings."
            )
        ),
    )
    for problem, title in PRINTER_PROBLEM_TITLES.items():
        view.show_notice(f"printer {problem}", message(title), message(PRINTER_PROBLEM_TEXT))
    view.set_check_failures(["speech", "speech zh", "server", "token", "tray", "printer"])
    assert english(visible_texts(view.notices)) == []
    assert len(view.notices.kinds()) == 3 + len(PRINTER_PROBLEM_TITLES)


def test_orders_window_is_chinese(view: QtCounterView) -> None:
    """Waiting and handled orders of every status, the link state, and an error line."""
    waiting = [order_from_json({**ORDER_JSON, "reminderCount": 2})]
    handled = [
        order_from_json({**ORDER_JSON, "id": 10 + status, "status": status, **extra})
        for status, extra in [
            (3, {"acceptedAt": "2026-11-26T12:05:00+00:00"}),
            (4, {}),
            (5, {}),
            (6, {"rejectedReason": "餐厅已打烊，暂时无法接单"}),
            (6, {"rejectedReason": "没有外卖盒了"}),
            (6, {"payStatus": 2}),
            (6, {}),
        ]
    ]
    view.orders_changed(waiting, handled)
    view.orders.show_error(Message(QT_TRANSLATE_NOOP("App", "Not connected to a server")))
    for link in LinkState:
        view.update_status(CounterStatus(link, alarming=False, ringing=1, muted_until=NOW))
        assert english(visible_texts(view.orders)) == [], link
    view.orders.details.show_order(order_row(waiting[0]))
    assert english(visible_texts(view.orders.details)) == []


def test_tray_is_chinese(view: QtCounterView) -> None:
    """The tray menu and its tooltip in every state."""
    for link in LinkState:
        for ringing in (0, 3):
            status = CounterStatus(link, alarming=ringing == 0, ringing=ringing, muted_until=None)
            view.update_status(status)
            texts = [view.tray.tool_tip()]
            for menu in (view.tray.menu, view.tray.mute_menu):
                texts += [action.text() for action in menu.actions()]
            assert english(texts) == [], link


async def test_dialogs_are_chinese(qtbot: Any, view: QtCounterView) -> None:
    """The Reject, Reply and Quit dialogs, and the settings dialog empty, filled and refusing an
    address."""
    view.reject_dialog.ask(7, "1234")
    assert english(visible_texts(view.reject_dialog)) == []
    replying = ReplyDialog()
    qtbot.addWidget(replying)
    replying.ask(7, "12 · 1234")
    assert english(visible_texts(replying)) == []
    errors = await server_errors()
    quitting = QuitConfirmation()
    qtbot.addWidget(quitting)
    for waiting in (0, 3):
        quitting.ask(waiting)
        assert english([*visible_texts(quitting), quitting.informativeText()]) == []
    view.show_notice(NOTICE_READY, message(READY), None)
    assert english(visible_texts(view.notices)) == []
    dialog = SettingsDialog(SettingsForm(rate=150))
    qtbot.addWidget(dialog)
    dialog.advise_start_at_login(True)
    dialog.show()
    for address in ("", "ftp://x", "http://a b", "http://host:99999", "orders.example.com"):
        dialog.url_edit.setText(address)
        dialog.url_edit.textEdited.emit(address)
        assert english(visible_texts(dialog)) == [], address
    dialog.connection_testing()
    assert english(visible_texts(dialog)) == []
    unreachable = next(e for e in errors if isinstance(e, ServerUnavailable))
    for outcome in Connection:
        dialog.show_connection(outcome, unreachable.message)
        assert english(visible_texts(dialog)) == [], outcome
    view.show_notice(
        NOTICE_TOKEN_STORAGE,
        message(QT_TRANSLATE_NOOP("App", "Device token kept in a file")),
        message(
            QT_TRANSLATE_NOOP(
                "App",
                "This PC has no system keyring, so the device token is kept in %1, "
                "which only your user account can read.",
            ),
            "/home/staff/.config/OrderBell/device-token.json",
        ),
    )
    assert english(visible_texts(view.notices)) == []


def test_check_problems_are_chinese(chinese: None) -> None:
    """Whatever a check is called, its failure reads in Chinese."""
    for name in ("speech", "speech en", "server", "token", "tray", "unknown"):
        assert english([translated(check_problem(name))]) == [], name


def test_scanner_finds_english(qtbot: Any, chinese: None) -> None:
    """The scan itself catches an untranslated text (so a pass means something)."""
    label = QLabel("Cannot reach the server at http://x")
    qtbot.addWidget(label)
    assert english(visible_texts(label)) == ["Cannot reach the server at http://x"]
