"""The Sky Take-out reasons for rejecting an order, and the labels staff see for them."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

# The reason texts are data: the server stores them and the customer reads them, so they stay
# Chinese whatever the UI language. Staff see a translatable label instead; the Chinese
# translation of each label is meant to be the reason text itself.
REJECT_REASONS: tuple[tuple[str, str], ...] = (
    (
        "订单量较多，暂时无法接单",
        str(QT_TRANSLATE_NOOP("RejectDialog", "Too many orders right now")),
    ),
    ("菜品已销售完，暂时无法接单", str(QT_TRANSLATE_NOOP("RejectDialog", "Dishes sold out"))),
    ("餐厅已打烊，暂时无法接单", str(QT_TRANSLATE_NOOP("RejectDialog", "Restaurant closed"))),
)

MAX_REASON_LENGTH = 200


def reason_label(reason: str) -> str:
    """The label of a preset reason in the UI language; any other reason as it was typed."""
    for text, label in REJECT_REASONS:
        if text == reason:
            return QCoreApplication.translate("RejectDialog", label)
    return reason
