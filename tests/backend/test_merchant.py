"""Building the notification verifier from settings: key problems name their own variable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from backend.devkit import MerchantKit
from backend.merchant import build_opener
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
