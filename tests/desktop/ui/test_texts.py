"""Shared order texts: place markers, waiting time, items, clock times and status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from desktop.core.marks import fill
from desktop.ui.reject_reasons import reason_label
from desktop.ui.texts import clock_text, status_text, waited_text
from orderbell_protocol import OrderStatus

PAID = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_fill_replaces_markers_in_one_pass() -> None:
    """A value containing a place marker is inserted as typed."""
    assert fill("%1 / %2", "a %2 b", "c") == "a %2 b / c"


def test_fill_keeps_markers_without_value() -> None:
    """A marker with no value stays visible rather than raising."""
    assert fill("%1 and %2", "x") == "x and %2"


def test_waited_text_under_a_minute() -> None:
    """Less than a minute after payment reads "paid just now"."""
    assert waited_text(PAID, PAID + timedelta(seconds=59)) == "paid just now"


def test_waited_text_in_minutes() -> None:
    """Minutes are counted down to the whole minute."""
    assert waited_text(PAID, PAID + timedelta(minutes=18, seconds=40)) == "paid 18 min ago"


def test_waited_text_in_hours() -> None:
    """An hour or more shows hours and minutes."""
    assert waited_text(PAID, PAID + timedelta(hours=1, minutes=5)) == "paid 1 h 5 min ago"


def test_waited_text_with_clock_behind() -> None:
    """A PC clock behind the server's reads "just now", not a negative time."""
    assert waited_text(PAID, PAID - timedelta(minutes=2)) == "paid just now"


def test_waited_text_unknown_payment_time() -> None:
    """No payment time gives no text."""
    assert waited_text(None, PAID) == ""


def test_clock_text_is_local_time() -> None:
    """Times of day are shown in the PC's time zone."""
    assert clock_text(PAID) == PAID.astimezone().strftime("%H:%M")


def test_status_of_preset_rejection_shows_its_label() -> None:
    """A Sky Take-out reason is shown by its label in the UI language."""
    text = status_text(OrderStatus.CANCELLED, "餐厅已打烊，暂时无法接单", refunded=True)
    assert text == "Rejected: Restaurant closed"


def test_status_of_free_text_rejection_shows_the_text() -> None:
    """A typed reason is shown as typed."""
    assert (
        status_text(OrderStatus.CANCELLED, "没有外卖盒了", refunded=True)
        == "Rejected: 没有外卖盒了"
    )


def test_status_of_refunded_cancellation() -> None:
    """A cancelled order without a rejection reason says whether it was refunded."""
    assert status_text(OrderStatus.CANCELLED, None, refunded=True) == "Cancelled, refunded"


def test_status_of_accepted_order() -> None:
    """A confirmed order reads "Accepted"."""
    assert status_text(OrderStatus.CONFIRMED, None, refunded=False) == "Accepted"


def test_reason_label_of_unknown_reason_is_the_reason() -> None:
    """Only the presets have labels."""
    assert reason_label("other") == "other"


def test_waited_text_in_days() -> None:
    """A day or more reads in days, short enough for the card's header."""
    assert waited_text(PAID, PAID + timedelta(days=2, hours=5)) == "paid 2 days ago"


def test_waited_text_from_year_one_is_a_date() -> None:
    """A payment time in year 1 reads as its date and time (in UTC here), not as 739,000 days."""
    first = datetime(1, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert waited_text(first, PAID) == "paid 0001-01-01 01:30"


def test_waited_text_beyond_a_few_days_is_a_date_in_nows_zone() -> None:
    """More than three days ago reads as the payment's date and time, in ``now``'s zone."""
    now = datetime(2026, 11, 26, 20, 0, tzinfo=timezone(timedelta(hours=8)))
    assert waited_text(PAID - timedelta(days=3, minutes=1), now) == "paid 2026-11-23 19:59"


def test_waited_text_of_a_future_payment_is_a_date() -> None:
    """A payment an hour in the future reads as its date and time, not as "just now"."""
    assert waited_text(PAID + timedelta(hours=1), PAID) == "paid 2026-11-26 13:00"


def test_waited_text_of_the_last_day_of_the_calendar_is_a_date() -> None:
    """Year 9999 in a zone west of UTC still shows (as sent), without an error."""
    last = datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert waited_text(last, PAID) == "paid 9999-12-31 23:30"


def test_clock_text_at_the_ends_of_the_calendar() -> None:
    """Year 1 and year 9999 times that a time zone would push out of range still show."""
    first = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    last = datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert clock_text(first, UTC) == "00:30"
    assert clock_text(last, timezone(timedelta(hours=8))) == "23:30"


def test_status_of_partly_refunded_order_says_how_much() -> None:
    """An accepted order with 1.00 yuan refunded says both."""
    assert (
        status_text(OrderStatus.CONFIRMED, None, refunded=False, refunded_fen=100)
        == "Accepted, ¥1.00 refunded"
    )
