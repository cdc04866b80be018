"""Spoken phrases and short texts, in Chinese and English."""

from __future__ import annotations

import pytest

from desktop.core import phrasing
from desktop.core.phrasing import Language, language_for_locale


def test_new_order_zh() -> None:
    """One new order in Chinese names the tail number digit by digit."""
    assert phrasing.new_order("1354", Language.ZH) == "您有新的外卖订单，尾号一三五四"


def test_new_order_en() -> None:
    """One new order in English names the tail number digit by digit."""
    assert phrasing.new_order("1354", Language.EN) == "New order, number ending one three five four"


def test_tail_zeros_are_said_as_zero() -> None:
    """Zeros in a tail are said, not dropped: 零 and zero."""
    assert phrasing.spoken_tail("0070", Language.ZH) == "零零七零"
    assert phrasing.spoken_tail("0070", Language.EN) == "zero zero seven zero"


def test_tail_never_holds_a_digit_an_engine_could_read_as_a_number() -> None:
    """No ASCII digit is left in a spoken tail, for every four-digit tail."""
    for number in range(10_000):
        tail = f"{number:04d}"
        for language in Language:
            assert not any(char.isdigit() for char in phrasing.spoken_tail(tail, language)), tail


def test_tail_letters_are_kept() -> None:
    """A tail with letters (not a number) keeps them as they are."""
    assert phrasing.spoken_tail("A1-b", Language.ZH) == "A一-b"
    assert phrasing.spoken_tail("A1", Language.EN) == "A one"


def test_full_width_and_other_digits_are_kept() -> None:
    """Only ASCII digits are read out; other scripts' digits are left as written."""
    assert phrasing.spoken_tail("１٣", Language.ZH) == "１٣"


def test_burst_zh() -> None:
    """A burst in Chinese gives the count."""
    assert phrasing.new_orders(5, Language.ZH) == "您有5个新订单"


def test_burst_en() -> None:
    """A burst in English gives the count."""
    assert phrasing.new_orders(5, Language.EN) == "You have 5 new orders"


def test_burst_of_one_is_refused() -> None:
    """A burst needs at least two orders; one order has its own phrase."""
    with pytest.raises(ValueError, match="at least 2"):
        phrasing.new_orders(1, Language.ZH)


def test_reminder_zh_gives_whole_minutes() -> None:
    """A Chinese reminder says the waiting time in whole minutes, rounded down."""
    text = phrasing.reminder("1234", 18 * 60 + 59, Language.ZH)
    assert text == "顾客催单，尾号一二三四，已等待18分钟"


def test_reminder_en_gives_whole_minutes() -> None:
    """An English reminder says the waiting time in whole minutes."""
    text = phrasing.reminder("1234", 18 * 60, Language.EN)
    assert text == "Customer reminder, order ending one two three four, waiting 18 minutes"


def test_reminder_under_a_minute_zh() -> None:
    """Under a minute is said naturally in Chinese, not as zero minutes."""
    assert phrasing.reminder("1234", 59, Language.ZH) == "顾客催单，尾号一二三四，已等待不到1分钟"


def test_reminder_under_a_minute_en() -> None:
    """Under a minute is said naturally in English, not as zero minutes."""
    text = phrasing.reminder("1234", 0, Language.EN)
    assert text == "Customer reminder, order ending one two three four, waiting less than a minute"


def test_reminder_one_minute_en_is_singular() -> None:
    """English says "1 minute", not "1 minutes"."""
    assert phrasing.reminder("1234", 90, Language.EN).endswith("waiting 1 minute")


def test_reminder_negative_wait_counts_as_none() -> None:
    """A negative waiting time (clock skew) reads as under a minute."""
    assert phrasing.reminder("1234", -30, Language.ZH).endswith("已等待不到1分钟")


def test_reminder_without_waiting_time() -> None:
    """An unknown waiting time is left out rather than guessed."""
    assert phrasing.reminder("1234", None, Language.ZH) == "顾客催单，尾号一二三四"
    assert phrasing.reminder("1234", None, Language.EN) == (
        "Customer reminder, order ending one two three four"
    )


def test_waited_alone_for_a_notification() -> None:
    """The waiting time on its own, as a reminder's notification shows it under the title."""
    assert phrasing.waited(18 * 60, Language.ZH) == "已等待18分钟"
    assert phrasing.waited(60, Language.EN) == "waiting 1 minute"


def test_still_waiting() -> None:
    """The repeat of one order is short and names the tail number."""
    assert phrasing.still_waiting("1234", Language.ZH) == "尾号一二三四的订单还未接单"
    assert phrasing.still_waiting("1234", Language.EN) == (
        "Order ending one two three four is still waiting"
    )


