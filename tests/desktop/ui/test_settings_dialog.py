"""SettingsDialog: fields in from a form, edited, and a form out; Save guarded by the URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_form import SettingsForm

FORM = SettingsForm(
    server_url="https://orders.example.com",
    token="tok-123",
    language="zh",
    voice="sit/cmn",
    rate=150,
    volume=0.8,
    chime=True,
    ring_mode="announce",
    repeat_interval_s=45,
    link_down_threshold_s=90,
    start_at_login=True,
)
VOICES = [("sit/cmn", "Chinese (Mandarin)"), ("gmw/en", "English")]


@pytest.fixture
def open_dialog(qtbot: Any) -> Callable[..., SettingsDialog]:
    """Shown dialogs for a form (the sample one unless told) and the sample voices."""

    def make(
        form: SettingsForm = FORM, voices: Sequence[tuple[str, str]] = VOICES
    ) -> SettingsDialog:
        dialog = SettingsDialog(form, voices)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


@pytest.fixture
def dialog(open_dialog: Callable[..., SettingsDialog]) -> SettingsDialog:
    return open_dialog()


def click(qtbot: Any, widget: QWidget) -> None:
    """Click near the left edge: a wide check box only reacts on its box and label."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))


def choose(box: QComboBox, data: str) -> None:
    index = box.findData(data)
    assert index >= 0
    box.setCurrentIndex(index)


def retype(qtbot: Any, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_form_round_trips_unchanged(dialog: SettingsDialog) -> None:
    """A form put in comes back out as it was."""
    assert dialog.form() == FORM


def test_edited_fields_are_saved(qtbot: Any, dialog: SettingsDialog) -> None:
    """Every field edited shows up in the saved form."""
    retype(qtbot, dialog.url_edit, "http://10.0.0.5:8000/")
    retype(qtbot, dialog.token_edit, "new-token")
    choose(dialog.language_box, "en")
    choose(dialog.voice_box, "gmw/en")
    dialog.rate_slider.setValue(220)
    dialog.volume_slider.setValue(35)
    click(qtbot, dialog.chime_check)
    choose(dialog.ring_mode_box, "continuous")
    dialog.repeat_spin.setValue(120)
    dialog.threshold_spin.setValue(300)
    click(qtbot, dialog.login_check)
    with qtbot.waitSignal(dialog.saved, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [
        SettingsForm(
            server_url="http://10.0.0.5:8000",
            token="new-token",
            language="en",
            voice="gmw/en",
            rate=220,
            volume=0.35,
            chime=False,
            ring_mode="continuous",
            repeat_interval_s=120,
            link_down_threshold_s=300,
            start_at_login=False,
        )
    ]


def test_save_closes_the_dialog(qtbot: Any, dialog: SettingsDialog) -> None:
    """The dialog goes away once saved."""
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_dialog_is_non_modal(dialog: SettingsDialog) -> None:
    """Alert cards stay clickable while settings are open."""
    assert not dialog.isModal()


def test_invalid_url_disables_save(qtbot: Any, dialog: SettingsDialog) -> None:
    """A bad address keeps Save disabled and explains the expected form."""
    retype(qtbot, dialog.url_edit, "orders.example.com/api")
    assert not dialog.save_button.isEnabled()
    assert dialog.url_error.isVisible()


def test_invalid_url_is_never_saved(qtbot: Any, dialog: SettingsDialog) -> None:
    """Clicking the disabled Save sends nothing."""
    retype(qtbot, dialog.url_edit, "ftp://x")
    with qtbot.assertNotEmitted(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()


def test_fixed_url_enables_save(qtbot: Any, dialog: SettingsDialog) -> None:
    """Correcting the address hides the error and allows saving."""
    retype(qtbot, dialog.url_edit, "ftp://x")
    retype(qtbot, dialog.url_edit, "https://x.example")
    assert dialog.save_button.isEnabled()
    assert not dialog.url_error.isVisible()


def test_empty_url_on_first_run_disables_save(open_dialog: Callable[..., SettingsDialog]) -> None:
    """A first run with no address cannot save until one is entered."""
    dialog = open_dialog(SettingsForm())
    assert not dialog.save_button.isEnabled()


def test_token_is_hidden(dialog: SettingsDialog) -> None:
    """The device token is masked by default."""
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password


def test_show_reveals_the_token(qtbot: Any, dialog: SettingsDialog) -> None:
    """Ticking Show displays the token as typed."""
    click(qtbot, dialog.token_shown)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Normal


def test_language_choices(dialog: SettingsDialog) -> None:
    """Automatic, then Chinese and English, each named in its own language."""
    box = dialog.language_box
    assert [box.itemData(i) for i in range(box.count())] == ["auto", "zh", "en"]
    assert [box.itemText(i) for i in (1, 2)] == ["中文", "English"]


def test_voice_choices(dialog: SettingsDialog) -> None:
    """Automatic comes first, then the voices this PC has."""
    box = dialog.voice_box
    assert [box.itemData(i) for i in range(box.count())] == ["", "sit/cmn", "gmw/en"]
    assert box.itemText(1) == "Chinese (Mandarin)"


def test_missing_voice_is_kept(open_dialog: Callable[..., SettingsDialog]) -> None:
    """A saved voice this PC lacks stays chosen, marked as not available."""
    dialog = open_dialog(FORM, voices=[])
    assert dialog.voice_box.currentText() == "sit/cmn (not available)"
    assert dialog.form().voice == "sit/cmn"


def test_load_replaces_every_field(dialog: SettingsDialog) -> None:
    """Reloading the open dialog shows the new form, choices included."""
    other = SettingsForm(server_url="http://a.example", language="en", voice="gmw/en")
    dialog.load(other, VOICES)
    assert dialog.form() == other


def test_rate_value_is_shown(dialog: SettingsDialog) -> None:
    """The speech rate is spelled out next to its slider."""
    dialog.rate_slider.setValue(200)
    assert dialog.rate_value.text() == "200 words/min"


def test_test_voice_sends_current_fields(qtbot: Any, dialog: SettingsDialog) -> None:
    """Test voice hands over the fields as they are, saved or not."""
    dialog.rate_slider.setValue(260)
    with qtbot.waitSignal(dialog.test_voice_requested, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.test_voice_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].rate == 260


def test_voice_status_is_shown(dialog: SettingsDialog) -> None:
    """The speech status line appears with text and goes away without."""
    dialog.set_voice_status("No speech engine works: espeak-ng missing")
    assert dialog.voice_status.isVisible()
    assert dialog.voice_status.text() == "No speech engine works: espeak-ng missing"
    dialog.set_voice_status("")
    assert not dialog.voice_status.isVisible()


def test_cancel_saves_nothing(qtbot: Any, dialog: SettingsDialog) -> None:
    """Cancel closes without a saved signal."""
    with qtbot.assertNotEmitted(dialog.saved), qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_ring_mode_choices(dialog: SettingsDialog) -> None:
    """The ring choices: chime and speech at each alert, or ringing until handled."""
    names = [dialog.ring_mode_box.itemText(i) for i in range(dialog.ring_mode_box.count())]
    assert names == ["Chime and speech at each alert", "Ring until the order is handled"]


def test_repeat_interval_goes_down_to_ten_seconds(dialog: SettingsDialog) -> None:
    """A busy shop can make alerts repeat every 10 s."""
    assert dialog.repeat_spin.minimum() == 10
