"""A TEST merchant kit and WeChat-exact callbacks for tests, demo, benchmarks: never real money."""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from backend.wechatpay.aead import encrypt_resource
from backend.wechatpay.headers import SIGNATURE_TYPE
from backend.wechatpay.signature import sign_message

WARNING = "TEST merchant kit: never use it with real money"
PRIVATE_KEY_FILE = "wechatpay_private_key.pem"
PUBLIC_KEY_FILE = "wechatpay_public_key.pem"
KIT_FILE = "kit.json"
ENV_FILE = "orderbell.env"

_ALNUM = string.ascii_letters + string.digits
_BEIJING = timezone(timedelta(hours=8))
_TRADE_STATE_DESC = {
    "SUCCESS": "支付成功",
    "REFUND": "转入退款",
    "NOTPAY": "未支付",
    "CLOSED": "已关闭",
    "REVOKED": "已撤销",
    "USERPAYING": "用户支付中",
    "PAYERROR": "支付失败",
}
_REFUNDS = {  # event type -> (refund_status, summary)
    "REFUND.SUCCESS": ("SUCCESS", "退款成功"),
    "REFUND.ABNORMAL": ("ABNORMAL", "退款异常"),
    "REFUND.CLOSED": ("CLOSED", "退款关闭"),
}
_SAFE_ENV_VALUE = re.compile(r"[A-Za-z0-9_./:+=-]+")


@dataclass(frozen=True)
class MerchantKit:
    """A made-up merchant whose key plays WeChat Pay's signing key. For tests only."""

    private_key_pem: bytes = field(repr=False)
    public_key_pem: bytes
    public_key_id: str
    apiv3_key: str = field(repr=False)
    mchid: str
    appid: str
    jwt_secret: str = field(repr=False)

    @cached_property
    def private_key(self) -> RSAPrivateKey:
        """The signing key, loaded once."""
        key = serialization.load_pem_private_key(self.private_key_pem, password=None)
        if not isinstance(key, RSAPrivateKey):
            raise ValueError("the test merchant kit's private key is not an RSA key")
        return key


def create_kit() -> MerchantKit:
    """A fresh kit: RSA-2048 pair, random ids, a 32-character APIv3 key and a JWT secret."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return MerchantKit(
        private_key_pem=private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        public_key_pem=private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public_key_id="PUB_KEY_ID_" + _digits(28),
        apiv3_key=_alnum(32),
        mchid="19" + _digits(8),
        appid="wx" + secrets.token_hex(8),
        jwt_secret=secrets.token_urlsafe(32),
    )


def write_kit(kit: MerchantKit, directory: Path) -> Path:
    """Write the kit and a server env file into ``directory``; return the env file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    directory = directory.resolve()
    names = (PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, KIT_FILE, ENV_FILE)
    existing = [name for name in names if (directory / name).exists()]
    if existing:
        raise FileExistsError(
            f"a test merchant kit already exists in {directory} ({', '.join(existing)}): "
            "refusing to overwrite it; delete those files to start over"
        )
    public_key_file = directory / PUBLIC_KEY_FILE
    description = {
        "warning": WARNING,
        "public_key_id": kit.public_key_id,
        "public_key_pem": kit.public_key_pem.decode("ascii"),
        "apiv3_key": kit.apiv3_key,
        "mchid": kit.mchid,
        "appid": kit.appid,
        "jwt_secret": kit.jwt_secret,
    }
    settings = {
        "ORDERBELL_WECHATPAY_MCHID": kit.mchid,
        "ORDERBELL_WECHATPAY_APPID": kit.appid,
        "ORDERBELL_WECHATPAY_APIV3_KEY": kit.apiv3_key,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID": kit.public_key_id,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE": str(public_key_file),
        "ORDERBELL_USER_JWT_SECRET": kit.jwt_secret,
    }
    env_text = f"# OrderBell {WARNING}.\n" + "".join(
        f"{name}={_env_value(value)}\n" for name, value in settings.items()
    )
    _write_new(directory / PRIVATE_KEY_FILE, kit.private_key_pem, 0o600)
    _write_new(public_key_file, kit.public_key_pem, 0o644)
    _write_new(directory / KIT_FILE, (json.dumps(description, indent=2) + "\n").encode(), 0o600)
    env_file = directory / ENV_FILE
    _write_new(env_file, env_text.encode(), 0o600)
    return env_file


def load_kit(directory: Path) -> MerchantKit:
    """Read a kit written by ``write_kit``, with a clear error when it is missing or damaged."""
    kit_file = directory / KIT_FILE
    private_key_file = directory / PRIVATE_KEY_FILE
    if not kit_file.is_file():
        raise ValueError(
            f"no test merchant kit in {directory}: run `orderbell-server devkit {directory}` first"
        )
    if not private_key_file.is_file():
        raise ValueError(f"the test merchant kit in {directory} has no {PRIVATE_KEY_FILE}")
    try:
        description = json.loads(kit_file.read_text(encoding="utf-8"))
    except ValueError:
        raise ValueError(f"{kit_file} is not valid JSON") from None
    if not isinstance(description, dict):
        raise ValueError(f"{kit_file} is not a JSON object")

    def text(key: str) -> str:
        value = description.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{kit_file} has no {key}")
        return value

    kit = MerchantKit(
        private_key_pem=private_key_file.read_bytes(),
        public_key_pem=text("public_key_pem").encode("ascii"),
        public_key_id=text("public_key_id"),
        apiv3_key=text("apiv3_key"),
        mchid=text("mchid"),
        appid=text("appid"),
        jwt_secret=text("jwt_secret"),
    )
    try:
        private_key = kit.private_key
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"{private_key_file} is not a readable RSA private key") from exc
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public_pem != kit.public_key_pem:
        raise ValueError(f"{private_key_file} does not match the public key in {kit_file}")
    return kit


