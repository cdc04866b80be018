"""The HTTP status each kind of refusal answers WeChat with."""

from __future__ import annotations

import pytest

from backend.wechatpay import (
    DecryptionFailed,
    MalformedNotification,
    MerchantMismatch,
    NotAuthentic,
    NotificationRejected,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotAuthentic, 401),
        (MalformedNotification, 400),
        (DecryptionFailed, 500),
        (MerchantMismatch, 400),
    ],
)
def test_each_refusal_carries_its_status(error: type[NotificationRejected], status: int) -> None:
    """Every refusal is a NotificationRejected with the status from the protocol table."""
    rejected = error("why")
    assert isinstance(rejected, NotificationRejected)
    assert (rejected.status, rejected.message) == (status, "why")
