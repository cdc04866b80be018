"""Header policy: required headers, signature type, timestamp window, probes, Base64."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from backend.wechatpay import NotAuthentic, SignedHeaders, read_signed_headers

NOW = 1_764_140_000.0
SIGNATURE = base64.b64encode(bytes(range(256))).decode()


def wechat_headers(**changes: str | None) -> dict[str, str]:
    """Well-formed WeChat Pay headers at NOW; a change of None drops that header."""
    headers: dict[str, str | None] = {
        "Wechatpay-Timestamp": str(int(NOW)),
        "Wechatpay-Nonce": "fdasflkja484w0dsa7e8gf0sdfsdhfsa",
        "Wechatpay-Signature": SIGNATURE,
        "Wechatpay-Serial": "PUB_KEY_ID_0114232134912410000000000000",
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Request-ID": "08F78BB5AF0610D302A0A30C20C0E54B",
    }
    for name, value in changes.items():
        headers[name.replace("_", "-")] = value
    return {name: value for name, value in headers.items() if value is not None}


def test_well_formed_headers_are_read() -> None:
    """Valid headers yield the timestamp, nonce, decoded signature, serial and request id."""
    assert read_signed_headers(wechat_headers(), NOW) == SignedHeaders(
        timestamp=int(NOW),
        nonce="fdasflkja484w0dsa7e8gf0sdfsdhfsa",
        signature=bytes(range(256)),
        serial="PUB_KEY_ID_0114232134912410000000000000",
        request_id="08F78BB5AF0610D302A0A30C20C0E54B",
    )


@pytest.mark.parametrize("rename", [str.lower, str.upper, str.swapcase])
def test_header_names_are_case_insensitive(rename: Callable[[str], str]) -> None:
    """Header names match whatever their letter case (ASGI servers lower-case them)."""
    headers = {rename(name): value for name, value in wechat_headers().items()}
    assert read_signed_headers(headers, NOW).serial == "PUB_KEY_ID_0114232134912410000000000000"


@pytest.mark.parametrize(
    "name",
    ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"],
)
def test_missing_required_header_is_not_authentic(name: str) -> None:
    """Each of the four signing headers is required."""
    with pytest.raises(NotAuthentic, match=f"missing header {name}"):
        read_signed_headers(wechat_headers(**{name: None}), NOW)


def test_empty_required_header_counts_as_missing() -> None:
    """An empty signing header is as good as a missing one."""
    with pytest.raises(NotAuthentic, match="missing header Wechatpay-Nonce"):
        read_signed_headers(wechat_headers(**{"Wechatpay-Nonce": ""}), NOW)


def test_missing_signature_type_means_rsa2048() -> None:
    """A missing Wechatpay-Signature-Type is treated as WECHATPAY2-SHA256-RSA2048."""
    headers = wechat_headers(**{"Wechatpay-Signature-Type": None})
    assert read_signed_headers(headers, NOW).timestamp == int(NOW)


def test_other_signature_type_is_not_authentic() -> None:
    """Any signature type but WECHATPAY2-SHA256-RSA2048 is refused."""
    headers = wechat_headers(**{"Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"})
    with pytest.raises(NotAuthentic, match="Signature-Type"):
        read_signed_headers(headers, NOW)


def test_missing_request_id_is_allowed() -> None:
    """Request-ID is only logged, so it may be absent."""
    assert read_signed_headers(wechat_headers(**{"Request-ID": None}), NOW).request_id is None


@pytest.mark.parametrize("offset", [-300, 300])
def test_timestamp_at_the_edge_of_the_window_is_accepted(offset: int) -> None:
    """A timestamp exactly 300 s before or after the server clock is fresh."""
    headers = wechat_headers(**{"Wechatpay-Timestamp": str(int(NOW) + offset)})
    assert read_signed_headers(headers, NOW).timestamp == int(NOW) + offset


def test_timestamp_too_old_is_not_authentic() -> None:
    """A timestamp more than 300 s in the past is stale (a replay)."""
    headers = wechat_headers(**{"Wechatpay-Timestamp": str(int(NOW) - 301)})
    with pytest.raises(NotAuthentic, match="300 s"):
        read_signed_headers(headers, NOW)


def test_timestamp_too_far_ahead_is_not_authentic() -> None:
    """A timestamp more than 300 s in the future is refused too."""
    headers = wechat_headers(**{"Wechatpay-Timestamp": str(int(NOW) + 301)})
    with pytest.raises(NotAuthentic, match="300 s"):
        read_signed_headers(headers, NOW)


def test_window_is_configurable() -> None:
    """A narrower window refuses what the default one accepts."""
    headers = wechat_headers(**{"Wechatpay-Timestamp": str(int(NOW) - 61)})
    with pytest.raises(NotAuthentic):
        read_signed_headers(headers, NOW, window_s=60)


@pytest.mark.parametrize(
    "timestamp",
    ["abc", "1764140000.0", "-1764140000", "+1764140000", "01764140000", "１７６４１４００００"],
)
def test_non_numeric_timestamp_is_not_authentic(timestamp: str) -> None:
    """Only plain ASCII digits without padding or sign make a timestamp."""
    with pytest.raises(NotAuthentic):
        read_signed_headers(wechat_headers(**{"Wechatpay-Timestamp": timestamp}), NOW)


def test_absurdly_long_timestamp_is_not_authentic() -> None:
    """A timestamp of thousands of digits is refused before any arithmetic."""
    with pytest.raises(NotAuthentic, match="Unix time"):
        read_signed_headers(wechat_headers(**{"Wechatpay-Timestamp": "9" * 5000}), NOW)


def test_probe_signature_is_not_authentic() -> None:
    """WeChat's WECHATPAY/SIGNTEST/ probe is answered as a failed verification."""
    headers = wechat_headers(**{"Wechatpay-Signature": "WECHATPAY/SIGNTEST/" + SIGNATURE})
    with pytest.raises(NotAuthentic, match="probe"):
        read_signed_headers(headers, NOW)


@pytest.mark.parametrize(
    "signature", [SIGNATURE[:-2], SIGNATURE[:100] + "\n" + SIGNATURE[100:], "!!!!"]
)
def test_signature_that_is_not_strict_base64_is_not_authentic(signature: str) -> None:
    """The signature is decoded strictly: no missing padding, whitespace or stray characters."""
    with pytest.raises(NotAuthentic, match="Base64"):
        read_signed_headers(wechat_headers(**{"Wechatpay-Signature": signature}), NOW)


def test_non_ascii_nonce_is_not_authentic() -> None:
    """A nonce WeChat could not have sent (not ASCII) is refused."""
    with pytest.raises(NotAuthentic, match="Nonce"):
        read_signed_headers(wechat_headers(**{"Wechatpay-Nonce": "nonce-é"}), NOW)


def test_refusal_echoes_caller_text_escaped_and_short() -> None:
    """Caller-supplied text in a message is quoted, escaped and clipped."""
    headers = wechat_headers(**{"Wechatpay-Signature-Type": "X\n" + "Y" * 100})
    with pytest.raises(NotAuthentic) as caught:
        read_signed_headers(headers, NOW)
    assert "\n" not in caught.value.message
    assert "Y" * 41 not in caught.value.message
