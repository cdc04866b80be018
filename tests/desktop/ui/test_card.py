"""AlertCard: what one order's card shows and the signals its buttons send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.i18n import install_translator
from desktop.ui.card import AlertCard
from orderbell_protocol import OrderLine, OrderStatus


@pytest.fixture
def make_card(qtbot: Any, make_alert: Any, now: datetime) -> Callable[..., AlertCard]:
    """Shown cards of the sample alert; keywords change the alert."""

    def make(**changes: Any) -> AlertCard:
        card = AlertCard(make_alert(**changes), now)
        qtbot.addWidget(card)
        card.show()
        qtbot.waitExposed(card)
        return card

    return make


def test_shows_tail_number(make_card: Callable[..., AlertCard]) -> None:
    """The tail number is on the card, beside its caption."""
    card = make_card()
    assert card.tail_caption.text() == "Order ending"
    assert card.tail.text() == "1234"


def test_tail_number_is_big(make_card: Callable[..., AlertCard]) -> None:
    """The tail number is set in a large font so it reads from across the counter."""
    card = make_card()
    assert card.tail.fontInfo().pixelSize() >= 2 * card.tail_caption.fontInfo().pixelSize()


def test_shows_items_with_quantities(make_card: Callable[..., AlertCard]) -> None:
    """Each order line is on its own line with its quantity."""
    assert make_card().items.text() == "宫保鸡丁 ×1\n米饭 ×2"


def test_long_item_list_is_shortened(make_card: Callable[..., AlertCard]) -> None:
    """Twelve dishes: nine are listed and the tenth line says how many more there are."""
    items = tuple(OrderLine(f"dish {i}", 1) for i in range(12))
    lines = make_card(items=items).items.text().splitlines()
    assert lines[-1] == "… and 3 more"
    assert lines[:9] == [f"dish {i} ×1" for i in range(9)]


def test_shows_amount_in_yuan(make_card: Callable[..., AlertCard]) -> None:
    """Fen are shown as yuan with two decimals."""
    assert make_card().amount.text() == "¥66.00"


def test_shows_remark(make_card: Callable[..., AlertCard]) -> None:
    """The customer's remark is shown."""
    card = make_card()
    assert card.remark.text() == "Remark: 不要辣"
    assert card.remark.isVisible()


def test_hides_empty_remark(make_card: Callable[..., AlertCard]) -> None:
    """No remark, no remark line."""
    assert not make_card(remark="").remark.isVisible()


def test_remark_is_never_rendered_as_html(make_card: Callable[..., AlertCard]) -> None:
    """Customer text is plain text, so markup in it shows as typed."""
    card = make_card(remark="<b>hot</b> %2")
    assert card.remark.textFormat() == Qt.TextFormat.PlainText
    assert card.remark.text() == "Remark: <b>hot</b> %2"


def test_shows_time_since_payment(make_card: Callable[..., AlertCard]) -> None:
    """The wait is computed from the payment time and the ``now`` passed in."""
    assert make_card().waited.text() == "paid 3 min ago"


def test_update_time_refreshes_the_wait(make_card: Callable[..., AlertCard], now: datetime) -> None:
    """A later ``now`` gives a longer wait."""
    card = make_card()
    card.update_time(now + timedelta(minutes=15))
    assert card.waited.text() == "paid 18 min ago"


@pytest.mark.parametrize(
    "paid_at",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-8))),
    ],
    ids=["year 1", "year 9999"],
)
def test_payment_at_the_ends_of_the_calendar_shows_a_card(
    make_card: Callable[..., AlertCard], now: datetime, paid_at: datetime
) -> None:
    """A paidAt in year 1 or 9999 gives a card that reads the payment's date, not a count."""
    card = make_card(paid_at=paid_at)
    card.update_time(now + timedelta(minutes=1))
    assert card.isVisible()
    assert card.waited.text().startswith(f"paid {paid_at.year:04d}-")
    assert "ago" not in card.waited.text()
    assert card.tail.text() == "1234"


