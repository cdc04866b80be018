"""Building the event stream's address from the server address the shop owner typed in."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

_HOST_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")
_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def stream_url(server_url: str, sid: str = "counter") -> str:
    """``http(s)://host[:port][/prefix]`` (or ws/wss) -> ``ws(s)://host[:port][/prefix]/ws/<sid>``.

    Raises ValueError for an address that is not http, https, ws or wss with a host.
    """
    parts = urlsplit(server_url.strip())
    scheme = _WS_SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"not a server address: {server_url!r} (expected http://host:port)")
    path = f"{parts.path.rstrip('/')}/ws/{quote(sid, safe='')}"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def with_since(url: str, since: int | None) -> str:
    """``url`` asking for the events after ``since`` (any earlier ``since`` replaced)."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "since"]
    if since is not None:
        query.append(("since", str(since)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def redacted(url: str) -> str:
    """``url`` without its query, which may carry a token, for log lines."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def valid_host(host: str) -> bool:
    """A DNS name (IDN letters allowed), an IPv4 address or an IPv6 literal."""
    if ":" in host:  # urlsplit only yields a colon for a bracketed IPv6 literal
        return all(char in "0123456789abcdef:." for char in host)
    return all(_HOST_LABEL.match(label) for label in host.removesuffix(".").split("."))


def explicit_port(parts: SplitResult) -> int | None:
    """The port an address names (None when it names none); ValueError unless it is 1-65535."""
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0 or (port is None and parts.netloc.endswith(":")):
        raise ValueError("the port must be a number from 1 to 65535")
    return port
