"""Plays customer and WeChat Pay against a running server, over real HTTP (demo, CLI, tests)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from backend.devkit import MerchantKit, customer_token, payment_callback

DEMO_MENU = (
    ("宫保鸡丁", 3200),
    ("鱼香肉丝", 2800),
    ("米饭", 200),
    ("酸辣汤", 1500),
    ("可乐", 500),
    ("麻婆豆腐", 2200),
)


class SimulationError(Exception):
    """The server did not answer a simulated request as expected."""


@dataclass(frozen=True, slots=True)
class SimulatedOrder:
    """An order the simulator created or paid."""

    id: int | None
    number: str
    amount_fen: int
    transaction_id: str | None = None


class Simulator:
    """A customer (with a kit-minted JWT) and WeChat Pay (with the kit's keys), both fake."""

    def __init__(
        self,
        kit: MerchantKit,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._kit = kit
        self._client = client
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - demo data, not security

    def _customer_headers(self, user_id: int) -> dict[str, str]:
        return {"authentication": customer_token(self._kit, user_id, now=self._clock())}

    async def submit(self, *, shop_id: int = 1, user_id: int = 1) -> SimulatedOrder:
        """Submit a random order as a customer, through ``POST /user/order/submit``."""
        picks = self._rng.sample(DEMO_MENU, k=self._rng.randint(1, 3))
        body: dict[str, Any] = {
            "shopId": shop_id,
            "items": [
                {"name": name, "quantity": self._rng.randint(1, 3), "unitPriceFen": price}
                for name, price in picks
            ],
            "remark": self._rng.choice(["", "少辣", "不要香菜", "多放米饭"]),
            "phone": f"138{self._rng.randint(0, 99_999_999):08d}",
            "address": "演示路 1 号",
        }
        answer = await self._client.post(
            "/user/order/submit", json=body, headers=self._customer_headers(user_id)
        )
        data = _json(answer, 200, "submitting an order")
        return SimulatedOrder(
            id=data["id"], number=data["orderNumber"], amount_fen=data["amountFen"]
        )

    async def pay(self, order: SimulatedOrder) -> SimulatedOrder:
        """Send the signed, encrypted TRANSACTION.SUCCESS callback WeChat Pay would send."""
        transaction_id = order.transaction_id or "4200" + "".join(
            self._rng.choice("0123456789") for _ in range(24)
        )
        headers, body = payment_callback(
            self._kit,
            out_trade_no=order.number,
            total_fen=order.amount_fen,
            transaction_id=transaction_id,
            now=self._clock(),
        )
        answer = await self._client.post("/notify/paySuccess", content=body, headers=headers)
        if answer.status_code not in (200, 204):
            raise SimulationError(
                f"payment callback answered {answer.status_code}: {answer.text[:200]}"
            )
        return SimulatedOrder(order.id, order.number, order.amount_fen, transaction_id)

    async def remind(self, order_id: int, *, user_id: int = 1) -> dict[str, Any]:
        """Hurry an order as its customer, through ``GET /user/order/reminder/{id}``."""
        answer = await self._client.get(
            f"/user/order/reminder/{order_id}", headers=self._customer_headers(user_id)
        )
        return _json(answer, 200, "sending a reminder")


def _json(answer: httpx.Response, expected: int, doing: str) -> dict[str, Any]:
    if answer.status_code != expected:
        raise SimulationError(f"{doing}: server answered {answer.status_code}: {answer.text[:200]}")
    data = answer.json()
    if not isinstance(data, dict):
        raise SimulationError(f"{doing}: server answered {data!r}")
    return data