@pytest.mark.parametrize(
    ("button", "signal"),
    [("accept", "accept_clicked"), ("reject", "reject_clicked"), ("later", "later_clicked")],
)
def test_button_emits_order_id(
    qtbot: Any, make_card: Callable[..., AlertCard], button: str, signal: str
) -> None:
    """Accept, Reject… and Later each send the order id."""
    card = make_card()
    with qtbot.waitSignal(getattr(card, signal), timeout=1000) as blocker:
        qtbot.mouseClick(card.findChild(QPushButton, button), Qt.MouseButton.LeftButton)
    assert blocker.args == [7]


def test_waiting_order_offers_accept_reject_later(make_card: Callable[..., AlertCard]) -> None:
    """An order still to be accepted has the three choices and no OK."""
    card = make_card()
    visible = [b.objectName() for b in card.findChildren(QPushButton) if b.isVisible()]
    assert visible == ["accept", "reject", "later"]


def test_accepted_order_offers_only_ok(make_card: Callable[..., AlertCard]) -> None:
    """A reminder about an accepted order only needs acknowledging, or an answer."""
    card = make_card(status=OrderStatus.CONFIRMED, reminded=True, reminder_count=1)
    visible = [b.objectName() for b in card.findChildren(QPushButton) if b.isVisible()]
    assert sorted(visible) == ["ok", "reply"]


