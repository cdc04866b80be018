"""Builds the WeChat Pay pieces from settings: key problems name their variable.

The notification opener, and, when the merchant's API key is configured, the credentials that
sign API requests (order query and close).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from backend.settings import ConfigError, Settings
from backend.wechatpay import (
    MerchantConfig,
    MerchantCredentials,
    NotificationOpener,
    VerifierKeys,
)

MERCHANT_KEY_VARIABLE = "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE"


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


def verifier_keys(settings: Settings) -> VerifierKeys:
    """WeChat Pay's keys, which verify notifications and API answers alike."""
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
    return _keys(
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID",
        lambda: VerifierKeys.load(key_id, public_key_pem, certs),
    )


def merchant_config(settings: Settings) -> MerchantConfig:
    """Who payments must be for, and the APIv3 key that decrypts notifications."""
    return MerchantConfig(
        mchid=settings.wechatpay_mchid,
        appid=settings.wechatpay_appid,
        apiv3_key=settings.wechatpay_apiv3_key.encode("ascii"),
        mode=settings.wechatpay_mode,
    )


def build_opener(
    settings: Settings, clock: Callable[[], float], keys: VerifierKeys | None = None
) -> NotificationOpener:
    """The verifier for payment and refund notifications of this merchant."""
    return NotificationOpener(keys or verifier_keys(settings), merchant_config(settings), clock)


def merchant_credentials(settings: Settings) -> MerchantCredentials | None:
    """What signs API requests; None when no merchant API key is configured."""
    path = settings.wechatpay_merchant_key_file
    if path is None:
        return None
    pem = _read(path, MERCHANT_KEY_VARIABLE)
    if b"-----BEGIN CERTIFICATE-----" in pem and b"PRIVATE KEY-----" not in pem:
        raise ConfigError(
            f"{MERCHANT_KEY_VARIABLE}: {path} is a certificate, not the private key: "
            "use apiclient_key.pem, not apiclient_cert.pem"
        )
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        raise ConfigError(
            f"{MERCHANT_KEY_VARIABLE}: {path} is encrypted with a password: "
            "use the key file as the merchant platform's certificate tool writes it"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(
            f"{MERCHANT_KEY_VARIABLE}: {path} is not a readable PEM private key "
            "(expected apiclient_key.pem, starting with -----BEGIN PRIVATE KEY-----)"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError(f"{MERCHANT_KEY_VARIABLE}: {path} is not an RSA private key")
    return MerchantCredentials(
        mchid=settings.wechatpay_mchid,
        serial=settings.wechatpay_merchant_serial,
        private_key=key,
    )
