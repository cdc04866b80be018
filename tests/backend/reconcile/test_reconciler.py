"""The reconciler against the WeChat Pay simulator over HTTP and a real database."""

from __future__ import annotations

import logging

import httpx
import pytest

from backend.devkit import MerchantKit
from backend.reconcile import Reconciler
from backend.store import Database, PaymentFacts, get_order_by_number, record_payment
from backend.wechatsim import Ledger, PaymentAttempt, running_simulator, simulator_app
from orderbell_protocol import Event, EventType, OrderStatus, PayStatus
from tests.backend.reconcile.conftest import MakeReconciler, PlaceOrder, api_client, pay_at_wechat
from tests.conftest import SHOP_ZONE, TLS, FakeClock, WeChatSim
from tests.pg import free_port


async def status(db: Database, number: str) -> tuple[OrderStatus, PayStatus]:
    """The order's status and pay status now."""
    order = await get_order_by_number(db, number)
    assert order is not None
    return order.status, order.pay_status


async def test_lost_callback_is_found_by_query(
    db: Database,
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    published: list[Event],
) -> None:
    """A payment whose callback never came is found at the first look: paid, and it rings."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order)
    clock.advance(31)
    report = await reconciler.run_once()
    assert report.found_paid == 1
    assert await status(db, order.number) == (OrderStatus.TO_BE_CONFIRMED, PayStatus.PAID)
    assert [(event.type, event.order_number) for event in published] == [
        (EventType.NEW_ORDER, order.number)
    ]


async def test_found_payment_is_logged_with_the_silence(
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log says the payment was found by query and how long no notification came."""
    order = await place()
    clock.advance(16)
    pay_at_wechat(wechat_sim, clock, order)
    clock.advance(31)
    caplog.set_level(logging.INFO, logger="backend.reconcile")
    await reconciler.run_once()
    assert f"order {order.number} paid, found by query, no notification for 31 s" in caplog.text


