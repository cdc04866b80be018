"""The dialog that answers a customer's reminder (催单): one click on a preset, or a line typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.marks import fill
from desktop.ui.naming import named
from desktop.ui.placing import show_placed
from orderbell_protocol import MAX_REPLY_CHARS, REPLY_PRESETS

# What staff see for each preset the server knows (orderbell_protocol.REPLY_PRESETS). The
# customer reads the preset's Chinese words whatever the UI language; the Chinese translation
# of each label is meant to be those words.
REPLY_LABELS: dict[str, str] = {
    "cooking": str(QT_TRANSLATE_NOOP("ReplyDialog", "Being prepared")),
    "ready_soon": str(QT_TRANSLATE_NOOP("ReplyDialog", "Ready in a moment")),
    "rider_picked_up": str(QT_TRANSLATE_NOOP("ReplyDialog", "The rider has it")),
}


class ReplyDialog(QDialog):
    """Answers a reminded order: a preset with one click, or the counter's own line of text.

    Non-modal and reusable like the Reject dialog: :meth:`ask` shows it for an order, on top
    of the cards and beside the order's card.

    Signals:
        reply_chosen(order_id, preset, text): a preset was clicked (``preset`` is its name,
            ``text`` empty) or a typed line was sent (``preset`` empty).
        rejected(): inherited from QDialog; staff cancelled or closed the dialog.
    """

    reply_chosen = Signal(int, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReplyDialog")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self._order_id = 0
        self._called = ""
        self.heading = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.preset_buttons = {
            name: named(QPushButton(), f"preset_{name}") for name in REPLY_PRESETS
        }
        for name, button in self.preset_buttons.items():
            # Enter in the text line must never send a preset the staff did not click.
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, chosen=name: self._choose(chosen, ""))
        self.text_edit = named(QLineEdit(maxLength=MAX_REPLY_CHARS), "reply_text")
        self.send_button = named(QPushButton(default=True), "send")
        self.cancel_button = named(QPushButton(autoDefault=False), "cancel")
        self.text_edit.textChanged.connect(self._update_send)
        self.text_edit.returnPressed.connect(self._send_text)
        self.send_button.clicked.connect(self._send_text)
        self.cancel_button.clicked.connect(self.reject)
        self._lay_out()
        self.retranslate()
        self._update_send()

    @property
    def order_id(self) -> int:
        """The order the dialog answers."""
        return self._order_id

    def ask(
        self, order_id: int, called: str, place: Callable[[QWidget], None] | None = None
    ) -> None:
        """Answer order ``order_id`` (``called`` as staff call it) afresh and show the dialog;
        ``place`` moves it beside the order's card, before and once more after it shows."""
        self._order_id = order_id
        self._called = called
        self.text_edit.clear()
        self.retranslate()
        show_placed(self, place)

    def typed(self) -> str | None:
        """The typed line as it would be sent, or None while it is empty."""
        text = self.text_edit.text().strip()
        return text if 0 < len(text) <= MAX_REPLY_CHARS else None

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""
        translate = QCoreApplication.translate
        self.setWindowTitle(translate("ReplyDialog", "Reply to customer"))
        self.heading.setText(
            fill(translate("ReplyDialog", "Answer the customer of order %1:"), self._called)
        )
        for name, button in self.preset_buttons.items():
            button.setText(translate("ReplyDialog", REPLY_LABELS[name]))
            # The customer reads the Chinese words whatever the UI language; let staff see them.
            button.setToolTip(REPLY_PRESETS[name])
        self.text_edit.setPlaceholderText(translate("ReplyDialog", "Or type a short reply"))
        self.send_button.setText(translate("ReplyDialog", "Send"))
        self.cancel_button.setText(translate("ReplyDialog", "Cancel"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _lay_out(self) -> None:
        presets = QHBoxLayout()
        for button in self.preset_buttons.values():
            presets.addWidget(button)
        typed = QHBoxLayout()
        typed.addWidget(self.text_edit, 1)
        typed.addWidget(self.send_button)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(presets)
        layout.addLayout(typed)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)

    def _update_send(self) -> None:
        self.send_button.setEnabled(self.typed() is not None)

    def _send_text(self) -> None:
        text = self.typed()
        if text is not None:
            self._choose("", text)

    def _choose(self, preset: str, text: str) -> None:
        self.reply_chosen.emit(self._order_id, preset, text)
        self.accept()
