"""The always-on-top card for notices that are not orders: link down, token rejected, self-check."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.core.marks import Message
from desktop.ui.floating import FloatingCard
from desktop.ui.naming import named
from desktop.ui.textfit import fit_lines
from desktop.ui.texts import translated

NOTICE_WIDTH = 380
SCREEN_MARGIN = 12
TITLE_LINES = 2
TEXT_LINES = 8


class NoticeLevel(Enum):
    """How loud a notice looks: an alarm is red, a warning amber, good news green."""

    ALARM = "alarm"
    WARNING = "warning"
    INFO = "info"


class NoticeAction(Enum):
    """The optional button of a notice."""

    NONE = "none"
    OPEN_SETTINGS = "open_settings"
    RECONNECT = "reconnect"


_COLORS = {
    NoticeLevel.ALARM: ("#fdecea", "#c62828"),
    NoticeLevel.WARNING: ("#fff8e1", "#f9a825"),
    NoticeLevel.INFO: ("#e8f5e9", "#2e7d32"),
}
_STYLE = """
#NoticeCard { background: #ffffff; border: 4px solid %(card_border)s; }
QLabel { font-size: 14px; color: #263238; }
QLabel#title { font-size: 15px; font-weight: 700; }
QPushButton { font-size: 14px; min-height: 28px; padding: 0 12px; border-radius: 4px;
              border: 1px solid #90a4ae; background: #eceff1; color: #263238; }
"""


class _Notice(QFrame):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.setObjectName("notice")
        self.level = NoticeLevel.ALARM
        self.action = NoticeAction.NONE
        self.title_text: Message | str = ""
        self.body_text: Message | str = ""
        self.title = named(QLabel(textFormat=Qt.TextFormat.PlainText), "title")
        self.text = named(QLabel(textFormat=Qt.TextFormat.PlainText), "text")
        self._width = NOTICE_WIDTH
        self.action_button = named(QPushButton(), f"action_{kind}")
        self.close_button = named(QPushButton(), f"close_{kind}")
        self.expiry = QTimer(self)
        self.expiry.setSingleShot(True)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.action_button)
        buttons.addWidget(self.close_button)
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)

    def restyle(self, level: NoticeLevel, action: NoticeAction) -> None:
        self.level = level
        self.action = action
        background, border = _COLORS[level]
        self.setStyleSheet(
            f"QFrame#notice {{ background: {background}; border-left: 6px solid {border}; }}"
        )
        self.retranslate()

    def fit(self, width: int) -> None:
        """Break the texts into lines for a notice ``width`` pixels wide (its frame included)."""
        self._width = width
        self.retranslate()

    def retranslate(self) -> None:
        translate = QCoreApplication.translate
        self.ensurePolished()
        frame, margins = self.contentsMargins(), self._layout.contentsMargins()
        inner = self._width - frame.left() - frame.right() - margins.left() - margins.right()
        for label, text, max_lines in (
            (self.title, translated(self.title_text), TITLE_LINES),
            (self.text, translated(self.body_text), TEXT_LINES),
        ):
            label.ensurePolished()
            lines, _ = fit_lines(text, label.font(), inner, max_lines) if text else ([], False)
            label.setText("\n".join(lines))
        self.text.setVisible(bool(self.text.text()))
        labels = {
            NoticeAction.NONE: "",
            NoticeAction.OPEN_SETTINGS: translate("NoticeCard", "Open settings"),
            NoticeAction.RECONNECT: translate("NoticeCard", "Reconnect now"),
        }
        self.action_button.setText(labels[self.action])
        self.action_button.setVisible(self.action is not NoticeAction.NONE)
        self.close_button.setText(translate("NoticeCard", "Close"))


class NoticeCard(FloatingCard):
    """Notices about the app itself, one per kind, in the top-right corner of the screen.

    Titles and texts are messages, shown in the UI language and re-translated when it changes.
    Showing a kind again updates it in place; the card hides when its last notice goes. A
    notice shown with ``hide_after_ms`` goes by itself after that long.

    Signals:
        action_clicked(kind): the action button of that notice was clicked.
        dismissed(kind): staff closed that notice with its Close button.
        changed(): the card was shown, hidden or resized (the alert cards make room for it).
    """

    action_clicked = Signal(str)
    dismissed = Signal(str)
    changed = Signal()

    def __init__(self) -> None:
        super().__init__("NoticeCard")
        self.setFixedWidth(NOTICE_WIDTH)
        self._notices: dict[str, _Notice] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(10, 10, 10, 10)
        self._layout.setSpacing(8)

    def show_notice(
        self,
        kind: str,
        title: Message | str,
        text: Message | str,
        level: NoticeLevel = NoticeLevel.ALARM,
        action: NoticeAction = NoticeAction.NONE,
        hide_after_ms: int | None = None,
    ) -> None:
        """Show or update the notice of ``kind`` and bring the card in front."""
        notice = self._notices.get(kind)
        if notice is None:
            notice = self._new_notice(kind)
        notice.title_text, notice.body_text = title, text
        notice.restyle(level, action)
        notice.expiry.stop()
        if hide_after_ms is not None:
            notice.expiry.start(hide_after_ms)
        self._refresh()
        self.pop_up()

    def update_notice(self, kind: str, title: Message | str, text: Message | str) -> None:
        """Change the texts of the notice of ``kind`` if it is shown (closed stays closed)."""
        notice = self._notices.get(kind)
        if notice is None:
            return
        notice.title_text, notice.body_text = title, text
        notice.retranslate()
        self._refresh()

    def clear(self, kind: str) -> None:
        """Remove the notice of ``kind``; an unknown kind is ignored."""
        notice = self._notices.pop(kind, None)
        if notice is None:
            return
        self._layout.removeWidget(notice)
        notice.hide()
        notice.deleteLater()
        self._refresh()

    def kinds(self) -> list[str]:
        """The kinds shown, oldest first."""
        return list(self._notices)

    def level(self, kind: str) -> NoticeLevel | None:
        """How loud the notice of ``kind`` looks, if it is shown."""
        notice = self._notices.get(kind)
        return None if notice is None else notice.level

    def retranslate(self) -> None:
        for notice in self._notices.values():
            notice.retranslate()

    def hides_in(self, kind: str) -> int | None:
        """Milliseconds until the notice of ``kind`` goes by itself; None if it stays."""
        notice = self._notices.get(kind)
        if notice is None or not notice.expiry.isActive():
            return None
        return notice.expiry.remainingTime()

    def text_of(self, kind: str) -> str:
        """What the notice of ``kind`` says now, in the UI language ("" when it is not shown)."""
        notice = self._notices.get(kind)
        return "" if notice is None else translated(notice.body_text)

    def _new_notice(self, kind: str) -> _Notice:
        notice = _Notice(kind)
        notice.expiry.timeout.connect(lambda: self.clear(kind))
        notice.action_button.clicked.connect(lambda: self.action_clicked.emit(kind))
        notice.close_button.clicked.connect(lambda: self._dismiss(kind))
        self._notices[kind] = notice
        self._layout.addWidget(notice)
        return notice

    def _dismiss(self, kind: str) -> None:
        self.clear(kind)
        self.dismissed.emit(kind)

    def _refresh(self) -> None:
        self._place()
        self.changed.emit()

    def _place(self) -> None:
        if not self._notices:
            self.hide()
            return
        levels = {notice.level for notice in self._notices.values()}
        # The loudest notice colours the card.
        level = next(
            (loud for loud in (NoticeLevel.ALARM, NoticeLevel.WARNING) if loud in levels),
            NoticeLevel.INFO,
        )
        self.setStyleSheet(_STYLE % {"card_border": _COLORS[level][1]})
        self.ensurePolished()
        margins = self._layout.contentsMargins()
        width = self.contentsRect().width() - margins.left() - margins.right()
        for notice in self._notices.values():
            notice.fit(width)
        # Labels do not wrap by themselves (see textfit): the card is as tall as its lines.
        self._layout.invalidate()
        self.setFixedHeight(self.sizeHint().height())
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.move(
                area.x() + area.width() - SCREEN_MARGIN - self.width(),
                area.y() + SCREEN_MARGIN,
            )
