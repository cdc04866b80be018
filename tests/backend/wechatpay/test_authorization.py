"""The merchant's Authorization header: the signed message, its fields, and checking it."""

from __future__ import annotations

import re

import pytest

from backend.devkit import MerchantKit
from backend.wechatpay import (
    NotAuthentic,
    authorization,
    read_authorization,
    request_message,
    verify_request,
)

PATH = "/v3/pay/transactions/out-trade-no/20251126140512345?mchid=1900000109"
NONCE = "593BEC0C930BF1AFEB40B4A08C8FB242"
TIMESTAMP = 1_764_140_000


def header(kit: MerchantKit, method: str = "GET", path: str = PATH, body: bytes = b"") -> str:
    """The kit's merchant Authorization for one request at TIMESTAMP."""
    return authorization(
        kit.merchant_credentials(), method, path, body, timestamp=TIMESTAMP, nonce=NONCE
    )


def test_request_message_is_wechat_pays_five_lines() -> None:
    """The signed message is method, path with query, timestamp, nonce and body, each ending \\n."""
    message = request_message("POST", "/v3/x?a=1", 1554208460, "NONCE", b'{"mchid":"1"}')
    assert message == b'POST\n/v3/x?a=1\n1554208460\nNONCE\n{"mchid":"1"}\n'


def test_a_get_signs_an_empty_body_line() -> None:
    """A GET's message ends with an empty body line, as WeChat Pay requires."""
    assert request_message("GET", "/v3/x", 1, "n", b"").endswith(b"n\n\n")


def test_header_names_scheme_merchant_and_serial(kit: MerchantKit) -> None:
    """The header carries WeChat Pay's scheme and the five fields in its documented form."""
    value = header(kit)
    pattern = (
        r'WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="(\w+)",'
        r'signature="([A-Za-z0-9+/=]{344})",timestamp="(\d+)",serial_no="([0-9A-F]+)"'
    )
    match = re.fullmatch(pattern, value)
    assert match is not None
    assert match.group(1, 2, 4, 5) == (kit.mchid, NONCE, str(TIMESTAMP), kit.merchant_serial)


def test_genuine_request_verifies(kit: MerchantKit) -> None:
    """The merchant's public key verifies a request its private key signed."""
    signed = read_authorization(header(kit))
    verify_request(kit.merchant_public_key, signed, "GET", PATH, b"", now=TIMESTAMP + 299)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", PATH, b""),
        ("GET", PATH.replace("mchid=1900000109", "mchid=1900000110"), b""),
        ("GET", PATH, b"{}"),
    ],
    ids=["method", "query", "body"],
)
def test_altered_request_does_not_verify(
    kit: MerchantKit, method: str, path: str, body: bytes
) -> None:
    """A request whose method, path, query or body changed after signing is refused."""
    signed = read_authorization(header(kit))
    with pytest.raises(NotAuthentic, match="does not verify"):
        verify_request(kit.merchant_public_key, signed, method, path, body, now=TIMESTAMP)


def test_another_key_does_not_verify(kit: MerchantKit, other_kit: MerchantKit) -> None:
    """A signature by another merchant's key is refused."""
    signed = read_authorization(header(other_kit))
    with pytest.raises(NotAuthentic, match="does not verify"):
        verify_request(kit.merchant_public_key, signed, "GET", PATH, b"", now=TIMESTAMP)


def test_stale_request_is_refused(kit: MerchantKit) -> None:
    """A request signed more than 300 s away from the clock is refused."""
    signed = read_authorization(header(kit))
    with pytest.raises(NotAuthentic, match="300 s"):
        verify_request(kit.merchant_public_key, signed, "GET", PATH, b"", now=TIMESTAMP - 301)


@pytest.mark.parametrize(
    "value",
    [
        "",
        'Bearer mchid="1"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="A"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="n",signature="AA==",'
        'timestamp="1",serial_no="A"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="not base64!",'
        'timestamp="1",serial_no="A"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="AA==",'
        'timestamp="01",serial_no="A"',
        'WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="n"',
        "WECHATPAY2-SHA256-RSA2048 " + 'mchid="1",' * 10_000,
    ],
    ids=[
        "empty",
        "other-scheme",
        "no-signature",
        "repeated",
        "bad-base64",
        "padded-time",
        "unquoted",
        "huge",
    ],
)
def test_malformed_header_is_refused(value: str) -> None:
    """Anything but one well-formed header of the five fields is NotAuthentic."""
    with pytest.raises(NotAuthentic):
        read_authorization(value)
