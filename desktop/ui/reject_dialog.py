"""The dialog that asks why an order is rejected."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.marks import fill
from desktop.ui.naming import named
from desktop.ui.placing import show_placed
from desktop.ui.reject_reasons import MAX_REASON_LENGTH, REJECT_REASONS


class RejectDialog(QDialog):
    """Asks for one of the Sky Take-out reasons or a typed one (1 to 200 characters).

    Non-modal and reusable: :meth:`ask` shows it for an order; it never runs a nested event
    loop. Nothing is chosen at first, so a stray Enter cannot reject an order. It stays on top
    of other windows, alert cards included, so it never opens behind the card it is about.

    Signals:
        reason_chosen(order_id, reason): staff confirmed; ``reason`` is the text for the server.
        rejected(): inherited from QDialog; staff cancelled or closed the dialog.
    """

    reason_chosen = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RejectDialog")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self._order_id = 0
        self._tail = ""
        self.heading = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.preset_buttons = [named(QRadioButton(), f"preset_{i}") for i in range(3)]
        self.other_button = named(QRadioButton(), "other")
        self.other_edit = named(QLineEdit(maxLength=MAX_REASON_LENGTH), "other_text")
        self.ok_button = named(QPushButton(default=True), "ok")
        self.cancel_button = named(QPushButton(), "cancel")
        self._choices = QButtonGroup(self)
        for button in (*self.preset_buttons, self.other_button):
            self._choices.addButton(button)
        self._choices.buttonToggled.connect(self._update_ok)
        self.other_edit.textEdited.connect(lambda _: self.other_button.setChecked(True))
        self.other_edit.textChanged.connect(self._update_ok)
        self.ok_button.clicked.connect(self._confirm)
        self.cancel_button.clicked.connect(self.reject)
        self._lay_out()
        self.retranslate()
        self._update_ok()

    @property
    def order_id(self) -> int:
        """The order the dialog asks about."""
        return self._order_id

    def ask(self, order_id: int, tail: str, place: Callable[[QWidget], None] | None = None) -> None:
        """Ask afresh about order ``order_id`` (called by its ``tail``) and show the dialog.

        ``place`` moves the dialog where it belongs (beside the order's card) before it shows,
        and once more when shown, when its window frame is known.
        """
        self._order_id = order_id
        self._tail = tail
        self._choices.setExclusive(False)
        for button in self._choices.buttons():
            button.setChecked(False)
        self._choices.setExclusive(True)
        self.other_edit.clear()
        self.retranslate()
        self._update_ok()
        show_placed(self, place)

    def reason(self) -> str | None:
        """The reason as it would be sent, or None while the choice is incomplete."""
        for button, (text, _) in zip(self.preset_buttons, REJECT_REASONS, strict=True):
            if button.isChecked():
                return text
        if self.other_button.isChecked():
            typed = self.other_edit.text().strip()
            if 0 < len(typed) <= MAX_REASON_LENGTH:
                return typed
        return None

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""
        translate = QCoreApplication.translate
        self.setWindowTitle(translate("RejectDialog", "Reject order"))
        self.heading.setText(
            fill(translate("RejectDialog", "Why reject order ending %1?"), self._tail)
        )
        for button, (text, label) in zip(self.preset_buttons, REJECT_REASONS, strict=True):
            button.setText(translate("RejectDialog", label))
            # The customer reads the Chinese text whatever the UI language; let staff see it.
            button.setToolTip(text)
        self.other_button.setText(translate("RejectDialog", "Other reason:"))
        self.other_edit.setPlaceholderText(
            translate("RejectDialog", "The reason the customer will see")
        )
        self.ok_button.setText(translate("RejectDialog", "Reject order"))
        self.cancel_button.setText(translate("RejectDialog", "Cancel"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _lay_out(self) -> None:
        other = QHBoxLayout()
        other.addWidget(self.other_button)
        other.addWidget(self.other_edit, 1)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        for button in self.preset_buttons:
            layout.addWidget(button)
        layout.addLayout(other)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.reason() is not None)

    def _confirm(self) -> None:
        reason = self.reason()
        if reason is None:
            return
        self.reason_chosen.emit(self._order_id, reason)
        self.accept()
