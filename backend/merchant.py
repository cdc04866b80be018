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


def _keys(variable: str, load: Callable[[], VerifierKeys]) -> VerifierKeys:
    try:
        return load()
    except ValueError as exc:
        raise ConfigError(f"{variable}: {exc}") from None


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
    key_id = settings.wechatpay_public_key_id or None
    # Each kind of key is checked on its own first, so an error names the right variable.
    if public_key_pem is not None:
        _keys(
            "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE", lambda: VerifierKeys.load(key_id, public_key_pem)
        )
    if certs:
        _keys("ORDERBELL_WECHATPAY_PLATFORM_CERTS", lambda: VerifierKeys.load(None, None, certs))
    keys = _keys(
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID",
        lambda: VerifierKeys.load(key_id, public_key_pem, certs),
    )
    merchant = MerchantConfig(
        mchid=settings.wechatpay_mchid,
        appid=settings.wechatpay_appid,
        apiv3_key=settings.wechatpay_apiv3_key.encode("ascii"),
    )
    return NotificationOpener(keys, merchant, clock)