def test_ok_emits_later(qtbot: Any, make_card: Callable[..., AlertCard]) -> None:
    """OK on an accepted order's reminder is the Later signal."""
    card = make_card(status=OrderStatus.CONFIRMED, reminded=True, reminder_count=1)
    with qtbot.waitSignal(card.later_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(card.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [7]


def test_accepted_order_title_says_so(make_card: Callable[..., AlertCard]) -> None:
    """The title of a reminder about an accepted order gives its status."""
    card = make_card(status=OrderStatus.CONFIRMED, reminded=True, reminder_count=1)
    assert card.title.text() == "Accepted"


def test_reminded_card_is_highlighted(make_card: Callable[..., AlertCard]) -> None:
    """A hurried order wears the red border and a banner with the reminder count."""
    card = make_card(reminded=True, reminder_count=2)
    assert card.highlighted
    assert card.banner.isVisible()
    assert card.banner.text().replace("\n", " ") == "Customer is waiting — reminder ×2"
    assert "5px solid #d32f2f" in card.styleSheet()


def border_colour(card: AlertCard) -> str:
    """The colour a person sees on the card's left edge, half way down."""
    return card.grab().toImage().pixelColor(1, card.height() // 2).name()


def test_new_order_card_is_calm(make_card: Callable[..., AlertCard], now: datetime) -> None:
    """An order paid under two minutes ago has no banner and the calm grey border."""
    card = make_card(paid_at=now - timedelta(seconds=90))
    assert not card.highlighted
    assert not card.banner.isVisible()
    assert border_colour(card) == "#455a64"


@pytest.mark.parametrize(
    ("minutes", "colour"), [(1, "#455a64"), (2, "#f9a825"), (4, "#f9a825"), (5, "#ef6c00")]
)
def test_card_colour_follows_the_wait_since_payment(
    make_card: Callable[..., AlertCard], now: datetime, minutes: int, colour: str
) -> None:
    """Grey under 2 minutes, amber from 2, orange from 5 minutes after payment."""
    card = make_card(paid_at=now - timedelta(minutes=minutes))
    assert border_colour(card) == colour


def test_card_turns_orange_as_the_order_waits(
    make_card: Callable[..., AlertCard], now: datetime
) -> None:
    """The clock tick that passes 5 minutes turns a waiting card orange, its text still whole."""
    card = make_card(paid_at=now - timedelta(minutes=4))
    card.update_time(now + timedelta(minutes=1))
    assert border_colour(card) == "#ef6c00"
    assert card.waited.text() == "paid 5 min ago"
    assert card.tail.text() == "1234"


def test_reminder_look_wins_over_the_wait(
    make_card: Callable[..., AlertCard], now: datetime
) -> None:
    """A hurried order 10 minutes after payment is red, not orange."""
    card = make_card(paid_at=now - timedelta(minutes=10), reminded=True, reminder_count=1)
    assert border_colour(card) == "#d32f2f"


def test_accepted_order_is_not_coloured_by_its_wait(
    make_card: Callable[..., AlertCard], now: datetime
) -> None:
    """An accepted order's card (a reminder) does not turn orange with age: it is not late."""
    card = make_card(
        paid_at=now - timedelta(minutes=10),
        status=OrderStatus.CONFIRMED,
        reminded=False,
    )
    assert border_colour(card) == "#455a64"


def test_update_alert_highlights_an_existing_card(
    make_card: Callable[..., AlertCard], make_alert: Any, now: datetime
) -> None:
    """A reminder turns the same card red."""
    card = make_card()
    card.update_alert(make_alert(reminded=True, reminder_count=1), now)
    assert card.highlighted
    assert card.banner.isVisible()


def test_card_stays_on_top_without_a_frame(make_card: Callable[..., AlertCard]) -> None:
    """The card is a frameless tool window above all others."""
    flags = make_card().windowFlags()
    for flag in (
        Qt.WindowType.WindowStaysOnTopHint,
        Qt.WindowType.FramelessWindowHint,
        Qt.WindowType.Tool,
    ):
        assert flags & flag == flag


def test_card_does_not_take_focus(make_card: Callable[..., AlertCard]) -> None:
    """Showing or clicking the card leaves keyboard focus with the POS."""
    card = make_card()
    assert card.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert card.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus


def test_busy_disables_buttons(make_card: Callable[..., AlertCard]) -> None:
    """While a request runs no button can be clicked twice."""
    card = make_card()
    card.set_busy(True)
    assert not any(b.isEnabled() for b in card.findChildren(QPushButton))


def test_not_busy_enables_buttons(make_card: Callable[..., AlertCard]) -> None:
    """The buttons come back when the request ends."""
    card = make_card()
    card.set_busy(True)
    card.set_busy(False)
    assert all(b.isEnabled() for b in card.findChildren(QPushButton))


def test_show_error(make_card: Callable[..., AlertCard]) -> None:
    """A failed request is explained on the card."""
    card = make_card()
    card.show_error("Server unreachable")
    assert card.error.isVisible()
    assert card.error.text() == "Server unreachable"


def test_new_request_clears_the_error(make_card: Callable[..., AlertCard]) -> None:
    """Retrying hides the previous error."""
    card = make_card()
    card.show_error("Server unreachable")
    card.set_busy(True)
    assert not card.error.isVisible()


def test_card_renders_to_a_picture(
    make_card: Callable[..., AlertCard],
    count_colors: Callable[[QWidget], int],
    tmp_path: Path,
) -> None:
    """The card paints text and colours, not a blank rectangle."""
    card = make_card(reminded=True, reminder_count=2)
    path = tmp_path / "card.png"
    assert card.grab().save(str(path))
    assert path.stat().st_size > 0
    assert count_colors(card) > 20


def test_shortened_list_still_says_how_many_more(make_card: Callable[..., AlertCard]) -> None:
    """Shortened to fit, the list ends with how many dishes are not shown."""
    card = make_card(items=tuple(OrderLine(f"菜 {i}", 1) for i in range(12)))
    card.set_height_limit(300)
    assert card.items.text().splitlines()[-1].startswith("… and ")


def test_huge_remark_shows_a_bounded_excerpt(make_card: Callable[..., AlertCard]) -> None:
    """A 600,000-character remark: four lines at most, and a note where the rest is."""
    card = make_card(remark="很长的备注" * 120_000)
    assert len(card.remark.text().splitlines()) <= 4
    assert len(card.remark.text()) < 400
    assert card.remark.text().endswith("…")
    assert card.remark_note.isVisible()
    assert card.remark_note.text() == "The whole remark is in the Orders window."


def test_short_remark_has_no_note(make_card: Callable[..., AlertCard]) -> None:
    """A remark shown whole needs no pointer elsewhere."""
    assert not make_card(remark="少辣").remark_note.isVisible()


def test_hostile_characters_never_reach_the_screen(make_card: Callable[..., AlertCard]) -> None:
    """NUL, bell and direction overrides are dropped; a lone surrogate shows as U+FFFD."""
    card = make_card(
        remark="a\x00b\ud800c\u202eevil\u202c\r\n\tend", items=(OrderLine("<img>\x07", 2),)
    )
    shown = card.remark.text() + card.items.text()
    for char in ("\x00", "\x07", "\u202e", "\r", "\t"):
        assert char not in shown
    assert "\ufffd" in card.remark.text()


def test_shows_the_number_of_the_day_large(make_card: Callable[..., AlertCard]) -> None:
    """A numbered order shows "#12" as large as the tail number."""
    card = make_card(day_seq=12)
    assert card.day_seq.isVisible()
    assert card.day_seq.text() == "#12"
    assert card.day_seq.fontInfo().pixelSize() >= card.tail.fontInfo().pixelSize()


def test_number_of_the_day_reads_hao_in_chinese(
    qapp: Any, make_card: Callable[..., AlertCard]
) -> None:
    """In Chinese the card calls the order "12号", its tail beside it."""
    install_translator(qapp, "zh")
    try:
        card = make_card(day_seq=12)
        assert (card.day_seq.text(), card.tail.text()) == ("12号", "1234")
    finally:
        install_translator(qapp, "en")


def test_a_long_number_never_hides_the_tail(make_card: Callable[..., AlertCard]) -> None:
    """The largest number of the day is shortened; the tail number stays whole."""
    card = make_card(day_seq=2**31 - 1)
    assert card.tail.text() == "1234"
    assert card.day_seq.text().endswith("…")


def test_no_number_of_the_day_no_label(make_card: Callable[..., AlertCard]) -> None:
    """An order from an older server has no number of the day: nothing is shown for it."""
    assert not make_card(day_seq=None).day_seq.isVisible()


def test_shows_the_phone_tail(make_card: Callable[..., AlertCard]) -> None:
    """The last digits of the customer's phone are on the card."""
    card = make_card(phone_tail="5678")
    assert card.phone.isVisible()
    assert card.phone.text() == "Phone ending 5678"


def test_shows_the_delivery_address(make_card: Callable[..., AlertCard]) -> None:
    """The delivery address is on the card."""
    card = make_card(address="浦东新区世纪大道100号 2楼")
    assert card.address.isVisible()
    assert card.address.text() == "Address: 浦东新区世纪大道100号 2楼"


def test_long_address_is_bounded(make_card: Callable[..., AlertCard]) -> None:
    """A 10,000-line address takes at most three lines, the last one ending in "…"."""
    card = make_card(address="\n".join(f"{i}号楼" for i in range(10_000)))
    lines = card.address.text().splitlines()
    assert len(lines) == 3
    assert lines[-1].endswith("…")


def test_empty_address_no_line(make_card: Callable[..., AlertCard]) -> None:
    """Pick-up orders have no address: no address line."""
    assert not make_card(address="").address.isVisible()


def test_reminded_card_offers_a_reply(qtbot: Any, make_card: Callable[..., AlertCard]) -> None:
    """A reminded order's card offers Reply…, which sends the order id."""
    card = make_card(reminded=True, reminder_count=1)
    assert card.reply_button.isVisible()
    with qtbot.waitSignal(card.reply_clicked) as clicked:
        qtbot.mouseClick(card.reply_button, Qt.MouseButton.LeftButton)
    assert clicked.args == [7]


def test_card_without_a_reminder_offers_no_reply(make_card: Callable[..., AlertCard]) -> None:
    """Nothing to answer before the customer hurries the order."""
    assert not make_card().reply_button.isVisible()


def test_reminded_card_shows_the_answer_given(make_card: Callable[..., AlertCard]) -> None:
    """The answer a counter gave the customer is on the card."""
    card = make_card(reminded=True, reminder_count=1, reminder_reply="马上出餐")
    assert card.reply.isVisible()
    assert card.reply.text() == "Replied: 马上出餐"


def test_no_answer_yet_no_answer_line(make_card: Callable[..., AlertCard]) -> None:
    """A reminded card nobody answered shows no answer line."""
    assert not make_card(reminded=True, reminder_count=1).reply.isVisible()
