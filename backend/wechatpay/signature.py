"""RSA-SHA256 signatures over WeChat Pay's ``timestamp\\nnonce\\nbody\\n`` message."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from backend.wechatpay.errors import NotAuthentic
from backend.wechatpay.headers import SignedHeaders
from backend.wechatpay.keys import VerifierKeys


def signed_message(timestamp: int, nonce: str, body: bytes) -> bytes:
    """The exact bytes WeChat Pay signs; ``body`` is the raw body, never re-serialised JSON."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def verify_signature(keys: VerifierKeys, headers: SignedHeaders, body: bytes) -> None:
    """Raise NotAuthentic unless the key named by the serial signed this raw body."""
    key = keys.key_for(headers.serial)
    try:
        key.verify(
            headers.signature,
            signed_message(headers.timestamp, headers.nonce, body),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        raise NotAuthentic(
            "Wechatpay-Signature does not verify: "
            "the request was altered or not signed by WeChat Pay"
        ) from None


def sign_message(private_key: RSAPrivateKey, timestamp: int, nonce: str, body: bytes) -> str:
    """Sign as WeChat Pay does (test kits only): the Base64 ``Wechatpay-Signature``."""
    signature = private_key.sign(
        signed_message(timestamp, nonce, body), padding.PKCS1v15(), hashes.SHA256()
    )
    return base64.b64encode(signature).decode("ascii")
