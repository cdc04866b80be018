"""The merchant's ``Authorization`` header on API v3 requests: writing it and checking it."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from backend.wechatpay.errors import NotAuthentic
from backend.wechatpay.headers import DEFAULT_WINDOW_S, SIGNATURE_TYPE
from backend.wechatpay.signature import rsa_sign, rsa_verifies

_FIELD = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*(?:,|$)')
_FIELDS = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
_UNIX_SECONDS = re.compile(r"[1-9][0-9]{0,15}")


@dataclass(frozen=True, slots=True)
class MerchantCredentials:
    """Who signs the requests: the merchant id, its API certificate's serial and private key.

    In service-provider mode the merchant id is the provider's (``sp_mchid``).
    """

    mchid: str
    serial: str
    private_key: RSAPrivateKey = field(repr=False)


@dataclass(frozen=True, slots=True)
class RequestSignature:
    """The fields of one request's ``Authorization`` header."""

    mchid: str
    nonce: str
    signature: bytes = field(repr=False)
    timestamp: int
    serial: str


def request_message(
    method: str, path_with_query: str, timestamp: int, nonce: str, body: bytes
) -> bytes:
    """The bytes a request signature covers; ``body`` is empty for GET."""
    return f"{method}\n{path_with_query}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def authorization(
    merchant: MerchantCredentials,
    method: str,
    path_with_query: str,
    body: bytes,
    *,
    timestamp: int,
    nonce: str,
) -> str:
    """The ``Authorization`` header value of one request."""
    message = request_message(method, path_with_query, timestamp, nonce, body)
    signature = rsa_sign(merchant.private_key, message)
    return (
        f'{SIGNATURE_TYPE} mchid="{merchant.mchid}",nonce_str="{nonce}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{merchant.serial}"'
    )


def read_authorization(header: str) -> RequestSignature:
    """Parse an ``Authorization`` header as WeChat Pay does; NotAuthentic when it is not one."""
    scheme, _, rest = header.partition(" ")
    if scheme != SIGNATURE_TYPE:
        raise NotAuthentic(f"Authorization scheme is not {SIGNATURE_TYPE}")
    found: dict[str, str] = {}
    position = 0
    while position < len(rest):
        match = _FIELD.match(rest, position)
        if match is None or match.end() == position:
            raise NotAuthentic('Authorization is not a list of name="value" fields')
        name, value = match.groups()
        if name in found:
            raise NotAuthentic(f"Authorization repeats {name}")
        found[name] = value
        position = match.end()
    missing = [name for name in _FIELDS if not found.get(name)]
    if missing:
        raise NotAuthentic(f"Authorization lacks {', '.join(missing)}")
    if not _UNIX_SECONDS.fullmatch(found["timestamp"]):
        raise NotAuthentic("Authorization timestamp is not a Unix time in seconds")
    try:
        signature = base64.b64decode(found["signature"], validate=True)
    except ValueError:
        raise NotAuthentic("Authorization signature is not valid Base64") from None
    return RequestSignature(
        mchid=found["mchid"],
        nonce=found["nonce_str"],
        signature=signature,
        timestamp=int(found["timestamp"]),
        serial=found["serial_no"],
    )


def verify_request(
    key: RSAPublicKey,
    signed: RequestSignature,
    method: str,
    path_with_query: str,
    body: bytes,
    *,
    now: float,
    window_s: int = DEFAULT_WINDOW_S,
) -> None:
    """Raise NotAuthentic unless ``key`` signed this request recently (WeChat Pay's own check)."""
    if abs(now - signed.timestamp) > window_s:
        raise NotAuthentic(f"the request timestamp is more than {window_s} s from the clock")
    message = request_message(method, path_with_query, signed.timestamp, signed.nonce, body)
    if not rsa_verifies(key, signed.signature, message):
        raise NotAuthentic("the request signature does not verify with the merchant's key")
