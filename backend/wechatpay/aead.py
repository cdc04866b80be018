"""AES-GCM encryption of a notification's ``resource``, keyed by the APIv3 key."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.wechatpay.errors import DecryptionFailed, MalformedNotification

_TAG_BYTES = 16


def decrypt_resource(key: bytes, nonce: str, associated_data: str, ciphertext_b64: str) -> bytes:
    """The plaintext of ``resource.ciphertext`` (ciphertext followed by the 16-byte tag).

    The key length is not fixed here: 16, 24 and 32 bytes all work, and the 32-character rule
    for the APIv3 key is enforced where the configuration is loaded.
    """
    try:
        data = base64.b64decode(ciphertext_b64, validate=True)
    except ValueError:
        raise MalformedNotification("resource.ciphertext is not valid Base64") from None
    if len(data) < _TAG_BYTES:
        raise MalformedNotification("resource.ciphertext is too short to hold the GCM tag")
    aesgcm = _cipher(key)
    try:
        nonce_bytes = nonce.encode("ascii")
        return aesgcm.decrypt(nonce_bytes, data, associated_data.encode())
    except InvalidTag:
        raise DecryptionFailed(
            "the notification resource does not decrypt (AES-GCM tag mismatch) although the "
            "signature is valid: the configured APIv3 key is almost certainly wrong; check "
            "ORDERBELL_WECHATPAY_APIV3_KEY against the merchant platform"
        ) from None
    except ValueError:  # includes UnicodeEncodeError
        raise MalformedNotification("resource.nonce is not a usable GCM nonce") from None


def encrypt_resource(key: bytes, nonce: str, associated_data: str, plaintext: bytes) -> str:
    """Encrypt as WeChat Pay does (test kits only): the Base64 ``resource.ciphertext``."""
    aesgcm = AESGCM(key)
    ciphertext = aesgcm.encrypt(nonce.encode("ascii"), plaintext, associated_data.encode())
    return base64.b64encode(ciphertext).decode("ascii")


def _cipher(key: bytes) -> AESGCM:
    try:
        return AESGCM(key)
    except ValueError:
        raise DecryptionFailed(
            "the configured APIv3 key has the wrong length for AES-GCM: "
            "check ORDERBELL_WECHATPAY_APIV3_KEY (32 characters)"
        ) from None
