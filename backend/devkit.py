"""A TEST merchant kit and WeChat-exact callbacks for tests, demo, benchmarks: never real money."""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.x509.oid import NameOID

from backend.wechatpay.aead import encrypt_resource
from backend.wechatpay.authorization import MerchantCredentials
from backend.wechatpay.headers import SIGNATURE_TYPE
from backend.wechatpay.keys import certificate_serial
from backend.wechatpay.signature import sign_message

WARNING = "TEST merchant kit: never use it with real money"
PRIVATE_KEY_FILE = "wechatpay_private_key.pem"
PUBLIC_KEY_FILE = "wechatpay_public_key.pem"
# The merchant's own API key pair, named as the merchant platform's certificate tool names them.
MERCHANT_KEY_FILE = "apiclient_key.pem"
MERCHANT_CERT_FILE = "apiclient_cert.pem"
KIT_FILE = "kit.json"
ENV_FILE = "orderbell.env"
_CERT_YEARS = 5

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
    """A made-up merchant whose key plays WeChat Pay's signing key. For tests only.

    Two key pairs: WeChat Pay's (``private_key``: signs notifications and API answers) and the
    merchant's API key (``merchant_private_key``: signs the merchant's API requests), with a
    self-signed certificate standing in for the merchant API certificate and its serial.
    """

    private_key_pem: bytes = field(repr=False)
    public_key_pem: bytes
    public_key_id: str
    apiv3_key: str = field(repr=False)
    mchid: str
    appid: str
    jwt_secret: str = field(repr=False)
    merchant_private_key_pem: bytes = field(repr=False)
    merchant_certificate_pem: bytes
    merchant_serial: str

    @cached_property
    def private_key(self) -> RSAPrivateKey:
        """WeChat Pay's signing key, loaded once."""
        return _rsa_private_key(self.private_key_pem, "the test kit's WeChat Pay key")

    @cached_property
    def merchant_private_key(self) -> RSAPrivateKey:
        """The merchant's API key, loaded once."""
        return _rsa_private_key(self.merchant_private_key_pem, "the test kit's merchant API key")

    @cached_property
    def merchant_public_key(self) -> RSAPublicKey:
        """The public half of the merchant's API key, from its certificate."""
        key = x509.load_pem_x509_certificate(self.merchant_certificate_pem).public_key()
        if not isinstance(key, RSAPublicKey):
            raise ValueError("the test kit's merchant API certificate does not hold an RSA key")
        return key

    def merchant_credentials(self) -> MerchantCredentials:
        """What signs the merchant's API requests."""
        return MerchantCredentials(self.mchid, self.merchant_serial, self.merchant_private_key)


def create_kit() -> MerchantKit:
    """A fresh kit: two RSA-2048 pairs, random ids, a 32-character APIv3 key and a JWT secret."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    mchid = "19" + _digits(8)
    merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = _merchant_certificate(merchant_key, mchid)
    return MerchantKit(
        private_key_pem=_private_pem(private_key),
        public_key_pem=private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public_key_id="PUB_KEY_ID_" + _digits(28),
        apiv3_key=_alnum(32),
        mchid=mchid,
        appid="wx" + secrets.token_hex(8),
        jwt_secret=secrets.token_urlsafe(32),
        merchant_private_key_pem=_private_pem(merchant_key),
        merchant_certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        merchant_serial=certificate_serial(certificate),
    )


def write_kit(kit: MerchantKit, directory: Path, *, api_url: str | None = None) -> Path:
    """Write the kit and a server env file into ``directory``; return the env file's path.

    With ``api_url`` (a running ``wechat-sim``), the env file also points the server's order
    queries at it, signed with the kit's merchant API key.
    """
    directory.mkdir(parents=True, exist_ok=True)
    directory = directory.resolve()
    names = (
        PRIVATE_KEY_FILE,
        PUBLIC_KEY_FILE,
        MERCHANT_KEY_FILE,
        MERCHANT_CERT_FILE,
        KIT_FILE,
        ENV_FILE,
    )
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
        "merchant_serial": kit.merchant_serial,
        "merchant_certificate_pem": kit.merchant_certificate_pem.decode("ascii"),
    }
    settings = {
        "ORDERBELL_WECHATPAY_MCHID": kit.mchid,
        "ORDERBELL_WECHATPAY_APPID": kit.appid,
        "ORDERBELL_WECHATPAY_APIV3_KEY": kit.apiv3_key,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID": kit.public_key_id,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE": str(public_key_file),
        "ORDERBELL_USER_JWT_SECRET": kit.jwt_secret,
    }
    merchant_key_file = directory / MERCHANT_KEY_FILE
    api_settings = {
        "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE": str(merchant_key_file),
        "ORDERBELL_WECHATPAY_MERCHANT_SERIAL": kit.merchant_serial,
        "ORDERBELL_WECHATPAY_API_URL": api_url or "http://127.0.0.1:8090",
    }
    api_lines = "".join(f"{name}={_env_value(value)}\n" for name, value in api_settings.items())
    if api_url is None:
        # Order queries against the real WeChat Pay with a made-up key would only fail.
        api_lines = (
            "# Order queries (reconciliation): start `orderbell-server wechat-sim --kit "
            f"{_env_value(str(directory))}` and uncomment these\n"
            + "".join(f"# {line}\n" for line in api_lines.splitlines())
        )
    env_text = (
        f"# OrderBell {WARNING}.\n"
        + "".join(f"{name}={_env_value(value)}\n" for name, value in settings.items())
        + api_lines
    )
    _write_new(directory / PRIVATE_KEY_FILE, kit.private_key_pem, 0o600)
    _write_new(public_key_file, kit.public_key_pem, 0o644)
    _write_new(merchant_key_file, kit.merchant_private_key_pem, 0o600)
    _write_new(directory / MERCHANT_CERT_FILE, kit.merchant_certificate_pem, 0o644)
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
    for needed in (PRIVATE_KEY_FILE, MERCHANT_KEY_FILE):
        if not (directory / needed).is_file():
            raise ValueError(
                f"the test merchant kit in {directory} has no {needed}: kits written before "
                "order queries existed lack the merchant API key; write a new kit with "
                "`orderbell-server devkit NEW_DIRECTORY`"
            )
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
        merchant_private_key_pem=(directory / MERCHANT_KEY_FILE).read_bytes(),
        merchant_certificate_pem=text("merchant_certificate_pem").encode("ascii"),
        merchant_serial=text("merchant_serial"),
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
    merchant_key_file = directory / MERCHANT_KEY_FILE
    try:
        merchant_public = kit.merchant_private_key.public_key().public_numbers()
        certified = kit.merchant_public_key.public_numbers()
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(
            f"{merchant_key_file} or the certificate in {kit_file} is not readable"
        ) from exc
    if merchant_public != certified:
        raise ValueError(f"{merchant_key_file} does not match the certificate in {kit_file}")
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
    sub_mchid: str | None = None,
    notification_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of a TRANSACTION.SUCCESS notification, exactly as WeChat sends it.

    ``trade_state``, ``mchid`` and ``appid`` can be overridden to produce mismatches;
    ``sub_mchid`` makes it a service provider's (partner) notification for that sub-merchant.
    """
    transaction = trade_fields(
        kit,
        out_trade_no=out_trade_no,
        total_fen=total_fen,
        trade_state=trade_state,
        now=now,
        transaction_id="4200" + _digits(24) if transaction_id is None else transaction_id,
        openid=openid,
        mchid=mchid,
        appid=appid,
        sub_mchid=sub_mchid,
    )
    return _callback(
        kit,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=transaction,
        now=now,
        notification_id=notification_id,
    )


