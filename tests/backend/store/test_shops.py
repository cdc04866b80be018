"""Tests of the shops' sub-merchant ids (service-provider mode)."""

from __future__ import annotations

from datetime import datetime

import pytest

from backend.store import Database, InvalidInput, ShopMerchant, set_sub_mchid, shop_merchants


async def test_sub_merchant_is_recorded_and_changed(db: Database, now: datetime) -> None:
    """Setting a shop's sub_mchid twice keeps the last, one row per shop."""
    await set_sub_mchid(db, 2, "1900000109", now)
    await set_sub_mchid(db, 1, "1900000110", now)
    await set_sub_mchid(db, 2, "1900000111", now)
    assert await shop_merchants(db) == [
        ShopMerchant(1, "1900000110"),
        ShopMerchant(2, "1900000111"),
    ]


@pytest.mark.parametrize(
    ("shop_id", "sub_mchid"),
    [
        (0, "1900000109"),
        (2**31, "1900000109"),
        (1, ""),
        (1, "19000x0109"),
        (1, "１９００"),  # full-width digits
        (1, "1" * 33),
        (1, "1900000109\n"),
    ],
)
async def test_bad_shop_or_sub_merchant_is_refused(
    db: Database, now: datetime, shop_id: int, sub_mchid: str
) -> None:
    """A shop number out of range or a sub_mchid that is not 1-32 ASCII digits changes nothing."""
    with pytest.raises(InvalidInput):
        await set_sub_mchid(db, shop_id, sub_mchid, now)
    assert await shop_merchants(db) == []
