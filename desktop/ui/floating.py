"""The always-on-top window kind that alert and notice cards share."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame

CARD_FLAGS = (
    Qt.WindowType.Tool
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    # Staff click a card between keystrokes at the POS: the click must not take its focus.
    | Qt.WindowType.WindowDoesNotAcceptFocus
)


class FloatingCard(QFrame):
    """A frameless top-level card that stays above other windows and never takes focus.

    Subclasses style themselves through their object name and implement :meth:`retranslate`,
    which runs again whenever the application's language changes.
    """

    def __init__(self, object_name: str) -> None:
        super().__init__(None, CARD_FLAGS)
        self.setObjectName(object_name)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        # On macOS tool windows vanish while another app is active; a card must not.
        self.setAttribute(Qt.WidgetAttribute.WA_MacAlwaysShowToolWindow)

    def pop_up(self) -> None:
        """Show the card, or bring it back in front of other windows."""
        self.show()
        self.raise_()

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
