"""The settings dialog's kitchen printer fields: loaded, edited, checked, and the test button."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt

from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_form import PrinterForm, SettingsForm

PRINTING = PrinterForm(
    printer="tcp://192.168.1.50:9100",
    print_on="arrival",
    copies=2,
    paper_mm=80,
    ticket_text="ascii",
    ticket_title="川味小馆",
    auto_accept=True,
)
FORM = SettingsForm(server_url="https://orders.example.com", token="t", printing=PRINTING)


def shown(qtbot: Any, form: SettingsForm = FORM) -> SettingsDialog:
    dialog = SettingsDialog(form)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_printer_fields_come_back_as_they_were_loaded(qtbot: Any) -> None:
    """Every printing setting survives a round trip through the dialog unchanged."""
    assert shown(qtbot).form().printing == PRINTING


def test_a_malformed_printer_address_is_explained_and_blocks_save(qtbot: Any) -> None:
    """An unknown scheme shows the sentence saying what to fix; Save is disabled."""
    dialog = shown(qtbot)
    dialog.printing.printer_edit.setText("lpt://1")
    assert dialog.printing.printer_error.isVisible()
    assert dialog.printing.printer_error.text().startswith("Unknown printer address")
    assert not dialog.save_button.isEnabled()
    assert not dialog.printing.test_button.isEnabled()
    dialog.printing.printer_edit.setText("")
    assert dialog.save_button.isEnabled()


def test_print_test_ticket_asks_with_the_fields_as_they_are(qtbot: Any) -> None:
    """The button sends the unsaved printer settings and says it is printing."""
    dialog = shown(qtbot, replace(FORM, printing=replace(PRINTING, printer="")))
    dialog.printing.printer_edit.setText("usb://0416:5011")
    with qtbot.waitSignal(dialog.printing.print_test_requested) as blocker:
        qtbot.mouseClick(dialog.printing.test_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].printer == "usb://0416:5011"
    assert dialog.printing.test_result.text() == "Printing a test ticket…"


def test_a_failed_test_ticket_is_shown_in_red(qtbot: Any) -> None:
    """The result line says why the printer did not print, in the error colour."""
    dialog = shown(qtbot)
    dialog.printing.set_test_result(False, "Printer is out of paper")
    assert dialog.printing.test_result.isVisible()
    assert "#c62828" in dialog.printing.test_result.styleSheet()
    assert dialog.printing.test_button.isEnabled()
