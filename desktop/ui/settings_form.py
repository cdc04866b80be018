"""What the settings dialog edits, as plain data, and the checks it applies."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.config import SETTINGS, validate_server_url
from desktop.core.marks import QT_TRANSLATE_NOOP, Marked


def _bounds(name: str) -> tuple[int, int]:
    """The declared range of an integer setting (desktop.config is the one table)."""
    spec = next(spec for spec in SETTINGS if spec.name == name)
    if spec.bounds is None:
        raise LookupError(f"setting {name} declares no range")
    low, high = spec.bounds
    return int(low), int(high)


LANGUAGES = next(spec for spec in SETTINGS if spec.name == "language").choices
RING_MODES = next(spec for spec in SETTINGS if spec.name == "ring_mode").choices
RATE_RANGE = _bounds("rate")
REPEAT_INTERVAL_RANGE = _bounds("repeat_interval_s")
LINK_DOWN_THRESHOLD_RANGE = _bounds("link_down_threshold_s")
PRINT_ON_CHOICES = next(spec for spec in SETTINGS if spec.name == "print_on").choices
TICKET_TEXT_CHOICES = next(spec for spec in SETTINGS if spec.name == "ticket_text").choices
COPIES_RANGE = _bounds("copies")
# Speech rates staff choose from, in words per minute ("normal" is the setting's default).
RATE_PRESETS: tuple[tuple[Marked, int], ...] = (
    (QT_TRANSLATE_NOOP("SettingsDialog", "Slow"), 140),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Normal"), 180),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Fast"), 220),
)


@dataclass(frozen=True, slots=True)
class PrinterForm:
    """The kitchen printer's settings as the dialog shows them (see desktop.config)."""

    printer: str = ""
    print_on: str = "accept"
    copies: int = 1
    paper_mm: int = 58
    ticket_text: str = "gb18030"
    ticket_title: str = ""
    auto_accept: bool = False


@dataclass(frozen=True, slots=True)
class SettingsForm:
    """The settings staff can change, as the dialog shows and returns them.

    ``language`` is one of :data:`LANGUAGES`; ``voice`` is a voice id, "" for automatic;
    ``rate`` is in words per minute; ``volume`` from 0 to 1; ``ring_mode`` one of
    :data:`RING_MODES`.
    """

    server_url: str = ""
    token: str = ""
    language: str = "auto"
    voice: str = ""
    rate: int = 180
    volume: float = 1.0
    chime: bool = True
    ring_mode: str = "announce"
    repeat_interval_s: int = 30
    link_down_threshold_s: int = 60
    start_at_login: bool = False
    printing: PrinterForm = field(default_factory=PrinterForm)


def server_url_problem(text: str) -> str | None:
    """Why ``text`` is not a usable server address (a marked sentence), or None if it is."""
    try:
        validate_server_url(text)
    except ValueError as exc:
        return str(exc)
    return None


def normalized_server_url(text: str) -> str | None:
    """``text`` as the settings store keeps it (``http(s)://host[:port][/path]``), or None."""
    try:
        return validate_server_url(text)
    except ValueError:
        return None
