"""Properties of the wire protocol: every event round-trips, any frame decodes or is refused."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from orderbell_protocol import (
    Event,
    EventType,
    OrderLine,
    OrderStatus,
    OrderSummary,
    ProtocolError,
    decode_event,
    encode_event,
)
from tests.strategies import any_json, any_text, clean_line

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)

# Fixed UTC offsets, to the second, as far as any zone goes (±14 h).
offsets = st.integers(min_value=-14 * 3600, max_value=14 * 3600).map(
    lambda seconds: timezone(timedelta(seconds=seconds))
)
aware_times = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    offsets,
)
# Text as the server sends it: any Unicode scalar value (tab, line breaks and all).
sent_text = st.text(st.characters(codec="utf-8"), max_size=50)

events = st.builds(
    Event,
    id=INT64,
    type=st.sampled_from(EventType),
    shop_id=INT64,
    order_id=INT64,
    order_number=clean_line,
    status=st.sampled_from(OrderStatus),
    amount_fen=INT64,
    created_at=aware_times,
    order=st.builds(
        OrderSummary,
        items=st.lists(st.builds(OrderLine, name=sent_text, quantity=INT64), max_size=4).map(tuple),
        remark=sent_text,
        phone_tail=sent_text,
        paid_at=st.none() | aware_times,
    ),
    reminder_count=st.none() | INT64,
    waited_seconds=st.none() | INT64,
    reason=st.none() | sent_text,
)


@settings(max_examples=100)
@given(events)
def test_every_event_decodes_to_itself(event: Event) -> None:
    """An event the server can send is decoded by the counter exactly as it was."""
    frame = encode_event(event)
    assert decode_event(frame.encode("utf-8")) == event


@settings(max_examples=50)
@given(any_json)
def test_any_json_frame_is_an_event_or_a_protocol_error(value: object) -> None:
    """Whatever JSON a frame holds, decoding gives an event or ProtocolError, nothing else."""
    with contextlib.suppress(ProtocolError):
        decode_event(json.dumps(value))


@settings(max_examples=50)
@given(events, st.sampled_from(["createdAt", "id", "order", "type", "status", "reason"]), any_json)
def test_an_event_with_one_field_replaced_decodes_or_is_refused(
    event: Event, key: str, value: object
) -> None:
    """A genuine frame with any one field replaced by any JSON is decoded or refused cleanly."""
    data = json.loads(encode_event(event))
    data[key] = value
    with contextlib.suppress(ProtocolError):
        decode_event(json.dumps(data))


@settings(max_examples=100)
@given(st.binary(max_size=100) | any_text.map(lambda text: text.encode("utf-8", "surrogatepass")))
def test_any_bytes_are_an_event_or_a_protocol_error(frame: bytes) -> None:
    """Bytes that are not even JSON raise ProtocolError, never anything else."""
    with contextlib.suppress(ProtocolError):
        decode_event(frame)
