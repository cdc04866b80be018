"""The kitchen printer's part of the settings dialog: address, when to print, auto-accept, test."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop.printing.uri import PRINTER_URI_CONTEXT, PrinterUriError, parse_printer_uri
from desktop.ui.naming import named
from desktop.ui.settings_form import (
    COPIES_RANGE,
    PRINT_ON_CHOICES,
    TICKET_TEXT_CHOICES,
    PrinterForm,
)

PAPER_WIDTHS = (58, 80)
_ERROR_STYLE = "color: #c62828;"
_OK_STYLE = "color: #2e7d32;"


def printer_error(text: str) -> str:
    """Why ``text`` is not a usable printer address, translated; "" when it is (or empty)."""
    if not text.strip():
        return ""
    try:
        parse_printer_uri(text)
    except PrinterUriError as exc:
        return QCoreApplication.translate(PRINTER_URI_CONTEXT, str(exc))
    return ""


class PrinterSettingsBox(QGroupBox):
    """Edits a :class:`PrinterForm`.

    Signals:
        print_test_requested(form): Print test ticket was clicked with a usable address.
        validity_changed(valid): the address became usable (or empty) or stopped being so.
    """

    print_test_requested = Signal(PrinterForm)
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PrinterSettings")
        self.printer_edit = named(QLineEdit(), "printer")
        self.printer_error = named(QLabel(textFormat=Qt.TextFormat.PlainText), "printer_error")
        self.printer_error.setStyleSheet(_ERROR_STYLE)
        self.printer_error.setWordWrap(True)
        self.printer_error.hide()
        self.print_on_box = named(QComboBox(), "print_on")
        self.copies_spin = named(QSpinBox(), "copies")
        self.copies_spin.setRange(*COPIES_RANGE)
        self.paper_box = named(QComboBox(), "paper_mm")
        self.text_box = named(QComboBox(), "ticket_text")
        self.title_edit = named(QLineEdit(), "ticket_title")
        self.title_edit.setMaxLength(60)
        self.auto_accept_check = named(QCheckBox(), "auto_accept")
        self.test_button = named(QPushButton(), "print_test")
        self.test_result = named(QLabel(textFormat=Qt.TextFormat.PlainText), "print_test_result")
        self.test_result.setWordWrap(True)
        self.test_result.hide()
        self._labels: dict[str, QLabel] = {}
        self._form = PrinterForm()
        self._valid = True
        self._lay_out()
        self.printer_edit.textChanged.connect(self._validate)
        self.test_button.clicked.connect(self._request_test)
        self.retranslate()

    def load(self, form: PrinterForm) -> None:
        """Fill the fields from ``form``."""
        self._form = form
        self.printer_edit.setText(form.printer)
        self.copies_spin.setValue(form.copies)
        self.title_edit.setText(form.ticket_title)
        self.auto_accept_check.setChecked(form.auto_accept)
        self.test_result.hide()
        for box in (self.print_on_box, self.paper_box, self.text_box):
            box.clear()
        self.retranslate()
        self._validate()

    def form(self) -> PrinterForm:
        """The printer settings as the fields hold them now."""
        return PrinterForm(
            printer=self.printer_edit.text().strip(),
            print_on=str(self.print_on_box.currentData()),
            copies=self.copies_spin.value(),
            paper_mm=int(self.paper_box.currentData()),
            ticket_text=str(self.text_box.currentData()),
            ticket_title=self.title_edit.text().strip(),
            auto_accept=self.auto_accept_check.isChecked(),
        )

    @property
    def valid(self) -> bool:
        """True when the address is empty (no printing) or usable."""
        return self._valid

    def set_test_result(self, ok: bool, text: str) -> None:
        """Show how the last test ticket went (green when it printed, red with why not)."""
        self.test_result.setStyleSheet(_OK_STYLE if ok else _ERROR_STYLE)
        self.test_result.setText(text)
        self.test_result.show()
        self.test_button.setEnabled(True)

    def retranslate(self) -> None:
        """Set every translatable text again in the current language, keeping the choices."""
        translate = QCoreApplication.translate
        self.setTitle(translate("PrinterSettings", "Kitchen printer"))
        labels = {
            "printer": translate("PrinterSettings", "Printer"),
            "print_on": translate("PrinterSettings", "Print tickets"),
            "copies": translate("PrinterSettings", "Copies"),
            "paper_mm": translate("PrinterSettings", "Paper"),
            "ticket_text": translate("PrinterSettings", "Printer text"),
            "ticket_title": translate("PrinterSettings", "Ticket title"),
        }
        for name, text in labels.items():
            self._labels[name].setText(text)
        self.printer_edit.setPlaceholderText(
            translate("PrinterSettings", "e.g. tcp://192.168.1.50:9100 (empty: no printing)")
        )
        self.title_edit.setPlaceholderText(translate("PrinterSettings", "e.g. the shop's name"))
        _fill(
            self.print_on_box,
            self._form.print_on,
            [
                (choice, name)
                for choice, name in (
                    ("accept", translate("PrinterSettings", "When the order is accepted")),
                    ("arrival", translate("PrinterSettings", "When the order arrives")),
                    ("never", translate("PrinterSettings", "Never")),
                )
                if choice in PRINT_ON_CHOICES
            ],
        )
        _fill(self.paper_box, self._form.paper_mm, [(w, f"{w} mm") for w in PAPER_WIDTHS])
        _fill(
            self.text_box,
            self._form.ticket_text,
            [
                (choice, name)
                for choice, name in (
                    ("gb18030", translate("PrinterSettings", "Chinese (GB18030)")),
                    ("ascii", translate("PrinterSettings", "Plain ASCII (no Chinese fonts)")),
                )
                if choice in TICKET_TEXT_CHOICES
            ],
        )
        self.auto_accept_check.setText(
            translate("PrinterSettings", "Accept every paid order on this PC at once")
        )
        self.test_button.setText(translate("PrinterSettings", "Print test ticket"))
        self._validate()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _lay_out(self) -> None:
        fields = QFormLayout(self)
        rows: list[tuple[str, QWidget]] = [
            ("printer", self.printer_edit),
            ("print_on", self.print_on_box),
            ("copies", self.copies_spin),
            ("paper_mm", self.paper_box),
            ("ticket_text", self.text_box),
            ("ticket_title", self.title_edit),
        ]
        for name, field in rows:
            label = QLabel()
            self._labels[name] = label
            fields.addRow(label, field)
            if name == "printer":
                fields.addRow("", self.printer_error)
        fields.addRow("", self.auto_accept_check)
        test = QHBoxLayout()
        test.addWidget(self.test_button)
        test.addWidget(self.test_result, 1)
        fields.addRow("", test)

    def _validate(self) -> None:
        error = printer_error(self.printer_edit.text())
        self.printer_error.setText(error)
        self.printer_error.setVisible(bool(error))
        self.test_button.setEnabled(not error and bool(self.printer_edit.text().strip()))
        valid = not error
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def _request_test(self) -> None:
        if not self._valid or not self.printer_edit.text().strip():
            return
        translate = QCoreApplication.translate
        self.test_button.setEnabled(False)
        self.set_test_result(True, translate("PrinterSettings", "Printing a test ticket…"))
        self.test_button.setEnabled(False)
        self.print_test_requested.emit(self.form())


def _fill(box: QComboBox, fallback: object, choices: list[tuple[object, str]]) -> None:
    current = box.currentData()
    if current is None:
        current = fallback
    box.clear()
    for value, name in choices:
        box.addItem(name, value)
    box.setCurrentIndex(max(box.findData(current), 0))
