"""The printing settings: declared once, checked on load, bad values never kept."""

from __future__ import annotations

import pytest

from desktop.config import DesktopSettings, settings_from_json


def test_printing_is_off_by_default_and_auto_accept_too() -> None:
    """A fresh install prints nothing and never accepts an order by itself."""
    settings = DesktopSettings()
    assert (settings.printer, settings.auto_accept) == ("", False)
    assert (settings.print_on, settings.copies, settings.paper_mm) == ("accept", 1, 58)


def test_a_saved_printer_address_is_normalised() -> None:
    """The scheme is lower-cased and the spaces around it dropped."""
    assert DesktopSettings(printer=" TCP://printer.local:9100 ").printer == (
        "tcp://printer.local:9100"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("printer", "lpt://1"), ("paper_mm", 70), ("copies", 4), ("print_on", "later")],
)
def test_an_unusable_printing_value_is_refused_naming_the_setting(name: str, value: object) -> None:
    """A bad value raises ValueError that names the setting."""
    with pytest.raises(ValueError, match=f"setting {name}"):
        DesktopSettings(**{name: value})  # type: ignore[arg-type]


def test_a_damaged_printer_value_in_the_file_falls_back_and_is_reported() -> None:
    """A settings file with a bad printer keeps the other values and reports the problem."""
    settings, problems = settings_from_json({"printer": "ftp://x", "copies": 2})
    assert (settings.printer, settings.copies) == ("", 2)
    assert problems == [
        "printer: Unknown printer address: use tcp://, usb://, serial://, file:// or win32://.; "
        "using the default ''"
    ]
