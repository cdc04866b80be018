"""``orderbell-server reconcile --once``, the cron form of reconciliation, as a real subprocess."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from backend.cli import main
from backend.devkit import MerchantKit, write_kit
from backend.store import Database, Item, get_order_by_number, migrate_async, submit_order
from backend.wechatsim import PaymentAttempt
from orderbell_protocol import OrderStatus
from tests.backend.test_cli import cli_environment, run_cli
from tests.conftest import FakeClock, WeChatSim


async def test_reconcile_once_books_a_lost_payment(
    tmp_path: Path, kit: MerchantKit, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """One run finds the payment whose callback was lost, marks it paid and says so."""
    env_file = write_kit(kit, tmp_path / "kit", api_url=wechat_sim.url)
    url = f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
    await migrate_async(url)
    db = Database(url)
    try:
        order = await submit_order(
            db,
            user_id=1,
            shop_id=1,
            items=(Item("宫保鸡丁", 1, 3200),),
            remark="",
            phone="13800138000",
            address="1 Example Road",
            now=clock.datetime() - timedelta(seconds=60),
        )
        wechat_sim.ledger.pay(PaymentAttempt(order.number, order.amount_fen), clock())
        result = await asyncio.to_thread(
            run_cli,
            "reconcile",
            "--once",
            "--env-file",
            str(env_file),
            environ=cli_environment(url),
        )
        paid = await get_order_by_number(db, order.number)
    finally:
        await db.dispose()
    assert result.returncode == 0, result.stderr
    assert "1 found paid" in result.stdout.splitlines()[-1]
    assert paid is not None
    assert paid.status is OrderStatus.TO_BE_CONFIRMED
    assert f"order {order.number} paid, found by query" in result.stderr


def test_reconcile_without_a_merchant_key_names_it(
    tmp_path: Path, kit: MerchantKit, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the merchant key, one line names the variable and the exit code is 2."""
    env_file = write_kit(kit, tmp_path / "kit")
    code = main(["reconcile", "--once", "--env-file", str(env_file)])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(error) == 1
    assert error[0].startswith("configuration error: ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE")


def test_reconcile_with_an_unreadable_key_names_it(
    tmp_path: Path,
    kit: MerchantKit,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A merchant key file that is not a key stops the command with one line naming it."""
    env_file = write_kit(kit, tmp_path / "kit", api_url="http://127.0.0.1:9")
    (tmp_path / "kit" / "apiclient_key.pem").write_text("garbage")
    code = main(["reconcile", "--once", "--env-file", str(env_file)])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert error == [
        "configuration error: ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE: "
        f"{tmp_path / 'kit' / 'apiclient_key.pem'} is not a readable PEM private key "
        "(expected apiclient_key.pem, starting with -----BEGIN PRIVATE KEY-----)"
    ]


def test_reconcile_needs_once(capsys: pytest.CaptureFixture[str]) -> None:
    """``reconcile`` alone is refused: serve reconciles continuously, cron runs --once."""
    with pytest.raises(SystemExit) as exited:
        main(["reconcile"])
    assert exited.value.code == 2
    assert "--once" in capsys.readouterr().err
