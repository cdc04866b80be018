"""Strict parsing of a notification body, its decrypted transaction or refund, and query answers.

In service-provider (partner) mode WeChat Pay names the provider as ``sp_mchid``/``sp_appid``
and the shop's sub-merchant as ``sub_mchid``/``sub_appid``; both modes parse into one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.validation import INT64_MAX, BadInput, parse_json_object, text_problem
from backend.wechatpay.errors import MalformedNotification

RESOURCE_TYPE = "encrypt-resource"
ALGORITHM = "AEAD_AES_256_GCM"
NONCE_LENGTH = 12
TRADE_STATES = frozenset(
    {"SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR"}
)
# The states in which the customer's money reached the merchant.
PAID_STATES = frozenset({"SUCCESS", "REFUND"})
# WeChat's own limits: out_trade_no and transaction_id are at most 32 characters (the database
# columns are as wide), other identifiers at most 64; the ciphertext is bounded by the body.
MAX_ID_CHARS = 32
MAX_TEXT_CHARS = 128
MAX_CIPHERTEXT_CHARS = 64 * 1024
# A payment time outside these years is no payment time: refused before it reaches the store.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2999


@dataclass(frozen=True, slots=True)
class EncryptedResource:
    """The AES-GCM protected part of a notification."""

    original_type: str
    algorithm: str
    ciphertext: str
    associated_data: str
    nonce: str


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification body: only ``resource`` is encrypted, the signature protects the rest."""

    id: str
    event_type: str
    create_time: str
    summary: str
    resource: EncryptedResource


@dataclass(frozen=True, slots=True)
class Transaction:
    """A payment; the openid is kept masked only, as it is personal data.

    ``mchid`` and ``appid`` are the service provider's in partner mode, which alone sets
    ``sub_mchid`` (and, when the shop has its own app, ``sub_appid``).
    """

    appid: str
    mchid: str
    out_trade_no: str
    transaction_id: str
    trade_type: str
    trade_state: str
    success_time: datetime | None
    openid_masked: str
    amount_total: int
    payer_total: int | None
    currency: str
    sub_mchid: str | None = None
    sub_appid: str | None = None


@dataclass(frozen=True, slots=True)
class Refund:
    """A decrypted refund (refunds carry no appid and no trade_state)."""

    mchid: str
    out_trade_no: str
    transaction_id: str
    refund_id: str
    out_refund_no: str
    refund_status: str
    success_time: datetime | None
    amount_total: int
    amount_refund: int
    sub_mchid: str | None = None


@dataclass(frozen=True, slots=True)
class Trade:
    """WeChat Pay's answer to an order query: the state and, once paid, the payment itself."""

    out_trade_no: str
    trade_state: str
    mchid: str
    sub_mchid: str | None
    payment: Transaction | None


@dataclass(frozen=True, slots=True)
class _Merchant:
    mchid: str
    appid: str | None
    sub_mchid: str | None
    sub_appid: str | None


def parse_notification(body: bytes) -> Notification:
    """Parse a raw notification body: UTF-8, a JSON object, an AES-GCM encrypted resource."""
    data = _json_object(body, "the notification body")
    resource_type = _text(data, "resource_type")
    if resource_type != RESOURCE_TYPE:
        raise MalformedNotification(f"resource_type {resource_type[:40]!r} is not {RESOURCE_TYPE}")
    raw = _object(data, "resource")
    algorithm = _text(raw, "algorithm", "resource")
    if algorithm != ALGORITHM:
        raise MalformedNotification(f"resource.algorithm {algorithm[:40]!r} is not {ALGORITHM}")
    nonce = _text(raw, "nonce", "resource")
    if len(nonce) != NONCE_LENGTH or not nonce.isascii():
        raise MalformedNotification(f"resource.nonce is not {NONCE_LENGTH} ASCII characters")
    # WeChat documents associated_data as optional and often sends it empty.
    associated_data = (
        ""
        if raw.get("associated_data") is None
        else _text(raw, "associated_data", "resource", empty=True)
    )
    resource = EncryptedResource(
        original_type=_text(raw, "original_type", "resource"),
        algorithm=algorithm,
        ciphertext=_text(raw, "ciphertext", "resource", max_chars=MAX_CIPHERTEXT_CHARS),
        associated_data=associated_data,
        nonce=nonce,
    )
    return Notification(
        id=_text(data, "id"),
        event_type=_text(data, "event_type"),
        create_time=_text(data, "create_time"),
        summary=_text(data, "summary", empty=True),
        resource=resource,
    )


def parse_transaction(plaintext: bytes) -> Transaction:
    """Parse a decrypted payment; amounts are integer fen and the openid is masked here."""
    return _transaction(_json_object(plaintext, "the decrypted transaction"))


def parse_trade(body: bytes) -> Trade:
    """Parse the answer to an order query; a paid trade must carry the whole payment."""
    data = _json_object(body, "the order query answer")
    state = _text(data, "trade_state")
    if state not in TRADE_STATES:
        raise MalformedNotification(f"trade_state {state[:40]!r} is not a known state")
    merchant = _merchant(data, appid_required=False)
    return Trade(
        out_trade_no=_text(data, "out_trade_no", max_chars=MAX_ID_CHARS),
        trade_state=state,
        mchid=merchant.mchid,
        sub_mchid=merchant.sub_mchid,
        payment=_transaction(data) if state in PAID_STATES else None,
    )


