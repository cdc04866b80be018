"""The server address check the settings dialog applies."""

from __future__ import annotations

import pytest

from desktop.ui.settings_form import normalized_server_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://orders.example.com", "https://orders.example.com"),
        ("http://192.168.1.10:8000/", "http://192.168.1.10:8000"),
        ("  https://orders.example.com  ", "https://orders.example.com"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("HTTPS://Orders.example.com", "https://Orders.example.com"),
        ("https://来单铃.中国", "https://来单铃.中国"),
        ("https://example.com/orderbell/", "https://example.com/orderbell"),
        ("orders.example.com", "http://orders.example.com"),
        ("192.168.1.10:8000", "http://192.168.1.10:8000"),
    ],
)
def test_valid_addresses_are_normalized(text: str, expected: str) -> None:
    """http(s)://host[:port][/prefix] is accepted, without spaces or a trailing slash."""
    assert normalized_server_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ftp://orders.example.com",
        "http://",
        "http://host:",
        "http://host:0",
        "http://host:65536",
        "http://host?x=1",
        "http://host#top",
        "http://user:secret@host",
        "http://my host",
    ],
)
def test_invalid_addresses_are_refused(text: str) -> None:
    """Anything but a scheme, a host, an optional port and path prefix is refused."""
    assert normalized_server_url(text) is None
