"""Building the stream address: scheme mapping, since= and redaction."""

from __future__ import annotations

import pytest

from desktop.net.urls import redacted, stream_url, with_since


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("http://shop.example:8000", "ws://shop.example:8000/ws/counter"),
        ("https://shop.example/", "wss://shop.example/ws/counter"),
        ("https://shop.example/orderbell", "wss://shop.example/orderbell/ws/counter"),
        ("ws://10.0.0.2:8000", "ws://10.0.0.2:8000/ws/counter"),
        (" HTTP://shop.example ", "ws://shop.example/ws/counter"),
    ],
)
def test_server_address_becomes_the_stream_address(server: str, expected: str) -> None:
    """http(s)/ws(s) server addresses map to the /ws/<sid> stream address."""
    assert stream_url(server) == expected


@pytest.mark.parametrize("server", ["shop.example:8000", "ftp://shop.example", "http://", ""])
def test_unusable_server_address_is_refused(server: str) -> None:
    """An address without a web scheme and a host raises ValueError."""
    with pytest.raises(ValueError, match="not a server address"):
        stream_url(server)


def test_sid_is_quoted() -> None:
    """A counter name with spaces or slashes stays one path segment."""
    assert stream_url("http://h", "front desk/1") == "ws://h/ws/front%20desk%2F1"


def test_since_is_added_or_replaced() -> None:
    """with_since sets since= once, keeps other parameters, and drops it for None."""
    assert with_since("ws://h/ws/c", 5) == "ws://h/ws/c?since=5"
    assert with_since("ws://h/ws/c?since=1&x=y", 9) == "ws://h/ws/c?x=y&since=9"
    assert with_since("ws://h/ws/c?since=1", None) == "ws://h/ws/c"


def test_redacted_drops_the_query() -> None:
    """Log lines never show a query (it may hold a token)."""
    assert redacted("wss://h/ws/c?token=secret&since=3") == "wss://h/ws/c"
