"""The tray icon and its menu: the app's permanent presence on the counter PC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal, SignalInstance
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.core.marks import fill
from desktop.ui.icons import TrayState, tray_icon
from desktop.ui.texts import clock_text

MUTE_MINUTES = (15, 30, 60)
MESSAGE_MILLISECONDS = 10_000


class Tray(QObject):
    """A system tray icon showing the app's state, with the app's menu.

    It works as an object where no tray exists (``available`` is False, e.g. offscreen):
    the menu's actions can still be triggered.

    Signals:
        orders_requested(): Orders was chosen, the icon was clicked, or a message was clicked.
        mute_requested(minutes): a Mute duration was chosen; 0 means Unmute.
        test_alert_requested(): Test alert was chosen.
        settings_requested(): Settings… was chosen.
        reconnect_requested(): Reconnect was chosen.
        quit_requested(): Quit was chosen.
    """

    orders_requested = Signal()
    mute_requested = Signal(int)
    test_alert_requested = Signal()
    settings_requested = Signal()
    reconnect_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = TrayState.DISCONNECTED
        self._count = 0
        self._muted_until: datetime | None = None
        self._detail = ""
        self._menu = QMenu()
        self._mute_menu = QMenu(self._menu)
        self._actions: dict[str, QAction] = {}
        self._icon = QSystemTrayIcon(self)
        self._build_menu()
        self._icon.setContextMenu(self._menu)
        self._icon.activated.connect(self._activated)
        self._icon.messageClicked.connect(self.orders_requested)
        # QObjects get no LanguageChange of their own; the menu, a widget, does.
        self._menu.installEventFilter(self)
        self.retranslate()
        self.set_state(self._state)

    @property
    def available(self) -> bool:
        """True when the desktop has a system tray to show the icon in."""
        return QSystemTrayIcon.isSystemTrayAvailable()

    @property
    def menu(self) -> QMenu:
        """The tray menu."""
        return self._menu

    @property
    def mute_menu(self) -> QMenu:
        """The Mute submenu."""
        return self._mute_menu

    @property
    def state(self) -> TrayState:
        """The state the icon shows."""
        return self._state

    def action(self, name: str) -> QAction:
        """A menu action by name: orders, mute_15, mute_30, mute_60, unmute, test_alert,
        settings, reconnect, quit."""
        return self._actions[name]

    def icon(self) -> QIcon:
        """The icon shown now."""
        return self._icon.icon()

    def tool_tip(self) -> str:
        """The tooltip shown now."""
        return self._icon.toolTip()

    def show(self) -> bool:
        """Put the icon in the tray; False where there is no tray."""
        if not self.available:
            return False
        self._icon.show()
        return True

    def hide(self) -> None:
        """Take the icon out of the tray (before quitting)."""
        self._icon.hide()

    def set_state(
        self,
        state: TrayState,
        count: int = 0,
        muted_until: datetime | None = None,
        detail: str = "",
    ) -> None:
        """Show ``state`` (``count`` orders waiting when alerting) and explain it in the tooltip."""
        self._state = state
        self._count = count
        self._muted_until = muted_until
        self._detail = detail
        self._icon.setIcon(tray_icon(state, count))
        self._actions["unmute"].setEnabled(muted_until is not None)
        self._icon.setToolTip(self._tool_tip_text())

    def notify(self, title: str, text: str) -> bool:
        """Show a desktop notification if this desktop can; True when it was handed over.

        Best effort only: the OS may still swallow it (Focus Assist, Do Not Disturb).
        """
        if not (self.available and QSystemTrayIcon.supportsMessages()):
            return False
        self._icon.showMessage(title, text, self._icon.icon(), MESSAGE_MILLISECONDS)
        return True

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""
        translate = QCoreApplication.translate
        texts = {
            "orders": translate("Tray", "Orders"),
            "unmute": translate("Tray", "Unmute"),
            "test_alert": translate("Tray", "Test alert"),
            "settings": translate("Tray", "Settings…"),
            "reconnect": translate("Tray", "Reconnect"),
            "quit": translate("Tray", "Quit"),
        }
        for minutes in MUTE_MINUTES:
            texts[f"mute_{minutes}"] = fill(translate("Tray", "%1 minutes"), minutes)
        for name, text in texts.items():
            self._actions[name].setText(text)
        self._mute_menu.setTitle(translate("Tray", "Mute"))
        self._icon.setToolTip(self._tool_tip_text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self._menu and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return super().eventFilter(watched, event)

    def _build_menu(self) -> None:
        def add(menu: QMenu, name: str, slot: SignalInstance | Callable[[], None]) -> None:
            action = menu.addAction("")
            action.setObjectName(name)
            action.triggered.connect(slot)
            self._actions[name] = action

        add(self._menu, "orders", self.orders_requested)
        self._menu.addMenu(self._mute_menu)
        for minutes in MUTE_MINUTES:
            add(self._mute_menu, f"mute_{minutes}", self._mute_for(minutes))
        self._mute_menu.addSeparator()
        add(self._mute_menu, "unmute", self._mute_for(0))
        add(self._menu, "test_alert", self.test_alert_requested)
        add(self._menu, "settings", self.settings_requested)
        add(self._menu, "reconnect", self.reconnect_requested)
        self._menu.addSeparator()
        add(self._menu, "quit", self.quit_requested)

    def _mute_for(self, minutes: int) -> Callable[[], None]:
        def emit() -> None:
            self.mute_requested.emit(minutes)

        return emit

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        clicks = (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        )
        if reason in clicks:
            self.orders_requested.emit()

    def _tool_tip_text(self) -> str:
        translate = QCoreApplication.translate
        lines = [translate("Tray", "OrderBell")]
        if self._state is TrayState.CONNECTED:
            lines.append(translate("Tray", "Connected"))
        elif self._state is TrayState.ALERTING:
            lines.append(fill(translate("Tray", "Orders waiting: %1"), self._count))
        elif self._state is TrayState.DISCONNECTED:
            lines.append(translate("Tray", "Disconnected"))
        elif self._state is TrayState.NO_SOUND:
            lines.append(translate("Tray", "No sound output"))
        if self._muted_until is not None:
            lines.append(fill(translate("Tray", "Muted until %1"), clock_text(self._muted_until)))
        elif self._state is TrayState.MUTED:
            lines.append(translate("Tray", "Muted"))
        if self._detail:
            lines.append(self._detail)
        return "\n".join(lines)
