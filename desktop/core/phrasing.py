"""The words OrderBell speaks and the short texts of its cards and notifications, in zh and en."""

from __future__ import annotations

from enum import Enum


class Language(Enum):
    """A language OrderBell speaks."""

    ZH = "zh"
    EN = "en"


def language_for_locale(name: str) -> Language:
    """Chinese for a Chinese locale name (``zh_CN``, ``zh-Hant``, Windows' ``Chinese (...)``)."""
    lowered = name.strip().lower()
    if lowered.startswith(("zh", "chinese")):
        return Language.ZH
    return Language.EN


_DIGITS_ZH = "零一二三四五六七八九"
_DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def spoken_tail(tail: str, language: Language) -> str:
    """A tail number said digit by digit: 尾号一三五四, ending one three five four.

    Written as digits an engine reads it as a cardinal (一千三百五十四, one thousand three hundred
    fifty-four). Anything but an ASCII digit is kept as it is.
    """
    if language is Language.ZH:
        return "".join(_DIGITS_ZH[int(char)] if _is_digit(char) else char for char in tail)
    return " ".join(_DIGITS_EN[int(char)] if _is_digit(char) else char for char in tail)


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def new_order(tail: str, language: Language, day_seq: int | None = None) -> str:
    """One new paid order, spoken: its number of the day first (12号订单), then its tail.

    The number of the day is said as a number (十二号, order twelve): staff call it so.
    """
    said = spoken_tail(tail, language)
    if language is Language.ZH:
        if day_seq is not None:
            return f"您有新的外卖订单，{day_seq}号订单，尾号{said}"
        return f"您有新的外卖订单，尾号{said}"
    if day_seq is not None:
        return f"New order, order {day_seq}, number ending {said}"
    return f"New order, number ending {said}"


def new_orders(count: int, language: Language) -> str:
    """Several new orders that arrived together, said once."""
    if count < 2:
        raise ValueError(f"a burst needs at least 2 orders, got {count}")
    if language is Language.ZH:
        return f"您有{count}个新订单"
    return f"You have {count} new orders"


def reminder(
    tail: str, waited_seconds: int | None, language: Language, day_seq: int | None = None
) -> str:
    """A customer hurries an order, spoken; the waiting time is left out when unknown."""
    said = spoken_tail(tail, language)
    if language is Language.ZH:
        text = f"顾客催单，尾号{said}"
        if day_seq is not None:
            text = f"顾客催单，{day_seq}号订单，尾号{said}"
        if waited_seconds is not None:
            text += f"，{waited(waited_seconds, language)}"
        return text
    text = f"Customer reminder, order ending {said}"
    if day_seq is not None:
        text = f"Customer reminder, order {day_seq}, ending {said}"
    if waited_seconds is not None:
        text += f", {waited(waited_seconds, language)}"
    return text


def waited(waited_seconds: int, language: Language) -> str:
    """How long a customer has waited, in whole minutes: 已等待18分钟, waiting 18 minutes."""
    if language is Language.ZH:
        return f"已等待{_minutes_zh(waited_seconds)}"
    return f"waiting {_minutes_en(waited_seconds)}"


def still_waiting(tail: str, language: Language, day_seq: int | None = None) -> str:
    """The repeat of one order nobody has accepted yet, spoken."""
    said = spoken_tail(tail, language)
    if language is Language.ZH:
        if day_seq is not None:
            return f"{day_seq}号订单还未接单，尾号{said}"
        return f"尾号{said}的订单还未接单"
    if day_seq is not None:
        return f"Order {day_seq} is still waiting, ending {said}"
    return f"Order ending {said} is still waiting"


def orders_still_waiting(count: int, language: Language) -> str:
    """The repeat of several unaccepted orders that fell due together."""
    if count < 2:
        raise ValueError(f"a group repeat needs at least 2 orders, got {count}")
    if language is Language.ZH:
        return f"您有{count}个订单还未接单"
    return f"{count} orders are still waiting"


def link_down(language: Language) -> str:
    """The link to the server has been down too long: no alert can arrive."""
    if language is Language.ZH:
        return "订单提醒已断开，请检查网络"
    return "Order alerts disconnected, please check the network"


def link_back(language: Language) -> str:
    """The link is back after an alarm."""
    if language is Language.ZH:
        return "订单提醒已恢复"
    return "Order alerts reconnected"


def new_order_title(tail: str, language: Language, day_seq: int | None = None) -> str:
    """Card or notification title of a new order."""
    if language is Language.ZH:
        return f"新订单 {_number_zh(day_seq)}尾号{tail}"
    return f"New order{_number_en(day_seq)} · ending {tail}"


def reminder_title(tail: str, language: Language, day_seq: int | None = None) -> str:
    """Card or notification title of a hurried order."""
    if language is Language.ZH:
        return f"顾客催单 {_number_zh(day_seq)}尾号{tail}"
    return f"Reminder · order{_number_en(day_seq)} ending {tail}"


def link_down_title(language: Language) -> str:
    """Card or notification title while the link alarm is on."""
    if language is Language.ZH:
        return "订单提醒已断开"
    return "Order alerts disconnected"


def auto_accepted(tail: str, language: Language, day_seq: int | None = None) -> str:
    """This PC accepted an order by itself (auto-accept); said once, never repeated."""
    said = spoken_tail(tail, language)
    if language is Language.ZH:
        if day_seq is not None:
            return f"自动接单，{day_seq}号订单，尾号{said}"
        return f"自动接单，尾号{said}"
    if day_seq is not None:
        return f"Order {day_seq} accepted automatically, ending {said}"
    return f"Order ending {said} accepted automatically"


def printer_unreachable(language: Language) -> str:
    """The kitchen printer cannot be reached: tickets wait."""
    if language is Language.ZH:
        return "打印机连接失败"
    return "Printer connection failed"


def printer_out_of_paper(language: Language) -> str:
    """The kitchen printer says its roll is out: tickets wait."""
    if language is Language.ZH:
        return "打印机缺纸"
    return "Printer out of paper"


def format_amount(amount_fen: int) -> str:
    """Money for a card: integer fen as yuan with two decimals, e.g. ``¥23.50``."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}¥{yuan}.{fen:02d}"


def _number_zh(day_seq: int | None) -> str:
    return "" if day_seq is None else f"{day_seq}号 "


def _number_en(day_seq: int | None) -> str:
    return "" if day_seq is None else f" {day_seq}"


def _minutes_zh(waited_seconds: int) -> str:
    minutes = max(waited_seconds, 0) // 60
    return "不到1分钟" if minutes == 0 else f"{minutes}分钟"


def _minutes_en(waited_seconds: int) -> str:
    minutes = max(waited_seconds, 0) // 60
    if minutes == 0:
        return "less than a minute"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
