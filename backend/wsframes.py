"""WebSocket framing of what the server sends (RFC 6455 section 5.2), encoded once for many.

Frames from a server are never masked, so one event's frame is the same bytes for every counter
of its shop: the hub serialises it once and the connections write those bytes as they are. The
keepalive's ping frame is likewise one for every counter (``backend.keepalive``).
"""

from __future__ import annotations

import struct

_FIN_TEXT = 0x81
_FIN_PING = 0x89
_MAX_CONTROL_PAYLOAD = 125
_LEN_16 = 126
_LEN_64 = 127


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame carrying ``payload`` (UTF-8 text)."""
    size = len(payload)
    if size < _LEN_16:
        header = struct.pack("!BB", _FIN_TEXT, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", _FIN_TEXT, _LEN_16, size)
    else:
        header = struct.pack("!BBQ", _FIN_TEXT, _LEN_64, size)
    return header + payload


def ping_frame(payload: bytes) -> bytes:
    """One unmasked ping frame carrying ``payload`` (a control frame: at most 125 bytes)."""
    if len(payload) > _MAX_CONTROL_PAYLOAD:
        raise ValueError(f"a ping carries at most {_MAX_CONTROL_PAYLOAD} bytes, not {len(payload)}")
    return struct.pack("!BB", _FIN_PING, len(payload)) + payload
