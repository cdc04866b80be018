"""The event a payment logs on PostgreSQL, built by its statement, is the Python builder's.

The statement fills the payload in from the order row; the committing instance hands over the
event Python builds from the same row, and every other instance sends what the log holds. The
counters must get the same frame from both, whatever the order holds: orders are written
straight into the table here, past the edge's limits (hostile text, any JSON integer, amounts
up to the column's maximum), and paid through the real payment path.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Text, cast, insert, select

from backend.store import Database, PaymentFacts, PaymentResult, record_payment
from backend.store.events import payload_of
from backend.store.schema import EVENTS, ORDERS
from orderbell_protocol import OrderStatus, PayStatus, encode_event, event_from_dict
from tests.conftest import SHOP_ZONE
from tests.strategies import INT64_MAX, any_int

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 3, 12, 0, 0, 123456, tzinfo=UTC)
SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
_numbers = itertools.count(1)

# Whatever PostgreSQL's text can hold (everything but NUL), the troublesome characters often.
stored_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00")
    | st.sampled_from(['"', "\\", "'", "\n", "\r", "\x1b", "\u2028", "😀", "米", "\ufeff"]),
    max_size=40,
)
# A JSON string in the items column can hold more: NUL and lone surrogates, as \u escapes.
item_name = stored_text | st.sampled_from(["\x00", "\ud800", "a\udfffb", "\\u0000"])
orders = st.fixed_dictionaries(
    {
        "items": st.lists(
            st.fixed_dictionaries({"name": item_name, "quantity": any_int}), max_size=5
        ),
        "remark": stored_text,
        "address": stored_text,
        # Every phone the store accepts: digits, +, - and spaces.
        "phone": st.from_regex(r"\A[0-9+\- ]{0,19}\Z"),
        "amount_fen": st.integers(min_value=0, max_value=INT64_MAX),
        "paid_at": st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.builds(
                timezone,
                st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)),
            ),
        ),
    }
)
TEN_THOUSAND_LINES = "\n".join(f"第{line}行 \"'\\" for line in range(10_000))


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url)
    yield database
    await database.dispose()


async def unpaid_order(db: Database, order: dict[str, Any]) -> str:
    """Write the order straight into the table, awaiting payment; returns its number."""
    number = f"P{next(_numbers):031d}"
    values = {
        "number": number,
        "shop_id": 1,
        "user_id": 7,
        "status": OrderStatus.PENDING_PAYMENT,
        "pay_status": PayStatus.UNPAID,
        "amount_fen": order["amount_fen"],
        "items": [line | {"unitPriceFen": 1} for line in order["items"]],
        "remark": order["remark"],
        "phone": order["phone"],
        "address": order["address"],
        "created_at": NOW,
        "updated_at": NOW,
    }
    await db.write(lambda transaction: transaction.execute(insert(ORDERS), values))
    return number


async def logged_payload(db: Database, event_id: int) -> str:
    """The payload column's text as PostgreSQL holds it."""
    query = select(cast(EVENTS.c.payload, Text)).where(EVENTS.c.id == event_id)
    text: str = await db.read(lambda connection: connection.execute(query).scalar_one())
    return text


def canonical(payload: dict[str, Any]) -> str:
    """The text a JSON value makes, keys in their order, types exact (1 is not 1.0 or true)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=60, suppress_health_check=SHARED_FIXTURES)
@given(orders)
@example(
    {
        "items": [{"name": '宫保鸡丁 "辣" \\ 😀', "quantity": 10**40}],
        "remark": TEN_THOUSAND_LINES,
        "address": "\u2028\x7f\x1f",
        "phone": "+86 138-0013-8000",
        "amount_fen": INT64_MAX,
        "paid_at": datetime(2026, 12, 3, 20, 0, tzinfo=timezone(timedelta(hours=8))),
    }
)
async def test_the_logged_payload_is_the_python_builders(
    db: Database, order: dict[str, Any]
) -> None:
    """Any order paid on PostgreSQL logs, key by key and byte by byte, the payload Python
    builds from the paid order, so every instance sends the counters the same frame."""
    number = await unpaid_order(db, order)
    facts = PaymentFacts(number, f"42{number[2:]}", order["amount_fen"], order["paid_at"])
    outcome = await record_payment(db, facts, NOW, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.PAID
    assert outcome.event is not None
    logged = json.loads(await logged_payload(db, outcome.event.id))
    assert canonical(logged) == canonical(payload_of(outcome.event))
    # What another instance sends: the event read back from the log, as the dispatcher does.
    from_the_log = event_from_dict(logged | {"id": outcome.event.id})
    assert encode_event(from_the_log) == encode_event(outcome.event)


async def test_an_order_line_the_databases_json_refuses_is_paid_in_steps(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A line holding a NUL (only rows from before the edge checked input can): PostgreSQL's
    JSON functions refuse it, so the order is paid and logged in steps, once, all the same."""
    line = {"name": "米饭\x00", "quantity": 1}
    order = {"items": [line], "remark": "", "address": "", "phone": "13800138000"}
    number = await unpaid_order(db, order | {"amount_fen": 200, "paid_at": NOW})
    facts = PaymentFacts(number, f"42{number[2:]}", 200, NOW)
    outcome = await record_payment(db, facts, NOW, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.PAID
    assert outcome.event is not None
    assert outcome.event.order.items[0].name == "米饭\x00"
    assert "paying it in steps" in caplog.text
    logged = json.loads(await logged_payload(db, outcome.event.id))
    assert canonical(logged) == canonical(payload_of(outcome.event))
    again = await record_payment(db, facts, NOW, zone=SHOP_ZONE)
    assert again.result is PaymentResult.DUPLICATE
