"""Wire protocol v1: what goes out decodes back, and hostile frames raise ProtocolError only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from orderbell_protocol import (
    Event,
    EventType,
    OrderLine,
    OrderStatus,
    OrderSummary,
    ProtocolError,
    UnknownEventType,
    decode_event,
    encode_event,
    event_to_dict,
)

PAID = datetime(2026, 11, 26, 14, 5, 12, tzinfo=timezone(timedelta(hours=8)))


def sample(**changes: object) -> Event:
    fields: dict[str, object] = {
        "id": 17,
        "type": EventType.REMINDER,
        "shop_id": 3,
        "order_id": 42,
        "order_number": "20261126140512345678",
        "status": OrderStatus.TO_BE_CONFIRMED,
        "amount_fen": 6600,
        "created_at": datetime(2026, 11, 26, 6, 5, 13, tzinfo=UTC),
        "order": OrderSummary(
            items=(OrderLine("宫保鸡丁", 2),), remark="少辣", phone_tail="5678", paid_at=PAID
        ),
        "reminder_count": 2,
        "waited_seconds": 1080,
    }
    fields.update(changes)
    return Event(**fields)  # type: ignore[arg-type]


def frame_without(key: str) -> str:
    data = event_to_dict(sample())
    del data[key]
    return json.dumps(data)


def test_encode_then_decode_gives_the_same_event() -> None:
    """An encoded event decodes to an equal event."""
    event = sample()
    assert decode_event(encode_event(event)) == event


def test_sky_takeout_fields_keep_their_meaning() -> None:
    """type, orderId and content are what a Sky Take-out admin page expects."""
    data = json.loads(encode_event(sample(type=EventType.NEW_ORDER, reminder_count=None)))
    assert data["type"] == 1
    assert data["orderId"] == 42
    assert data["content"] == "订单号：20261126140512345678"
    assert "reminderCount" not in data


def test_chinese_text_is_sent_as_utf8_not_escaped() -> None:
    """Frames carry Chinese characters as they are."""
    assert "宫保鸡丁" in encode_event(sample())


def test_tail_is_the_last_four_digits() -> None:
    """Staff call an order by the last four digits of its number."""
    assert sample().tail == "5678"


def test_unknown_type_is_its_own_error() -> None:
    """A well-formed frame of an unknown type raises UnknownEventType (to be ignored)."""
    data = event_to_dict(sample())
    data["type"] = 9
    with pytest.raises(UnknownEventType):
        decode_event(json.dumps(data))


@pytest.mark.parametrize(
    "key", ["type", "id", "shopId", "orderId", "orderNumber", "status", "amountFen", "createdAt"]
)
def test_missing_required_field_is_a_protocol_error(key: str) -> None:
    """Each required field, when missing, gives ProtocolError and nothing else."""
    with pytest.raises(ProtocolError):
        decode_event(frame_without(key))


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '"text"',
        b"\xff\xfe",
        "[" * 100_000,
        '{"type": true, "id": 1}',
        '{"type": 1, "id": "1"}',
        '{"type": 1, "id": 2}',
    ],
)
def test_hostile_frames_raise_protocol_error_only(frame: str | bytes) -> None:
    """Garbage, wrong types and absurd nesting raise ProtocolError, never another exception."""
    with pytest.raises(ProtocolError):
        decode_event(frame)


def test_unknown_status_is_a_protocol_error() -> None:
    """A status code outside 1..6 is refused."""
    data = event_to_dict(sample())
    data["status"] = 99
    with pytest.raises(ProtocolError, match="99"):
        decode_event(json.dumps(data))


def test_time_without_zone_is_refused() -> None:
    """createdAt must say its time zone."""
    data = event_to_dict(sample())
    data["createdAt"] = "2026-11-26T06:05:13"
    with pytest.raises(ProtocolError):
        decode_event(json.dumps(data))


def test_bad_order_summary_is_refused() -> None:
    """An order summary whose items are not objects is refused."""
    data = event_to_dict(sample())
    data["order"] = {"items": ["宫保鸡丁"]}
    with pytest.raises(ProtocolError):
        decode_event(json.dumps(data))


def test_missing_order_summary_is_empty() -> None:
    """A frame without 'order' (an older server) decodes with an empty summary."""
    assert decode_event(frame_without("order")).order == OrderSummary()


def test_day_number_and_address_round_trip() -> None:
    """daySeq and the order's address decode back as sent."""
    summary = OrderSummary(items=(OrderLine("米饭", 1),), address="演示路 1 号 3 单元")
    event = sample(day_seq=12, order=summary)
    data = json.loads(encode_event(event))
    assert (data["daySeq"], data["order"]["address"]) == (12, "演示路 1 号 3 单元")
    assert decode_event(encode_event(event)) == event


def test_an_event_without_a_day_number_leaves_it_out() -> None:
    """An order without a number (paid before numbering) sends no daySeq at all."""
    assert "daySeq" not in json.loads(encode_event(sample()))


def test_frame_of_an_older_server_has_no_number_and_no_address() -> None:
    """A frame without daySeq or order.address decodes with neither."""
    data = event_to_dict(sample())
    del data["order"]["address"]
    event = decode_event(json.dumps(data))
    assert (event.day_seq, event.order.address) == (None, "")


@pytest.mark.parametrize("value", [0, -3, 2**31, 10**30, True, "12", 12.0, [12]])
def test_a_day_number_that_cannot_be_one_is_refused(value: object) -> None:
    """daySeq must be a whole number from 1 to 2^31 - 1."""
    data = event_to_dict(sample()) | {"daySeq": value}
    with pytest.raises(ProtocolError, match="daySeq"):
        decode_event(json.dumps(data))


def test_an_address_that_is_not_text_is_refused() -> None:
    """order.address must be a string."""
    data = event_to_dict(sample())
    data["order"]["address"] = {"street": 1}
    with pytest.raises(ProtocolError, match="address"):
        decode_event(json.dumps(data))


def test_reminder_reply_round_trips_and_is_left_out_when_absent() -> None:
    """A reply to a reminder travels as reminderReply; events without one do not name it."""
    replied = sample(type=EventType.ORDER_UPDATED, reminder_reply="马上出餐")
    assert decode_event(encode_event(replied)) == replied
    assert "reminderReply" not in encode_event(sample())


def test_refund_amount_travels_as_refund_fen() -> None:
    """A refund's amount goes out as refundFen and comes back as the same number of fen."""
    event = sample(type=EventType.ORDER_UPDATED, reason="partly refunded", refund_fen=100)
    assert json.loads(encode_event(event))["refundFen"] == 100
    assert decode_event(encode_event(event)).refund_fen == 100


def test_frame_without_refund_fen_has_none() -> None:
    """Frames of servers that never send refundFen decode with refund_fen None."""
    assert "refundFen" not in json.loads(encode_event(sample()))
    assert decode_event(encode_event(sample())).refund_fen is None


def test_refund_fen_that_is_not_a_whole_number_is_refused() -> None:
    """refundFen as text or true is a malformed frame."""
    for bad in ('"100"', "true", "1.5"):
        frame = encode_event(sample())[:-1] + f',"refundFen":{bad}}}'
        with pytest.raises(ProtocolError):
            decode_event(frame)
