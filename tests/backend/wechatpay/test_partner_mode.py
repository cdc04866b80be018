"""Direct and service-provider (partner) mode: each takes only its own kind of payment."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.devkit import MerchantKit, payment_callback
from backend.wechatpay import (
    PARTNER,
    MerchantConfig,
    MerchantMismatch,
    NotificationOpener,
    VerifierKeys,
)

ORDER = "20251126140512345"
SUB_MCHID = "1900000200"


@pytest.fixture
def partner_opener(keys: VerifierKeys, merchant: MerchantConfig, now: float) -> NotificationOpener:
    """An opener for a service provider whose ids are the kit's."""
    return NotificationOpener(keys, replace(merchant, mode=PARTNER), clock=lambda: now)


def paid(kit: MerchantKit, now: float, **overrides: str) -> tuple[dict[str, str], bytes]:
    """A devkit payment callback for ORDER, 48.00 yuan."""
    return payment_callback(kit, out_trade_no=ORDER, total_fen=4800, now=now, **overrides)


def test_partner_payment_is_opened_with_its_sub_merchant(
    kit: MerchantKit, partner_opener: NotificationOpener, now: float
) -> None:
    """A provider's notification (sp_mchid, sp_appid, sub_mchid) opens in partner mode."""
    transaction = partner_opener.open_payment(*paid(kit, now, sub_mchid=SUB_MCHID))
    assert (transaction.mchid, transaction.sub_mchid, transaction.amount_total) == (
        kit.mchid,
        SUB_MCHID,
        4800,
    )


def test_partner_payment_is_refused_in_direct_mode(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A direct merchant refuses a provider's notification, saying why."""
    with pytest.raises(MerchantMismatch, match=r"sub-merchant '1900000200'.*direct merchant"):
        opener.open_payment(*paid(kit, now, sub_mchid=SUB_MCHID))


def test_direct_payment_is_refused_in_partner_mode(
    kit: MerchantKit, partner_opener: NotificationOpener, now: float
) -> None:
    """A provider refuses a direct merchant's notification (no sub-merchant to place it)."""
    with pytest.raises(MerchantMismatch, match="direct merchant"):
        partner_opener.open_payment(*paid(kit, now))


def test_partner_payment_to_another_provider_is_a_mismatch(
    kit: MerchantKit, partner_opener: NotificationOpener, now: float
) -> None:
    """sp_mchid is checked like mchid: another provider's payment is refused."""
    with pytest.raises(MerchantMismatch, match="mchid"):
        partner_opener.open_payment(*paid(kit, now, sub_mchid=SUB_MCHID, mchid="1900000999"))


def test_partner_payment_to_another_app_is_a_mismatch(
    kit: MerchantKit, partner_opener: NotificationOpener, now: float
) -> None:
    """sp_appid is checked like appid."""
    with pytest.raises(MerchantMismatch, match="appid"):
        partner_opener.open_payment(
            *paid(kit, now, sub_mchid=SUB_MCHID, appid="wx0000000000000000")
        )
