"""The timing marker a benchmark event carries: its step, sequence number and intended send time."""

from __future__ import annotations

from datetime import UTC, datetime

from orderbell_protocol import Event, EventType, OrderLine, OrderStatus, OrderSummary, encode_event

PREFIX = b"bench:"


def marker(step: int, seq: int, offset_us: int) -> str:
    """The text to embed (an order remark): intended send time = the step's base + offset."""
    return f"bench:{step}:{seq}:{offset_us}"


def parse(frame: bytes) -> tuple[int, int, int] | None:
    """``(step, seq, offset_us)`` of the marker inside a frame, or None when it has none."""
    start = frame.find(PREFIX)
    if start < 0:
        return None
    end = frame.find(b'"', start)
    step, seq, offset = frame[start + len(PREFIX) : end].split(b":")
    return int(step), int(seq), int(offset)


def fanout_frame(seq: int, step: int, offset_us: int, shop_id: int = 1) -> str:
    """A real wire-protocol frame (what OrderBell sends for a paid order) carrying a marker."""
    event = Event(
        id=seq,
        type=EventType.NEW_ORDER,
        shop_id=shop_id,
        order_id=seq,
        order_number=f"2026112614{seq:016d}",
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=6400,
        created_at=datetime(2026, 11, 26, 14, 5, 12, tzinfo=UTC),
        order=OrderSummary(
            items=(OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2)),
            remark=marker(step, seq, offset_us),
            phone_tail="5678",
            paid_at=datetime(2026, 11, 26, 14, 5, 11, tzinfo=UTC),
        ),
    )
    return encode_event(event)
