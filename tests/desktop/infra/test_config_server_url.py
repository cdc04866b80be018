"""Checking the server address a shop owner types into Settings."""

from __future__ import annotations

import re

import pytest

from desktop.config import validate_server_url


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("http://192.168.1.10:8000", "http://192.168.1.10:8000"),
        ("  https://orders.example.com/  ", "https://orders.example.com"),
        ("HTTP://Shop.Example:8080/orderbell/", "http://Shop.Example:8080/orderbell"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://localhost", "http://localhost"),
        ("192.168.1.10:8000", "http://192.168.1.10:8000"),
        ("orders.example.com", "http://orders.example.com"),
        ("localhost:8000/orderbell/", "http://localhost:8000/orderbell"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("来单铃.中国:8080", "http://来单铃.中国:8080"),
    ],
)
def test_valid_addresses_are_normalised(typed: str, expected: str) -> None:
    """Valid http/https addresses come back trimmed, without a trailing slash."""
    assert validate_server_url(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the server address"),
        ("shop.example:", "port"),
        ("shop.example:99999", "port"),
        ("admin@shop.example", "user name or password"),
        ("shop.example?token=1", "'?' or '#'"),
        ("ftp://shop.example", "must start with http:// or https://"),
        ("ws://shop.example", "must start with http:// or https://"),
        ("http:shop.example", "must start with http:// or https://"),
        ("http://", "has no host name"),
        ("http://shop.example:99999", "port"),
        ("http://shop.example:0", "port"),
        ("http://shop.example:abc", "port"),
        ("http://shop.example:", "port"),
        ("http://admin:secret@shop.example", "user name or password"),
        ("http://shop.example/?token=1", "'?' or '#'"),
        ("http://shop.example/#top", "'?' or '#'"),
        ("http://shop example", "spaces"),
        ("http://-bad-.example", "host name"),
    ],
)
def test_invalid_addresses_say_what_to_fix(typed: str, message: str) -> None:
    """Each kind of mistake raises ValueError with a message naming it."""
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_server_url(typed)
