"""The settings dialog: server, device token, language and voice, alert timing, start at login."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.config import SERVER_URL_CONTEXT
from desktop.core.marks import Message, fill
from desktop.net.connection import Connection
from desktop.ui.icons import app_icon
from desktop.ui.naming import named
from desktop.ui.printer_settings import PrinterSettingsBox
from desktop.ui.settings_form import (
    LANGUAGES,
    LINK_DOWN_THRESHOLD_RANGE,
    RATE_PRESETS,
    REPEAT_INTERVAL_RANGE,
    RING_MODES,
    SettingsForm,
    normalized_server_url,
    server_url_problem,
)
from desktop.ui.texts import translated

Voices = Sequence[tuple[str, str]]


class SettingsDialog(QDialog):
    """Edits a :class:`SettingsForm`; non-modal, shown with ``show()``, never ``exec()``.

    Save stays disabled while the server address is not ``http(s)://host[:port]`` (an address
    typed without ``http://`` is completed, and the dialog says so); what is wrong with it shows
    once staff have typed in the field, not on an empty first-run form.

    Signals:
        saved(form): Save was clicked; the dialog closes right after.
        test_voice_requested(form): Test voice was clicked; ``form`` holds the current fields.
        test_connection_requested(form): Test connection was clicked; show the outcome with
            :meth:`show_connection`.
        rejected(): inherited from QDialog; Cancel was clicked or the dialog was closed.
    """

    saved = Signal(SettingsForm)
    test_voice_requested = Signal(SettingsForm)
    test_connection_requested = Signal(SettingsForm)

    def __init__(
        self, form: SettingsForm, voices: Voices = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.setModal(False)
        self.setWindowIcon(app_icon())
        self.url_edit = named(QLineEdit(), "server_url")
        self.url_error = named(QLabel(textFormat=Qt.TextFormat.PlainText), "url_error")
        self.url_error.setStyleSheet("color: #c62828;")
        self.url_error.setWordWrap(True)
        self.url_error.hide()
        self.url_hint = named(QLabel(textFormat=Qt.TextFormat.PlainText), "url_hint")
        self.url_hint.setStyleSheet("color: #546e7a;")
        self.url_hint.hide()
        self.test_connection_button = named(QPushButton(), "test_connection")
        self.connection_result = named(
            QLabel(textFormat=Qt.TextFormat.PlainText), "connection_result"
        )
        self.connection_result.setWordWrap(True)
        self.connection_result.hide()
        self._url_touched = False
        self._connection: tuple[Connection, Message | None] | None = None
        self._testing = False
        self.token_edit = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "token")
        self.token_shown = named(QCheckBox(), "show_token")
        self.language_box = named(QComboBox(), "language")
        self.voice_box = named(QComboBox(), "voice")
        self.rate_box = named(QComboBox(), "rate")
        self.volume_slider = _slider(0, 100, name="volume")
        self.volume_value = QLabel()
        self.chime_check = named(QCheckBox(), "chime")
        self.ring_mode_box = named(QComboBox(), "ring_mode")
        self.repeat_spin = _spin(*REPEAT_INTERVAL_RANGE, name="repeat_interval")
        self.threshold_spin = _spin(*LINK_DOWN_THRESHOLD_RANGE, name="link_down_threshold")
        self.login_check = named(QCheckBox(), "start_at_login")
        self.login_advice = named(QLabel(textFormat=Qt.TextFormat.PlainText), "login_advice")
        self.login_advice.setWordWrap(True)
        self.login_advice.setStyleSheet("color: #2e7d32;")
        self.login_advice.hide()
        self.test_voice_button = named(QPushButton(), "test_voice")
        self.voice_status = named(QLabel(textFormat=Qt.TextFormat.PlainText), "voice_status")
        self.voice_status.setWordWrap(True)
        self.voice_status.hide()
        self.save_button = named(QPushButton(default=True), "save")
        self.cancel_button = named(QPushButton(), "cancel")
        self.printing = PrinterSettingsBox()
        self._form = form
        self._voices: list[tuple[str, str]] = list(voices)
        self._rows: dict[str, QLabel] = {}
        self._connect()
        self._lay_out()
        self.load(form, voices)

    def load(self, form: SettingsForm, voices: Voices = ()) -> None:
        """Fill the fields from ``form``; ``voices`` lists ``(voice_id, display_name)``."""
        self._form = form
        self._voices = list(voices)
        self._url_touched = False
        self._connection = None
        self._testing = False
        self.url_edit.setText(form.server_url)
        self.token_edit.setText(form.token)
        self.token_shown.setChecked(False)
        self.volume_slider.setValue(round(form.volume * 100))
        self.chime_check.setChecked(form.chime)
        self.repeat_spin.setValue(form.repeat_interval_s)
        self.threshold_spin.setValue(form.link_down_threshold_s)
        self.login_check.setChecked(form.start_at_login)
        self.printing.load(form.printing)
        # Emptied, the choice lists take their selection from the new form.
        self.language_box.clear()
        self.voice_box.clear()
        self.ring_mode_box.clear()
        self.rate_box.clear()
        self.retranslate()
        self._validate()

    def form(self) -> SettingsForm:
        """The settings as the fields hold them now (the URL normalized when valid)."""
        url = self.url_edit.text()
        return SettingsForm(
            server_url=normalized_server_url(url) or url.strip(),
            token=self.token_edit.text().strip(),
            language=str(self.language_box.currentData()),
            voice=str(self.voice_box.currentData()),
            rate=int(self.rate_box.currentData()),
            volume=self.volume_slider.value() / 100,
            chime=self.chime_check.isChecked(),
            ring_mode=str(self.ring_mode_box.currentData()),
            repeat_interval_s=self.repeat_spin.value(),
            link_down_threshold_s=self.threshold_spin.value(),
            start_at_login=self.login_check.isChecked(),
            printing=self.printing.form(),
        )

    def advise_start_at_login(self, advised: bool) -> None:
        """Say why starting at login is ticked (the installed app's first run), or say nothing."""
        self.login_advice.setVisible(advised)

    def connection_testing(self) -> None:
        """Say that the connection test is running."""
        self._testing = True
        self._connection = None
        self._show_connection()

    def show_connection(self, outcome: Connection, detail: Message | None = None) -> None:
        """Show what the connection test found: 已连接 / 令牌错误 / 连不上 (and why)."""
        self._testing = False
        self._connection = (outcome, detail)
        self._show_connection()

    def set_voice_status(self, text: str) -> None:
        """Show the speech engine's state, e.g. why no voice works; empty hides the line."""
        self.voice_status.setText(text)
        self.voice_status.setVisible(bool(text))

    def bring_to_front(self) -> None:
        """Show the dialog, restored and active."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def retranslate(self) -> None:
        """Set every translatable text again in the current language, keeping the choices."""
        translate = QCoreApplication.translate
        self.setWindowTitle(translate("SettingsDialog", "OrderBell settings"))
        labels = {
            "server_url": translate("SettingsDialog", "Server address"),
            "token": translate("SettingsDialog", "Device token"),
            "language": translate("SettingsDialog", "Language"),
            "voice": translate("SettingsDialog", "Voice"),
            "rate": translate("SettingsDialog", "Speech rate"),
            "volume": translate("SettingsDialog", "Volume"),
            "ring_mode": translate("SettingsDialog", "Ring"),
            "repeat_interval": translate("SettingsDialog", "Repeat alerts every"),
            "link_down_threshold": translate("SettingsDialog", "Alarm when disconnected for"),
        }
        for name, text in labels.items():
            self._rows[name].setText(text)
        self.url_edit.setPlaceholderText("http://192.168.1.10:8000")
        self._validate()
        self.test_connection_button.setText(translate("SettingsDialog", "Test connection"))
        self._show_connection()
        self.token_shown.setText(translate("SettingsDialog", "Show"))
        self._fill_languages()
        self._fill_voices()
        self._fill_ring_modes()
        self.chime_check.setText(
            translate("SettingsDialog", "Ring a chime before each announcement")
        )
        self._fill_rates()
        seconds = translate("SettingsDialog", " s")
        self.repeat_spin.setSuffix(seconds)
        self.threshold_spin.setSuffix(seconds)
        self._show_volume(self.volume_slider.value())
        self.login_check.setText(translate("SettingsDialog", "Start OrderBell when I log in"))
        self.login_advice.setText(
            translate(
                "SettingsDialog",
                "Recommended: after a restart this PC rings again without anyone starting "
                "OrderBell.",
            )
        )
        self.test_voice_button.setText(translate("SettingsDialog", "Test voice"))
        self.save_button.setText(translate("SettingsDialog", "Save"))
        self.cancel_button.setText(translate("SettingsDialog", "Cancel"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _connect(self) -> None:
        self.url_edit.textEdited.connect(self._touch_url)
        self.url_edit.textChanged.connect(self._validate)
        self.url_edit.textChanged.connect(self._forget_connection)
        self.token_edit.textChanged.connect(self._forget_connection)
        self.test_connection_button.clicked.connect(
            lambda: self.test_connection_requested.emit(self.form())
        )
        self.printing.validity_changed.connect(lambda _valid: self._validate())
        self.token_shown.toggled.connect(self._show_token)
        self.volume_slider.valueChanged.connect(self._show_volume)
        self.test_voice_button.clicked.connect(lambda: self.test_voice_requested.emit(self.form()))
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self.reject)

    def _lay_out(self) -> None:
        fields = QFormLayout()
        token = QHBoxLayout()
        token.addWidget(self.token_edit, 1)
        token.addWidget(self.token_shown)
        volume = QHBoxLayout()
        volume.addWidget(self.volume_slider, 1)
        volume.addWidget(self.volume_value)
        rows: list[tuple[str, QWidget | QHBoxLayout]] = [
            ("server_url", self.url_edit),
            ("token", token),
            ("language", self.language_box),
            ("voice", self.voice_box),
            ("rate", self.rate_box),
            ("volume", volume),
            ("ring_mode", self.ring_mode_box),
            ("repeat_interval", self.repeat_spin),
            ("link_down_threshold", self.threshold_spin),
        ]
        for name, field in rows:
            label = QLabel()
            self._rows[name] = label
            fields.addRow(label, field)
            if name == "server_url":
                fields.addRow("", self.url_error)
                fields.addRow("", self.url_hint)
            if name == "token":
                connection = QHBoxLayout()
                connection.addWidget(self.test_connection_button)
                connection.addWidget(self.connection_result, 1)
                fields.addRow("", connection)
            if name == "volume":
                fields.addRow("", self.chime_check)
        fields.addRow("", self.login_check)
        fields.addRow("", self.login_advice)
        voice_test = QHBoxLayout()
        voice_test.addWidget(self.test_voice_button)
        voice_test.addWidget(self.voice_status, 1)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(fields)
        layout.addLayout(voice_test)
        layout.addWidget(self.printing)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

    def _fill_languages(self) -> None:
        current = self.language_box.currentData()
        if current is None:
            current = self._form.language
        self.language_box.clear()
        # Language names stay in their own language so anyone can find theirs.
        names = {
            "auto": QCoreApplication.translate("SettingsDialog", "Automatic (system language)"),
            "zh": "中文",
            "en": "English",
        }
        for code in LANGUAGES:
            self.language_box.addItem(names[code], code)
        self.language_box.setCurrentIndex(max(self.language_box.findData(current), 0))

    def _fill_voices(self) -> None:
        current = self.voice_box.currentData()
        if current is None:
            current = self._form.voice
        translate = QCoreApplication.translate
        self.voice_box.clear()
        self.voice_box.addItem(translate("SettingsDialog", "Automatic (by language)"), "")
        for voice_id, name in self._voices:
            self.voice_box.addItem(name, voice_id)
        if current and self.voice_box.findData(current) < 0:
            # Keep a chosen voice that this PC lacks now, so saving does not drop it silently.
            missing = fill(translate("SettingsDialog", "%1 (not available)"), current)
            self.voice_box.addItem(missing, current)
        self.voice_box.setCurrentIndex(max(self.voice_box.findData(current), 0))

    def _fill_ring_modes(self) -> None:
        current = self.ring_mode_box.currentData()
        if current is None:
            current = self._form.ring_mode
        self.ring_mode_box.clear()
        translate = QCoreApplication.translate
        names = {
            "announce": translate("SettingsDialog", "Chime and speech at each alert"),
            "continuous": translate("SettingsDialog", "Ring until the order is handled"),
        }
        for mode in RING_MODES:
            self.ring_mode_box.addItem(names[mode], mode)
        self.ring_mode_box.setCurrentIndex(max(self.ring_mode_box.findData(current), 0))

    def _fill_rates(self) -> None:
        current = self.rate_box.currentData()
        if current is None:
            current = self._form.rate
        translate = QCoreApplication.translate
        self.rate_box.clear()
        for label, rate in RATE_PRESETS:
            self.rate_box.addItem(translate(label.context, label), rate)
        if self.rate_box.findData(current) < 0:
            # A rate set before the presets existed (or by hand) stays as it is.
            custom = fill(translate("SettingsDialog", "Custom (%1 words/min)"), current)
            self.rate_box.addItem(custom, current)
        self.rate_box.setCurrentIndex(max(self.rate_box.findData(current), 0))

    def _touch_url(self) -> None:
        self._url_touched = True
        self._validate()

    def _validate(self) -> None:
        text = self.url_edit.text()
        problem = server_url_problem(text)
        translate = QCoreApplication.translate
        # An empty first-run form is not an error yet: say what is wrong once staff type.
        self.url_error.setText(translate(SERVER_URL_CONTEXT, problem or ""))
        self.url_error.setVisible(problem is not None and self._url_touched)
        completed = normalized_server_url(text)
        hint = completed is not None and completed.lower() != text.strip().rstrip("/").lower()
        if completed is not None and hint:
            self.url_hint.setText(
                fill(translate("SettingsDialog", "Will connect to %1"), completed)
            )
        self.url_hint.setVisible(hint)
        self.save_button.setEnabled(problem is None and self.printing.valid)
        self.test_connection_button.setEnabled(problem is None)

    def _forget_connection(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._show_connection()

    def _show_connection(self) -> None:
        translate = QCoreApplication.translate
        if self._testing:
            self.connection_result.setStyleSheet("color: #546e7a;")
            self.connection_result.setText(translate("SettingsDialog", "Testing…"))
            self.connection_result.show()
            return
        if self._connection is None:
            self.connection_result.hide()
            return
        outcome, detail = self._connection
        texts = {
            Connection.CONNECTED: translate("SettingsDialog", "Connected"),
            Connection.TOKEN_REJECTED: translate("SettingsDialog", "Token rejected"),
            Connection.UNREACHABLE: translate("SettingsDialog", "Cannot connect"),
            Connection.NO_TOKEN: translate("SettingsDialog", "Enter the device token first"),
        }
        text = texts[outcome]
        if detail is not None and outcome is Connection.UNREACHABLE:
            text = f"{text}: {translated(detail)}"
        good = outcome is Connection.CONNECTED
        self.connection_result.setStyleSheet(f"color: {'#2e7d32' if good else '#c62828'};")
        self.connection_result.setText(text)
        self.connection_result.show()

    def _show_token(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.token_edit.setEchoMode(mode)

    def _show_volume(self, value: int) -> None:
        self.volume_value.setText(f"{value}%")

    def _save(self) -> None:
        if normalized_server_url(self.url_edit.text()) is None or not self.printing.valid:
            return
        self.saved.emit(self.form())
        self.accept()


def _slider(low: int, high: int, name: str) -> QSlider:
    slider = named(QSlider(Qt.Orientation.Horizontal), name)
    slider.setRange(low, high)
    return slider


def _spin(low: int, high: int, name: str) -> QSpinBox:
    spin = named(QSpinBox(), name)
    spin.setRange(low, high)
    return spin