def trade_fields(
    kit: MerchantKit,
    *,
    out_trade_no: str,
    total_fen: int,
    trade_state: str,
    now: float,
    transaction_id: str | None = None,
    openid: str | None = None,
    mchid: str | None = None,
    appid: str | None = None,
    sub_mchid: str | None = None,
) -> dict[str, object]:
    """A transaction as WeChat Pay describes it, in a notification or a query answer.

    With a ``transaction_id`` (a payment exists) it has the payer and the payment's details;
    without one, only what an unpaid order has. ``sub_mchid`` gives the partner-mode names.
    """
    _check_fen("total_fen", total_fen)
    transaction: dict[str, object] = {}
    if sub_mchid is None:
        transaction["mchid"] = kit.mchid if mchid is None else mchid
        transaction["appid"] = kit.appid if appid is None else appid
    else:
        transaction["sp_mchid"] = kit.mchid if mchid is None else mchid
        transaction["sp_appid"] = kit.appid if appid is None else appid
        transaction["sub_mchid"] = sub_mchid
    transaction["out_trade_no"] = out_trade_no
    amount: dict[str, object] = {"total": total_fen, "currency": "CNY", "payer_currency": "CNY"}
    if transaction_id is not None:
        transaction["transaction_id"] = transaction_id
        transaction["trade_type"] = "JSAPI"
    transaction["trade_state"] = trade_state
    transaction["trade_state_desc"] = _TRADE_STATE_DESC.get(trade_state, trade_state)
    if transaction_id is not None:
        transaction["bank_type"] = "OTHERS"
        transaction["attach"] = ""
        if trade_state in ("SUCCESS", "REFUND"):
            transaction["success_time"] = _beijing_time(now)
        payer_key = "openid" if sub_mchid is None else "sp_openid"
        transaction["payer"] = {payer_key: _fake_openid() if openid is None else openid}
        amount["payer_total"] = total_fen
    transaction["amount"] = amount
    return transaction


def refund_callback(
    kit: MerchantKit,
    *,
    out_trade_no: str,
    transaction_id: str,
    total_fen: int,
    refund_fen: int,
    now: float,
    event_type: str = "REFUND.SUCCESS",
    refund_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of a refund notification, exactly as WeChat sends it.

    ``refund_fen`` is this refund's amount (less than ``total_fen`` for a partial refund); a
    retried notification carries the same ``refund_id`` (a fresh one when None).
    """
    _check_fen("total_fen", total_fen)
    _check_fen("refund_fen", refund_fen)
    if event_type not in _REFUNDS:
        raise ValueError(f"unknown refund event type {event_type!r}: use one of {sorted(_REFUNDS)}")
    refund_status, summary = _REFUNDS[event_type]
    refund: dict[str, object] = {
        "mchid": kit.mchid,
        "transaction_id": transaction_id,
        "out_trade_no": out_trade_no,
        "refund_id": "50" + _digits(27) if refund_id is None else refund_id,
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
        kit.apiv3_key.encode("ascii"), nonce, original_type, compact_json(resource)
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
    body = compact_json(notification)
    return sign_raw(kit, body, now=now), body


def _rsa_private_key(pem: bytes, what: str) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError(f"{what} is not an RSA key")
    return key


def _private_pem(key: RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _merchant_certificate(key: RSAPrivateKey, mchid: str) -> x509.Certificate:
    """A self-signed stand-in for the merchant API certificate WeChat Pay's CA would issue."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, mchid),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"OrderBell {WARNING}"),
        ]
    )
    start = datetime.now(UTC) - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * _CERT_YEARS))
        .sign(key, hashes.SHA256())
    )


def compact_json(value: object) -> bytes:
    """JSON as WeChat Pay writes it: UTF-8, no spaces."""
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
