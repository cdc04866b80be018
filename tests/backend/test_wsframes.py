"""Our frames are byte for byte what the websockets library would write for a server."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from backend.wsframes import ping_frame, text_frame


def reference(payload: bytes) -> bytes:
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_text_frame_matches_the_reference_encoder_at_every_length_boundary(size: int) -> None:
    payload = ("订" * (size // 3) + "x" * (size % 3)).encode()
    assert len(payload) == size
    assert text_frame(payload) == reference(payload)


def test_text_frame_of_an_event_starts_with_fin_and_text_opcode() -> None:
    frame = text_frame(b'{"type":1}')
    assert frame[0] == 0x81
    assert frame[1] == 10
    assert frame[2:] == b'{"type":1}'


@pytest.mark.parametrize("size", [0, 4, 125])
def test_ping_frame_matches_the_reference_encoder(size: int) -> None:
    """The keepalive's ping frame is the bytes websockets would write for a server's ping."""
    payload = bytes(range(size))
    assert ping_frame(payload) == Frame(Opcode.PING, payload).serialize(mask=False)


def test_a_ping_payload_over_125_bytes_is_refused() -> None:
    """A control frame carries at most 125 bytes: a longer ping payload is an error."""
    with pytest.raises(ValueError, match="125"):
        ping_frame(bytes(126))
