"""AES-GCM resource decryption: the SDKs' known-answer vectors and failure modes."""

from __future__ import annotations

import base64

import pytest

from backend.wechatpay import (
    DecryptionFailed,
    MalformedNotification,
    decrypt_resource,
    encrypt_resource,
)

JAVA_KEY = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
JAVA_NONCE = "uluk4a9R25RW"
JAVA_AAD = "associatedData"
JAVA_CIPHERTEXT = "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI="

GO_KEY = b"testAPIv3Key0000"
GO_NONCE = "wCq51qZv4Yfg"
GO_AAD = "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8"
GO_CIPHERTEXT = "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"


def test_java_sdk_vector_decrypts() -> None:
    """The wechatpay-java AES-256-GCM vector decrypts to 'message'."""
    assert decrypt_resource(JAVA_KEY, JAVA_NONCE, JAVA_AAD, JAVA_CIPHERTEXT) == b"message"


def test_java_sdk_vector_fails_with_other_associated_data() -> None:
    """The wechatpay-java vector does not decrypt with associated data 'bad-associatedData'."""
    with pytest.raises(DecryptionFailed):
        decrypt_resource(JAVA_KEY, JAVA_NONCE, "bad-associatedData", JAVA_CIPHERTEXT)


def test_java_sdk_vector_fails_with_other_nonce() -> None:
    """The wechatpay-java vector does not decrypt with nonce 'bad-4a9R25RW'."""
    with pytest.raises(DecryptionFailed):
        decrypt_resource(JAVA_KEY, "bad-4a9R25RW", JAVA_AAD, JAVA_CIPHERTEXT)


def test_go_sdk_128_bit_vector_decrypts() -> None:
    """The wechatpay-go AES-128-GCM vector decrypts: the key length is not hard-coded."""
    assert decrypt_resource(GO_KEY, GO_NONCE, GO_AAD, GO_CIPHERTEXT) == b"Hello World"


def test_go_sdk_vector_fails_with_other_key() -> None:
    """The wechatpay-go vector does not decrypt with key 'testAPIv3Key1111'."""
    with pytest.raises(DecryptionFailed):
        decrypt_resource(b"testAPIv3Key1111", GO_NONCE, GO_AAD, GO_CIPHERTEXT)


@pytest.mark.parametrize("key_length", [16, 24, 32])
def test_encrypt_then_decrypt_round_trips(key_length: int) -> None:
    """What encrypt_resource produces, decrypt_resource reads back, for every AES key size."""
    key = b"k" * key_length
    ciphertext = encrypt_resource(key, "0123456789ab", "transaction", "支付".encode())
    assert decrypt_resource(key, "0123456789ab", "transaction", ciphertext) == "支付".encode()


def test_empty_associated_data_round_trips() -> None:
    """Empty associated data, common in refund notifications, is supported."""
    ciphertext = encrypt_resource(JAVA_KEY, JAVA_NONCE, "", b"{}")
    assert decrypt_resource(JAVA_KEY, JAVA_NONCE, "", ciphertext) == b"{}"


def test_decryption_failure_message_points_at_the_apiv3_key() -> None:
    """A bad tag tells the operator to check the APIv3 key, without revealing it."""
    with pytest.raises(DecryptionFailed) as caught:
        decrypt_resource(b"testAPIv3Key1111", GO_NONCE, GO_AAD, GO_CIPHERTEXT)
    assert "ORDERBELL_WECHATPAY_APIV3_KEY" in caught.value.message
    assert "testAPIv3Key" not in caught.value.message


def test_bad_base64_is_malformed() -> None:
    """A ciphertext that is not strict Base64 is malformed, not a key problem."""
    with pytest.raises(MalformedNotification):
        decrypt_resource(JAVA_KEY, JAVA_NONCE, JAVA_AAD, "ulwSiIajGClc vcOYvOQ7+l+0PAbzzwI=")


def test_ciphertext_shorter_than_the_tag_is_malformed() -> None:
    """A ciphertext too short to hold the 16-byte tag is malformed."""
    short = base64.b64encode(b"x" * 15).decode()
    with pytest.raises(MalformedNotification):
        decrypt_resource(JAVA_KEY, JAVA_NONCE, JAVA_AAD, short)


def test_non_ascii_nonce_is_malformed() -> None:
    """A nonce that is not ASCII cannot be a GCM nonce and is malformed."""
    with pytest.raises(MalformedNotification):
        decrypt_resource(JAVA_KEY, "uluk4a9R25R字", JAVA_AAD, JAVA_CIPHERTEXT)


def test_key_of_impossible_length_is_a_decryption_failure() -> None:
    """A configured key that AES cannot use is reported as a key problem (500)."""
    with pytest.raises(DecryptionFailed):
        decrypt_resource(JAVA_KEY[:31], JAVA_NONCE, JAVA_AAD, JAVA_CIPHERTEXT)
