"""Asking before Quit: a counter PC that quits hears no more orders."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from desktop.core.marks import fill
from desktop.ui.icons import app_icon
from desktop.ui.naming import named


class QuitConfirmation(QMessageBox):
    """ "Quit OrderBell?" with the number of orders still waiting; Cancel is the default.

    Non-modal (shown with ``open()``-like :meth:`ask`, never ``exec()``) and above the alert
    cards, so it cannot open behind them.

    Signals:
        confirmed(): staff chose to quit.
    """

    confirmed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("QuitConfirmation")
        self.setWindowIcon(app_icon())
        self.setIcon(QMessageBox.Icon.Warning)
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.quit_button: QPushButton = named(
            self.addButton("", QMessageBox.ButtonRole.DestructiveRole), "quit"
        )
        self.cancel_button: QPushButton = named(
            self.addButton("", QMessageBox.ButtonRole.RejectRole), "cancel"
        )
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)
        self._waiting = 0
        self.buttonClicked.connect(self._clicked)
        self.retranslate()

    def ask(self, waiting: int) -> None:
        """Ask whether to quit while ``waiting`` orders wait to be accepted."""
        self._waiting = waiting
        self.retranslate()
        self.show()
        self.raise_()
        self.activateWindow()

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""
        translate = QCoreApplication.translate
        self.setWindowTitle(translate("QuitConfirmation", "Quit OrderBell?"))
        if self._waiting:
            heading = fill(
                translate("QuitConfirmation", "%1 orders are still waiting to be accepted."),
                self._waiting,
            )
        else:
            heading = translate("QuitConfirmation", "Quit OrderBell?")
        self.setText(heading)
        self.setInformativeText(
            translate(
                "QuitConfirmation",
                "Once OrderBell quits, this PC no longer rings for new orders or reminders.",
            )
        )
        self.quit_button.setText(translate("QuitConfirmation", "Quit OrderBell"))
        self.cancel_button.setText(translate("QuitConfirmation", "Keep taking orders"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _clicked(self, button: object) -> None:
        if button is self.quit_button:
            self.confirmed.emit()
