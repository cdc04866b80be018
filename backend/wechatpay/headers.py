"""Header policy for WeChat Pay notifications: presence, signature type, freshness, probes."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from backend.wechatpay.errors import NotAuthentic

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
DEFAULT_WINDOW_S = 300

# Leading zeros are refused: the signed message uses the header text, and WeChat never pads.
_UNIX_SECONDS = re.compile(r"[1-9][0-9]{0,15}")


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The signing headers of one notification, checked for shape and freshness."""

    timestamp: int
    nonce: str
    signature: bytes = field(repr=False)
    serial: str
    request_id: str | None


def read_signed_headers(
    headers: Mapping[str, str], now: float, window_s: int = DEFAULT_WINDOW_S
) -> SignedHeaders:
    """Check the WeChat Pay headers (any letter case) against ``now``, in Unix seconds."""
    found = {name.lower(): value for name, value in headers.items()}
    timestamp_text = _required(found, "Wechatpay-Timestamp")
    nonce = _required(found, "Wechatpay-Nonce")
    signature_text = _required(found, "Wechatpay-Signature")
    serial = _required(found, "Wechatpay-Serial")
    signature_type = found.get("wechatpay-signature-type") or SIGNATURE_TYPE
    if signature_type != SIGNATURE_TYPE:
        raise NotAuthentic(
            f"unsupported Wechatpay-Signature-Type {_clip(signature_type)}, "
            f"expected {SIGNATURE_TYPE}"
        )
    if not _UNIX_SECONDS.fullmatch(timestamp_text):
        raise NotAuthentic("Wechatpay-Timestamp is not a Unix time in seconds")
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > window_s:
        raise NotAuthentic(
            f"Wechatpay-Timestamp is more than {window_s} s away from the server clock"
        )
    if signature_text.startswith(PROBE_PREFIX):
        raise NotAuthentic("probe signature refused: notifications are verified")
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except ValueError:
        raise NotAuthentic("Wechatpay-Signature is not valid Base64") from None
    return SignedHeaders(
        timestamp=timestamp,
        nonce=nonce,
        signature=signature,
        serial=serial,
        request_id=found.get("request-id") or None,
    )


def _required(found: Mapping[str, str], name: str) -> str:
    value = found.get(name.lower())
    if not value:
        raise NotAuthentic(f"missing header {name}")
    if not value.isascii():
        raise NotAuthentic(f"header {name} is not ASCII")
    return value


def _clip(value: str) -> str:
    """Echo caller-supplied text safely: quoted, escaped and short."""
    return repr(value[:40])