def _transaction(data: Mapping[str, object]) -> Transaction:
    payer = _object(data, "payer")
    amount = _object(data, "amount")
    merchant = _merchant(data, appid_required=True)
    return Transaction(
        appid=merchant.appid or "",
        mchid=merchant.mchid,
        sub_mchid=merchant.sub_mchid,
        sub_appid=merchant.sub_appid,
        out_trade_no=_text(data, "out_trade_no", max_chars=MAX_ID_CHARS),
        transaction_id=_text(data, "transaction_id", max_chars=MAX_ID_CHARS),
        trade_type=_text(data, "trade_type"),
        trade_state=_text(data, "trade_state"),
        success_time=_optional_time(data, "success_time"),
        openid_masked=mask_openid(_payer_openid(payer)),
        amount_total=_fen(amount, "total", "amount"),
        payer_total=_optional_fen(amount, "payer_total", "amount"),
        currency=_text(amount, "currency", "amount"),
    )


def parse_refund(plaintext: bytes) -> Refund:
    """Parse a decrypted refund; amounts are integer fen."""
    data = _json_object(plaintext, "the decrypted refund")
    amount = _object(data, "amount")
    merchant = _merchant(data, appid_required=False)
    return Refund(
        mchid=merchant.mchid,
        sub_mchid=merchant.sub_mchid,
        out_trade_no=_text(data, "out_trade_no", max_chars=MAX_ID_CHARS),
        transaction_id=_text(data, "transaction_id", max_chars=MAX_ID_CHARS),
        refund_id=_text(data, "refund_id"),
        out_refund_no=_text(data, "out_refund_no"),
        refund_status=_text(data, "refund_status"),
        success_time=_optional_time(data, "success_time"),
        amount_total=_fen(amount, "total", "amount"),
        amount_refund=_fen(amount, "refund", "amount"),
    )


def mask_openid(openid: str) -> str:
    """Enough of an openid to tell customers apart in a log, never the whole of it."""
    if len(openid) < 16:
        return "***"
    return f"{openid[:4]}***{openid[-4:]}"


def _merchant(data: Mapping[str, object], *, appid_required: bool) -> _Merchant:
    """Who was paid: the merchant, or in partner mode the provider and its sub-merchant."""
    if data.get("sp_mchid") is None:
        return _Merchant(
            mchid=_text(data, "mchid"),
            appid=_text(data, "appid") if appid_required else None,
            sub_mchid=None,
            sub_appid=None,
        )
    return _Merchant(
        mchid=_text(data, "sp_mchid"),
        appid=_text(data, "sp_appid") if appid_required else None,
        sub_mchid=_text(data, "sub_mchid"),
        sub_appid=_optional_text(data, "sub_appid"),
    )


def _payer_openid(payer: Mapping[str, object]) -> str:
    # Partner payments name the payer per app: under the provider's app or the shop's own.
    for key in ("openid", "sp_openid", "sub_openid"):
        if payer.get(key) is not None:
            return _text(payer, key, "payer")
    raise MalformedNotification("payer.openid is missing")


def _json_object(data: bytes, what: str) -> dict[str, object]:
    try:
        return parse_json_object(data, what)
    except BadInput as exc:
        raise MalformedNotification(str(exc)) from None


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _value(data: Mapping[str, object], key: str, where: str) -> object:
    value = data.get(key)
    if value is None:
        raise MalformedNotification(f"{_path(where, key)} is missing")
    return value


def _object(data: Mapping[str, object], key: str, where: str = "") -> dict[str, object]:
    value = _value(data, key, where)
    if not isinstance(value, dict):
        raise MalformedNotification(f"{_path(where, key)} is not an object")
    return value


def _text(
    data: Mapping[str, object],
    key: str,
    where: str = "",
    *,
    empty: bool = False,
    max_chars: int = MAX_TEXT_CHARS,
) -> str:
    value = _value(data, key, where)
    if not isinstance(value, str):
        raise MalformedNotification(f"{_path(where, key)} is not a string")
    if not value and not empty:
        raise MalformedNotification(f"{_path(where, key)} is empty")
    problem = text_problem(value, max_chars=max_chars)
    if problem is not None:
        raise MalformedNotification(f"{_path(where, key)} {problem}")
    return value


def _optional_text(data: Mapping[str, object], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _fen(data: Mapping[str, object], key: str, where: str) -> int:
    value = _value(data, key, where)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise MalformedNotification(
            f"{_path(where, key)} is not a whole number of fen from 0 to {INT64_MAX}"
        )
    return value


def _optional_fen(data: Mapping[str, object], key: str, where: str) -> int | None:
    return None if data.get(key) is None else _fen(data, key, where)


def _optional_time(data: Mapping[str, object], key: str) -> datetime | None:
    if data.get(key) is None:
        return None
    text = _text(data, key)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedNotification(f"{key} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise MalformedNotification(f"{key} has no UTC offset")
    try:
        in_utc = moment.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST_YEAR <= in_utc.year <= LATEST_YEAR:
        raise MalformedNotification(f"{key} is not a time from {EARLIEST_YEAR} to {LATEST_YEAR}")
    return moment
