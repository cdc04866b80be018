"""Fixtures for the WeChat Pay tests: a test merchant kit, its keys and a fixed clock."""

from __future__ import annotations

import pytest

from backend.devkit import MerchantKit, create_kit
from backend.wechatpay import MerchantConfig, NotificationOpener, VerifierKeys


@pytest.fixture(scope="session")
def kit() -> MerchantKit:
    """The merchant kit whose key plays WeChat Pay's signing key."""
    return create_kit()


@pytest.fixture
def now() -> float:
    """The frozen server clock, in Unix seconds."""
    return 1_764_140_000.0


@pytest.fixture
def keys(kit: MerchantKit) -> VerifierKeys:
    """The verification keys configured for ``kit``."""
    return VerifierKeys.load(kit.public_key_id, kit.public_key_pem)


@pytest.fixture
def merchant(kit: MerchantKit) -> MerchantConfig:
    """The merchant configuration matching ``kit``."""
    return MerchantConfig(mchid=kit.mchid, appid=kit.appid, apiv3_key=kit.apiv3_key.encode())


@pytest.fixture
def opener(keys: VerifierKeys, merchant: MerchantConfig, now: float) -> NotificationOpener:
    """An opener configured for ``kit`` whose clock is frozen at ``now``."""
    return NotificationOpener(keys, merchant, clock=lambda: now)
