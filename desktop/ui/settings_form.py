"""What the settings dialog edits, as plain data, and the checks it applies."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.config import SETTINGS, validate_server_url


def _bounds(name: str) -> tuple[int, int]:
    """The declared range of an integer setting (desktop.config is the one table)."""
    spec = next(spec for spec in SETTINGS if spec.name == name)
    if spec.bounds is None:
        raise LookupError(f"setting {name} declares no range")
    low, high = spec.bounds
    return int(low), int(high)


LANGUAGES = next(spec for spec in SETTINGS if spec.name == "language").choices
RATE_RANGE = _bounds("rate")
REPEAT_INTERVAL_RANGE = _bounds("repeat_interval_s")
LINK_DOWN_THRESHOLD_RANGE = _bounds("link_down_threshold_s")


@dataclass(frozen=True, slots=True)
class SettingsForm:
    """The settings staff can change, as the dialog shows and returns them.

    ``language`` is one of :data:`LANGUAGES`; ``voice`` is a voice id, "" for automatic;
    ``rate`` is in words per minute; ``volume`` from 0 to 1.
    """

    server_url: str = ""
    token: str = ""
    language: str = "auto"
    voice: str = ""
    rate: int = 180
    volume: float = 1.0
    repeat_interval_s: int = 30
    link_down_threshold_s: int = 60
    start_at_login: bool = False


def normalized_server_url(text: str) -> str | None:
    """``text`` as the settings store keeps it (``http(s)://host[:port][/path]``), or None."""
    try:
        return validate_server_url(text)
    except ValueError:
        return None
