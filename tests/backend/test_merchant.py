"""Building the notification verifier from settings: key problems name their own variable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.merchant import build_opener, merchant_credentials
from backend.settings import ConfigError
from tests.conftest import kit_settings


def test_kit_settings_build_an_opener(tmp_path: Path, kit: MerchantKit) -> None:
    """A test kit's settings give a working opener."""
    settings = kit_settings(tmp_path, kit)
    assert build_opener(settings, lambda: 0.0) is not None


def test_bad_platform_certificate_names_its_variable(tmp_path: Path, kit: MerchantKit) -> None:
    """An unreadable platform certificate is reported as ORDERBELL_WECHATPAY_PLATFORM_CERTS."""
    junk = tmp_path / "cert.pem"
    junk.write_text("not a certificate")
    settings = replace(kit_settings(tmp_path, kit), wechatpay_platform_certs=(junk,))
    with pytest.raises(ConfigError, match=r"^ORDERBELL_WECHATPAY_PLATFORM_CERTS"):
        build_opener(settings, lambda: 0.0)


def test_bad_public_key_names_its_variable(tmp_path: Path, kit: MerchantKit) -> None:
    """A PEM that is no public key is reported as ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE."""
    junk = tmp_path / "key.pem"
    junk.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    settings = replace(kit_settings(tmp_path, kit), wechatpay_public_key_file=junk)
    with pytest.raises(ConfigError, match=r"^ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE"):
        build_opener(settings, lambda: 0.0)


def test_missing_key_file_names_its_variable(tmp_path: Path, kit: MerchantKit) -> None:
    """A key file that cannot be read is reported with its variable and path."""
    settings = replace(kit_settings(tmp_path, kit), wechatpay_public_key_file=tmp_path / "gone")
    with pytest.raises(ConfigError, match=r"ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE.*gone"):
        build_opener(settings, lambda: 0.0)


def test_no_merchant_key_means_no_credentials(tmp_path: Path, kit: MerchantKit) -> None:
    """Without the merchant key nothing signs API requests (reconciliation is off)."""
    assert merchant_credentials(kit_settings(tmp_path, kit)) is None


def test_merchant_key_gives_signing_credentials(tmp_path: Path, kit: MerchantKit) -> None:
    """The kit's merchant key and serial give credentials for the kit's merchant."""
    settings = replace(
        kit_settings(tmp_path, kit),
        wechatpay_merchant_key_file=tmp_path / "kit" / "apiclient_key.pem",
        wechatpay_merchant_serial=kit.merchant_serial,
    )
    credentials = merchant_credentials(settings)
    assert credentials is not None
    assert (credentials.mchid, credentials.serial) == (kit.mchid, kit.merchant_serial)
    assert (
        credentials.private_key.public_key().public_numbers()
        == kit.merchant_public_key.public_numbers()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"not a key", "not a readable PEM private key"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "apiclient_key.pem"),
    ],
    ids=["missing", "junk", "certificate"],
)
def test_bad_merchant_key_names_its_variable(
    tmp_path: Path, kit: MerchantKit, content: bytes | None, message: str
) -> None:
    """A merchant key that cannot sign is one ConfigError naming the variable and the fix."""
    path = tmp_path / "apiclient_key.pem"
    if content is not None:
        path.write_bytes(content)
    settings = replace(
        kit_settings(tmp_path, kit),
        wechatpay_merchant_key_file=path,
        wechatpay_merchant_serial=kit.merchant_serial,
    )
    with pytest.raises(ConfigError, match=r"^ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE") as caught:
        merchant_credentials(settings)
    assert message in str(caught.value)


def test_encrypted_merchant_key_says_so(tmp_path: Path, kit: MerchantKit) -> None:
    """A password-protected key file is refused with that reason."""
    path = tmp_path / "encrypted.pem"
    path.write_bytes(
        kit.merchant_private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    settings = replace(
        kit_settings(tmp_path, kit),
        wechatpay_merchant_key_file=path,
        wechatpay_merchant_serial=kit.merchant_serial,
    )
    with pytest.raises(ConfigError, match="encrypted with a password"):
        merchant_credentials(settings)


def test_server_with_a_bad_merchant_key_does_not_start(tmp_path: Path, kit: MerchantKit) -> None:
    """create_app refuses an unusable merchant key before serving anything, naming it."""
    (tmp_path / "junk.pem").write_text("junk")
    settings = replace(
        kit_settings(tmp_path, kit),
        wechatpay_merchant_key_file=tmp_path / "junk.pem",
        wechatpay_merchant_serial=kit.merchant_serial,
    )
    with pytest.raises(ConfigError, match=r"^ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE"):
        create_app(settings)
