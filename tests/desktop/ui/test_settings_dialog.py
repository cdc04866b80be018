"""SettingsDialog: fields in from a form, edited, and a form out; Save guarded by the URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from desktop.core.marks import QT_TRANSLATE_NOOP, message
from desktop.net.connection import Connection
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


def choose(box: QComboBox, data: object) -> None:
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
    choose(dialog.rate_box, 220)
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
    """A bad address keeps Save disabled and says what is wrong with it."""
    retype(qtbot, dialog.url_edit, "orders.example.com:99999")
    assert not dialog.save_button.isEnabled()
    assert dialog.url_error.isVisible()
    assert dialog.url_error.text() == (
        "The port in the server address must be a number from 1 to 65535."
    )


def test_address_without_scheme_is_completed_and_says_so(
    qtbot: Any, dialog: SettingsDialog
) -> None:
    """host:port is taken as http://host:port, and the dialog shows what it will use."""
    retype(qtbot, dialog.url_edit, "192.168.1.10:8000")
    assert dialog.save_button.isEnabled()
    assert not dialog.url_error.isVisible()
    assert dialog.url_hint.isVisible()
    assert dialog.url_hint.text() == "Will connect to http://192.168.1.10:8000"
    assert dialog.form().server_url == "http://192.168.1.10:8000"


def test_empty_first_run_form_shows_no_error(open_dialog: Callable[..., SettingsDialog]) -> None:
    """Nothing typed yet is not a mistake: no red line on a fresh form."""
    dialog = open_dialog(SettingsForm())
    assert not dialog.url_error.isVisible()


def test_error_shows_once_something_is_typed(
    qtbot: Any, open_dialog: Callable[..., SettingsDialog]
) -> None:
    """Typing, then clearing the field, says what to enter."""
    dialog = open_dialog(SettingsForm())
    qtbot.keyClicks(dialog.url_edit, "h")
    dialog.url_edit.backspace()
    assert dialog.url_error.isVisible()
    assert dialog.url_error.text().startswith("Enter the server address")


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


def test_rate_is_slow_normal_or_fast(dialog: SettingsDialog) -> None:
    """The speech rate is chosen in words staff use, each a rate in words per minute."""
    box = dialog.rate_box
    assert [box.itemText(i) for i in range(3)] == ["Slow", "Normal", "Fast"]
    assert [box.itemData(i) for i in range(3)] == [140, 180, 220]


def test_a_rate_between_the_choices_is_kept(dialog: SettingsDialog) -> None:
    """A rate set before (150 here) stays chosen as a custom rate, so saving keeps it."""
    assert dialog.rate_box.currentText() == "Custom (150 words/min)"
    assert dialog.form().rate == 150


def test_test_voice_sends_current_fields(qtbot: Any, dialog: SettingsDialog) -> None:
    """Test voice hands over the fields as they are, saved or not."""
    choose(dialog.rate_box, 220)
    with qtbot.waitSignal(dialog.test_voice_requested, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.test_voice_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].rate == 220


def test_test_connection_sends_address_and_token(qtbot: Any, dialog: SettingsDialog) -> None:
    """Test connection hands over the address and token as typed, unsaved."""
    retype(qtbot, dialog.token_edit, "obt_new")
    with qtbot.waitSignal(dialog.test_connection_requested, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.test_connection_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].token == "obt_new"
    assert blocker.args[0].server_url == "https://orders.example.com"


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        (Connection.CONNECTED, "Connected"),
        (Connection.TOKEN_REJECTED, "Token rejected"),
        (Connection.NO_TOKEN, "Enter the device token first"),
    ],
)
def test_connection_outcome_is_shown(
    dialog: SettingsDialog, outcome: Connection, text: str
) -> None:
    """The test's outcome is spelled out next to its button."""
    dialog.connection_testing()
    assert dialog.connection_result.text() == "Testing…"
    dialog.show_connection(outcome)
    assert dialog.connection_result.isVisible()
    assert dialog.connection_result.text() == text


def test_unreachable_server_says_why(dialog: SettingsDialog) -> None:
    """Cannot connect comes with the reason, in the UI language."""
    reason = message(QT_TRANSLATE_NOOP("App", "Not connected to a server"))
    dialog.show_connection(Connection.UNREACHABLE, reason)
    assert dialog.connection_result.text() == "Cannot connect: Not connected to a server"


def test_editing_the_address_forgets_the_outcome(qtbot: Any, dialog: SettingsDialog) -> None:
    """An outcome about another address or token is not left standing."""
    dialog.show_connection(Connection.CONNECTED)
    retype(qtbot, dialog.url_edit, "https://other.example")
    assert not dialog.connection_result.isVisible()


def test_invalid_address_cannot_be_tested(qtbot: Any, dialog: SettingsDialog) -> None:
    """Test connection waits for a usable address."""
    retype(qtbot, dialog.url_edit, "ftp://x")
    assert not dialog.test_connection_button.isEnabled()


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
