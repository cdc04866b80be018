"""Properties of order submission: any order within the documented limits is stored as sent.

As sent means verbatim but for surrounding whitespace, which the store trims.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.store.submission import MAX_ITEMS, MAX_NAME_CHARS, MAX_QUANTITY, MAX_TEXT_CHARS
from tests.backend.routes.conftest import Api, submission
from tests.strategies import clean_line

SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def lines(most: int) -> st.SearchStrategy[str]:
    """Text of at most ``most`` lines and MAX_TEXT_CHARS characters, lines joined by LF or CRLF."""
    return st.builds(
        lambda parts, breaks: breaks.join(parts)[:MAX_TEXT_CHARS],
        st.lists(clean_line, min_size=1, max_size=most),
        st.sampled_from(["\n", "\r\n"]),
    ).filter(lambda text: len(text.replace("\r\n", "\n").split("\n")) <= most)


orders = st.fixed_dictionaries(
    {
        "items": st.lists(
            st.fixed_dictionaries(
                {
                    "name": clean_line.filter(
                        lambda name: name.strip() and len(name) <= MAX_NAME_CHARS
                    ),
                    "quantity": st.integers(min_value=1, max_value=MAX_QUANTITY),
                    "unitPriceFen": st.integers(min_value=1, max_value=10_000),
                }
            ),
            min_size=1,
            max_size=min(MAX_ITEMS, 5),
        ),
        "remark": lines(10),
        "address": lines(3),
        "phone": st.from_regex(r"\A[0-9+\- ]{0,10}[0-9][0-9+\- ]{4,9}\Z"),
    }
)


@settings(max_examples=30, suppress_health_check=SHARED_FIXTURES)
@given(orders)
async def test_an_order_within_the_limits_is_stored_as_sent(
    api: Api, order: dict[str, Any]
) -> None:
    """Names, remark, address and phone within the limits come back from the store as sent."""
    answer = await api.http.post(
        "/user/order/submit", json=submission(**order), headers=api.live.customer()
    )
    assert answer.status_code == 200, answer.text
    stored = await api.stored(answer.json()["orderNumber"])
    assert [item.name for item in stored.items] == [i["name"].strip() for i in order["items"]]
    sent = (order["remark"], order["address"], order["phone"])
    assert (stored.remark, stored.address, stored.phone) == tuple(text.strip() for text in sent)