def payment_callback(
    kit: MerchantKit,
    *,
    out_trade_no: str,
    total_fen: int,
    transaction_id: str | None = None,
    now: float,
    trade_state: str = "SUCCESS",
    openid: str | None = None,
    mchid: str | None = None,
    appid: str | None = None,
    notification_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of a TRANSACTION.SUCCESS notification, exactly as WeChat sends it.

    ``trade_state``, ``mchid`` and ``appid`` can be overridden to produce mismatches.
    """
    _check_fen("total_fen", total_fen)
    transaction: dict[str, object] = {
        "mchid": kit.mchid if mchid is None else mchid,
        "appid": kit.appid if appid is None else appid,
        "out_trade_no": out_trade_no,
        "transaction_id": "4200" + _digits(24) if transaction_id is None else transaction_id,
        "trade_type": "JSAPI",
        "trade_state": trade_state,
        "trade_state_desc": _TRADE_STATE_DESC.get(trade_state, trade_state),
        "bank_type": "OTHERS",
        "attach": "",
    }
    if trade_state == "SUCCESS":
        transaction["success_time"] = _beijing_time(now)
    transaction["payer"] = {"openid": _fake_openid() if openid is None else openid}
    transaction["amount"] = {
        "total": total_fen,
        "payer_total": total_fen,
        "currency": "CNY",
        "payer_currency": "CNY",
    }
    return _callback(
        kit,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=transaction,
        now=now,
        notification_id=notification_id,
    )


def refund_callback(
    kit: MerchantKit,
    *,
    out_trade_no: str,
    transaction_id: str,
    total_fen: int,
    refund_fen: int,
    now: float,
    event_type: str = "REFUND.SUCCESS",
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of a refund notification, exactly as WeChat sends it."""
    _check_fen("total_fen", total_fen)
    _check_fen("refund_fen", refund_fen)
    if event_type not in _REFUNDS:
        raise ValueError(f"unknown refund event type {event_type!r}: use one of {sorted(_REFUNDS)}")
    refund_status, summary = _REFUNDS[event_type]
    refund: dict[str, object] = {
        "mchid": kit.mchid,
        "transaction_id": transaction_id,
        "out_trade_no": out_trade_no,
        "refund_id": "50" + _digits(27),
        "out_refund_no": "RF" + _digits(18),
        "refund_status": refund_status,
    }
    if refund_status == "SUCCESS":
        refund["success_time"] = _beijing_time(now)
    refund["user_received_account"] = "支付用户零钱"
    refund["amount"] = {
        "total": total_fen,
        "refund": refund_fen,
        "payer_total": total_fen,
        "payer_refund": refund_fen,
    }
    return _callback(
        kit,
        event_type=event_type,
        summary=summary,
        original_type="refund",
        resource=refund,
        now=now,
        notification_id=None,
    )


def sign_raw(
    kit: MerchantKit, body: bytes, *, now: float, nonce: str | None = None
) -> dict[str, str]:
    """WeChat Pay headers signing an arbitrary body (for malformed-but-signed tests)."""
    timestamp = int(now)
    nonce = _alnum(32) if nonce is None else nonce
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign_message(kit.private_key, timestamp, nonce, body),
        "Wechatpay-Serial": kit.public_key_id,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        "Request-ID": secrets.token_hex(20).upper(),
        "Content-Type": "application/json",
    }


def customer_token(kit: MerchantKit, user_id: int, *, now: float, ttl_s: int = 7200) -> str:
    """A customer JWT as Sky Take-out issues it: HS256 with claim ``userId``."""
    issued = int(now)
    claims = {"userId": user_id, "iat": issued, "exp": issued + ttl_s}
    return jwt.encode(claims, kit.jwt_secret, algorithm="HS256")


def _callback(
    kit: MerchantKit,
    *,
    event_type: str,
    summary: str,
    original_type: str,
    resource: dict[str, object],
    now: float,
    notification_id: str | None,
) -> tuple[dict[str, str], bytes]:
    nonce = _alnum(12)
    ciphertext = encrypt_resource(
        kit.apiv3_key.encode("ascii"), nonce, original_type, _compact_json(resource)
    )
    notification = {
        "id": str(uuid.uuid4()) if notification_id is None else notification_id,
        "create_time": _beijing_time(now),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": original_type,
            "nonce": nonce,
        },
    }
    body = _compact_json(notification)
    return sign_raw(kit, body, now=now), body


def _compact_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _beijing_time(now: float) -> str:
    return datetime.fromtimestamp(int(now), _BEIJING).isoformat()


def _fake_openid() -> str:
    return "o" + "".join(secrets.choice(_ALNUM + "_-") for _ in range(27))


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _alnum(count: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(count))


def _check_fen(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole, non-negative number of fen, got {value!r}")


def _env_value(value: str) -> str:
    if _SAFE_ENV_VALUE.fullmatch(value):
        return value
    # python-dotenv single quotes: only backslash and quote are escaped.
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _write_new(path: Path, data: bytes, mode: int) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