async def test_order_is_not_asked_about_before_the_first_delay(
    reconciler: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """Before ORDERBELL_RECONCILE_AFTER_S nothing is asked: the callback usually comes first."""
    order = await place()
    clock.advance(29)
    assert (await reconciler.run_once()).checked == 0
    assert wechat_sim.asked(order.number) == []


async def test_unpaid_order_waits_for_its_next_look(
    db: Database, reconciler: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """An order not paid yet stays pending and is asked again at the next step (1 minute)."""
    order = await place()
    clock.advance(30)
    assert (await reconciler.run_once()).unpaid == 1
    clock.advance(29)
    await reconciler.run_once()
    assert wechat_sim.asked(order.number) == ["query"]
    clock.advance(1)
    await reconciler.run_once()
    assert wechat_sim.asked(order.number) == ["query", "query"]
    assert await status(db, order.number) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)


async def test_expired_order_is_closed_then_cancelled_without_a_ring(
    db: Database,
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    published: list[Event],
) -> None:
    """Unpaid at 15 minutes: closed at WeChat Pay, cancelled here (支付超时), no event."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order, state="NOTPAY")
    clock.advance(900)
    assert (await reconciler.run_once()).cancelled == 1
    assert await status(db, order.number) == (OrderStatus.CANCELLED, PayStatus.UNPAID)
    cancelled = await get_order_by_number(db, order.number)
    assert cancelled is not None
    assert cancelled.cancel_reason == "支付超时"
    trade = wechat_sim.ledger.find(order.number)
    assert trade is not None
    assert trade.state == "CLOSED"
    assert published == []


async def test_expired_order_never_started_is_cancelled(
    db: Database, reconciler: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """An order the customer never began to pay (ORDER_NOT_EXIST) is cancelled at expiry."""
    order = await place()
    clock.advance(901)
    await reconciler.run_once()
    assert wechat_sim.asked(order.number) == ["close"]
    assert await status(db, order.number) == (OrderStatus.CANCELLED, PayStatus.UNPAID)


async def test_orderpaid_on_close_pays_the_order(
    db: Database,
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    published: list[Event],
) -> None:
    """Paid just before its expiry: the close says ORDERPAID, the query finds it, it rings."""
    order = await place()
    clock.advance(899)
    pay_at_wechat(wechat_sim, clock, order)
    clock.advance(1)
    report = await reconciler.run_once()
    assert wechat_sim.asked(order.number) == ["close", "query"]
    assert (report.found_paid, report.cancelled) == (1, 0)
    assert await status(db, order.number) == (OrderStatus.TO_BE_CONFIRMED, PayStatus.PAID)
    assert [event.type for event in published] == [EventType.NEW_ORDER]


async def test_order_closed_at_wechat_is_cancelled(
    db: Database, reconciler: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """A query answering CLOSED cancels the order at once, without closing it again."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order, state="NOTPAY")
    wechat_sim.ledger.close(order.number)
    clock.advance(30)
    await reconciler.run_once()
    assert wechat_sim.asked(order.number) == ["query"]
    assert await status(db, order.number) == (OrderStatus.CANCELLED, PayStatus.UNPAID)


async def test_failed_payment_is_closed_and_cancelled(
    db: Database, reconciler: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """PAYERROR: the order is closed at WeChat Pay, so it cannot be paid late, and cancelled."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order, state="PAYERROR")
    clock.advance(30)
    await reconciler.run_once()
    assert wechat_sim.asked(order.number) == ["query", "close"]
    assert await status(db, order.number) == (OrderStatus.CANCELLED, PayStatus.UNPAID)


@pytest.mark.parametrize("fault", ["tamper_answers", "foreign_signer"])
async def test_unbelievable_answer_changes_nothing_and_is_asked_again(
    db: Database,
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    other_kit: MerchantKit,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """A tampered or unverifiable answer changes nothing, is an ANOMALY, and is asked again."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order)
    if fault == "tamper_answers":
        wechat_sim.faults.tamper_answers = True
    else:
        wechat_sim.faults.foreign_signer = other_kit
    clock.advance(30)
    assert (await reconciler.run_once()).retried == 1
    assert await status(db, order.number) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)
    assert "ANOMALY" in caplog.text
    wechat_sim.faults.tamper_answers = False
    wechat_sim.faults.foreign_signer = None
    clock.advance(30)
    assert (await reconciler.run_once()).found_paid == 1


async def test_amount_mismatch_is_an_anomaly_not_a_payment(
    db: Database,
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    published: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Paid 1 fen for a 66.00 yuan order: an ANOMALY, not paid, and not asked about again."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order, total_fen=1)
    clock.advance(30)
    assert (await reconciler.run_once()).anomalies == 1
    assert await status(db, order.number) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)
    assert published == []
    assert "ANOMALY" in caplog.text
    assert "paid 1 fen" in caplog.text
    clock.advance(3600)
    assert (await reconciler.run_once()).checked == 0
    assert wechat_sim.asked(order.number) == ["query"]


async def test_refunded_before_any_notification_is_set_aside(
    db: Database, reconciler: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """Paid and refunded before we heard: not rung, not cancelled, left for the operator."""
    order = await place()
    pay_at_wechat(wechat_sim, clock, order)
    trade = wechat_sim.ledger.find(order.number)
    assert trade is not None
    trade.state = "REFUND"
    clock.advance(30)
    assert (await reconciler.run_once()).anomalies == 1
    assert await status(db, order.number) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)


async def test_wechat_pay_down_is_retried_and_nothing_is_lost(
    db: Database,
    make_reconciler: MakeReconciler,
    kit: MerchantKit,
    place: PlaceOrder,
    clock: FakeClock,
) -> None:
    """WeChat Pay unreachable: the order stays pending and is found paid once it is back."""
    ledger = Ledger()
    port = free_port()
    order = await place()
    ledger.pay(PaymentAttempt(order.number, order.amount_fen), clock())
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", verify=TLS) as http:
        reconciler = make_reconciler(through=api_client(kit, http, clock))
        clock.advance(30)
        assert (await reconciler.run_once()).retried == 1
        assert await status(db, order.number) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)
        clock.advance(29)
        assert (await reconciler.run_once()).checked == 0  # the retry comes after 30 s
        app = simulator_app(kit, ledger=ledger, clock=clock)
        async with running_simulator(app, port=port):
            clock.advance(1)
            assert (await reconciler.run_once()).found_paid == 1
    assert await status(db, order.number) == (OrderStatus.TO_BE_CONFIRMED, PayStatus.PAID)


async def test_payment_found_by_query_takes_the_next_number_of_the_day(
    db: Database,
    reconciler: Reconciler,
    place: PlaceOrder,
    wechat_sim: WeChatSim,
    clock: FakeClock,
    published: list[Event],
) -> None:
    """An order paid through its callback is 1号; one found by query is 2号, never a second 1."""
    notified, lost = await place(), await place()
    facts = PaymentFacts(notified.number, "4200" + "1" * 24, notified.amount_fen, clock.datetime())
    await record_payment(db, facts, clock.datetime(), zone=SHOP_ZONE)
    pay_at_wechat(wechat_sim, clock, lost)
    clock.advance(31)
    await reconciler.run_once()
    numbers = {event.order_number: event.day_seq for event in published}
    assert numbers == {notified.number: 1, lost.number: 2}
