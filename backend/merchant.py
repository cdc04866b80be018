"""Builds the WeChat Pay notification opener from settings; key problems name their variable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backend.settings import ConfigError, Settings
from backend.wechatpay import MerchantConfig, NotificationOpener, VerifierKeys


def _read(path: Path, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {path}: {exc.strerror}") from None


def build_opener(settings: Settings, clock: Callable[[], float]) -> NotificationOpener:
    """The verifier for payment and refund notifications of this merchant."""
    public_key_pem = None
    if settings.wechatpay_public_key_file is not None:
        public_key_pem = _read(
            settings.wechatpay_public_key_file, "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE"
        )
    certs = [
        _read(path, "ORDERBELL_WECHATPAY_PLATFORM_CERTS")
        for path in settings.wechatpay_platform_certs
    ]
    try:
        keys = VerifierKeys.load(settings.wechatpay_public_key_id or None, public_key_pem, certs)
    except ValueError as exc:
        variable = (
            "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE"
            if public_key_pem is not None
            else "ORDERBELL_WECHATPAY_PLATFORM_CERTS"
        )
        raise ConfigError(f"{variable}: {exc}") from None
    merchant = MerchantConfig(
        mchid=settings.wechatpay_mchid,
        appid=settings.wechatpay_appid,
        apiv3_key=settings.wechatpay_apiv3_key.encode("ascii"),
    )
    return NotificationOpener(keys, merchant, clock)