def test_auto_accepted_says_the_tail_digit_by_digit() -> None:
    """An order this PC accepted by itself is named digit by digit like any other."""
    assert phrasing.auto_accepted("1354", Language.ZH) == "自动接单，尾号一三五四"
    assert phrasing.auto_accepted("1354", Language.EN) == (
        "Order ending one three five four accepted automatically"
    )


def test_orders_still_waiting() -> None:
    """The repeat of several orders gives the count."""
    assert phrasing.orders_still_waiting(3, Language.ZH) == "您有3个订单还未接单"
    assert phrasing.orders_still_waiting(3, Language.EN) == "3 orders are still waiting"


def test_link_phrases() -> None:
    """The link-down and link-back phrases in both languages."""
    assert phrasing.link_down(Language.ZH) == "订单提醒已断开，请检查网络"
    assert phrasing.link_down(Language.EN) == "Order alerts disconnected, please check the network"
    assert phrasing.link_back(Language.ZH) == "订单提醒已恢复"
    assert phrasing.link_back(Language.EN) == "Order alerts reconnected"


def test_titles() -> None:
    """Card and notification titles are short and name the tail."""
    assert phrasing.new_order_title("1234", Language.ZH) == "新订单 尾号1234"
    assert phrasing.reminder_title("1234", Language.EN) == "Reminder · order ending 1234"
    assert phrasing.link_down_title(Language.ZH) == "订单提醒已断开"


@pytest.mark.parametrize(
    ("fen", "text"), [(2350, "¥23.50"), (5, "¥0.05"), (0, "¥0.00"), (-120, "-¥1.20")]
)
def test_format_amount(fen: int, text: str) -> None:
    """Integer fen is shown as yuan with exactly two decimals."""
    assert phrasing.format_amount(fen) == text


@pytest.mark.parametrize(
    "name", ["zh_CN", "zh_CN.UTF-8", "zh-Hans", "zh_TW", "ZH", "Chinese (Simplified)_China.936"]
)
def test_chinese_locales(name: str) -> None:
    """Chinese locale names, POSIX or Windows style, choose Chinese."""
    assert language_for_locale(name) is Language.ZH


@pytest.mark.parametrize("name", ["en_US", "C", "", "de_DE.UTF-8", "English_United States"])
def test_other_locales(name: str) -> None:
    """Every other locale chooses English."""
    assert language_for_locale(name) is Language.EN


def test_new_order_zh_says_the_number_of_the_day_then_the_tail() -> None:
    """A numbered order is announced by its number of the day (12号订单), its tail after it."""
    assert phrasing.new_order("1234", Language.ZH, 12) == "您有新的外卖订单，12号订单，尾号一二三四"


def test_new_order_en_says_the_number_of_the_day_then_the_tail() -> None:
    """In English a numbered order is "order 12", its tail after it."""
    assert phrasing.new_order("1234", Language.EN, 12) == (
        "New order, order 12, number ending one two three four"
    )


def test_reminder_zh_names_the_number_of_the_day() -> None:
    """A reminder of a numbered order names it the way staff call it."""
    text = phrasing.reminder("1234", 5 * 60, Language.ZH, 12)
    assert text == "顾客催单，12号订单，尾号一二三四，已等待5分钟"


def test_reminder_en_names_the_number_of_the_day() -> None:
    """An English reminder of a numbered order says "order 12"."""
    text = phrasing.reminder("1234", None, Language.EN, 12)
    assert text == "Customer reminder, order 12, ending one two three four"


def test_repeat_names_the_number_of_the_day() -> None:
    """The repeat of a numbered order starts with its number, in both languages."""
    assert phrasing.still_waiting("1234", Language.ZH, 12) == "12号订单还未接单，尾号一二三四"
    assert phrasing.still_waiting("1234", Language.EN, 12) == (
        "Order 12 is still waiting, ending one two three four"
    )


def test_auto_accepted_names_the_number_of_the_day() -> None:
    """An order accepted by the PC itself is named by its number too."""
    assert phrasing.auto_accepted("1234", Language.ZH, 3) == "自动接单，3号订单，尾号一二三四"


def test_titles_carry_the_number_of_the_day() -> None:
    """Notification titles lead with the number staff call the order by."""
    assert phrasing.new_order_title("1234", Language.ZH, 12) == "新订单 12号 尾号1234"
    assert phrasing.reminder_title("1234", Language.EN, 12) == "Reminder · order 12 ending 1234"
