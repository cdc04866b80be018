"""What the settings dialog edits, as plain data, and the checks it applies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

LANGUAGES = ("auto", "zh", "en")
RATE_RANGE = (80, 300)
REPEAT_INTERVAL_RANGE = (10, 600)
LINK_DOWN_THRESHOLD_RANGE = (15, 1800)

# A DNS name (Unicode letters allowed), an IPv4 address, or a bracketed IPv6 address.
_HOST = re.compile(r"(?:[\w-]+(?:\.[\w-]+)*|\[[0-9A-Fa-f:.]+\])")


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
    """``text`` as ``http(s)://host[:port]`` without a trailing slash, or None if it is not one."""
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or "?" in text or "#" in text:
        return None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if port == 0 or not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{parts.netloc}"
