"""Signature verification over the raw body, with the key the serial names."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from backend.devkit import MerchantKit
from backend.wechatpay import (
    NotAuthentic,
    SignedHeaders,
    VerifierKeys,
    sign_message,
    verify_signature,
)

TIMESTAMP = 1_764_140_000
NONCE = "fdasflkja484w0dsa7e8gf0sdfsdhfsa"
BODY = '{"id":"EV-2018022511223320873","summary":"支付成功"}'.encode()


def signed(kit: MerchantKit) -> SignedHeaders:
    """Headers carrying kit's signature over BODY."""
    return SignedHeaders(
        timestamp=TIMESTAMP,
        nonce=NONCE,
        signature=base64.b64decode(sign_message(kit.private_key, TIMESTAMP, NONCE, BODY)),
        serial=kit.public_key_id,
        request_id=None,
    )


def test_genuine_signature_verifies(kit: MerchantKit, keys: VerifierKeys) -> None:
    """A signature by the configured key over timestamp, nonce and raw body verifies."""
    verify_signature(keys, signed(kit), BODY)


def test_signature_is_rsa2048_base64(kit: MerchantKit) -> None:
    """sign_message produces the 344-character Base64 of an RSA-2048 signature."""
    assert len(sign_message(kit.private_key, TIMESTAMP, NONCE, BODY)) == 344


def test_reserialised_json_fails(kit: MerchantKit, keys: VerifierKeys) -> None:
    """Verifying over re-serialised JSON instead of the raw bytes fails."""
    reserialised = json.dumps(json.loads(BODY)).encode()
    with pytest.raises(NotAuthentic, match="does not verify"):
        verify_signature(keys, signed(kit), reserialised)


def test_tampered_body_fails(kit: MerchantKit, keys: VerifierKeys) -> None:
    """Changing one byte of the body breaks the signature."""
    with pytest.raises(NotAuthentic):
        verify_signature(keys, signed(kit), BODY.replace(b"EV-", b"EX-"))


def test_other_timestamp_fails(kit: MerchantKit, keys: VerifierKeys) -> None:
    """The timestamp is covered by the signature."""
    with pytest.raises(NotAuthentic):
        verify_signature(keys, replace(signed(kit), timestamp=TIMESTAMP + 1), BODY)


def test_other_nonce_fails(kit: MerchantKit, keys: VerifierKeys) -> None:
    """The nonce is covered by the signature."""
    with pytest.raises(NotAuthentic):
        verify_signature(keys, replace(signed(kit), nonce=NONCE.upper()), BODY)


def test_signature_by_another_key_fails(
    kit: MerchantKit, other_kit: MerchantKit, keys: VerifierKeys
) -> None:
    """A signature made with a key other than the one the serial names fails."""
    forged = replace(signed(other_kit), serial=kit.public_key_id)
    with pytest.raises(NotAuthentic, match="does not verify"):
        verify_signature(keys, forged, BODY)


def test_truncated_signature_fails(kit: MerchantKit, keys: VerifierKeys) -> None:
    """A signature of the wrong length fails as a bad signature, not a crash."""
    headers = signed(kit)
    with pytest.raises(NotAuthentic):
        verify_signature(keys, replace(headers, signature=headers.signature[:-1]), BODY)


def test_unknown_serial_fails_before_verifying(kit: MerchantKit, keys: VerifierKeys) -> None:
    """A signature naming an unconfigured serial is refused as unknown."""
    with pytest.raises(NotAuthentic, match="unknown Wechatpay-Serial"):
        verify_signature(keys, replace(signed(kit), serial="PUB_KEY_ID_0999"), BODY)
