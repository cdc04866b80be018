"""The test merchant kit: files on disk, WeChat-exact callbacks and customer tokens."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from dotenv import dotenv_values

from backend.devkit import (
    MerchantKit,
    create_kit,
    customer_token,
    load_kit,
    payment_callback,
    refund_callback,
    sign_raw,
    write_kit,
)
from backend.wechatpay import (
    VerifierKeys,
    decrypt_resource,
    read_signed_headers,
    verify_signature,
)

NOW = 1_764_140_000.0
BEIJING_NOW = "2025-11-26T14:53:20+08:00"


@pytest.fixture(scope="module")
def kit() -> MerchantKit:
    """One freshly generated kit for the module (RSA key generation is slow)."""
    return create_kit()


def payment(kit: MerchantKit, **overrides: str) -> tuple[dict[str, str], bytes]:
    """A payment callback for a 48.00 yuan order at NOW."""
    return payment_callback(
        kit, out_trade_no="20251126140512345", total_fen=4800, now=NOW, **overrides
    )


def decrypted(kit: MerchantKit, body: bytes) -> dict[str, object]:
    """The decrypted resource of a callback body, as JSON."""
    resource = json.loads(body)["resource"]
    plaintext = decrypt_resource(
        kit.apiv3_key.encode(),
        resource["nonce"],
        resource["associated_data"],
        resource["ciphertext"],
    )
    data = json.loads(plaintext)
    assert isinstance(data, dict)
    return data


def test_public_key_id_has_wechat_shape(kit: MerchantKit) -> None:
    """The public key id is PUB_KEY_ID_ followed by 28 digits."""
    assert re.fullmatch(r"PUB_KEY_ID_[0-9]{28}", kit.public_key_id)


def test_mchid_is_ten_digits(kit: MerchantKit) -> None:
    """The merchant id is ten digits, like 1900000109."""
    assert re.fullmatch(r"19[0-9]{8}", kit.mchid)


def test_appid_is_wx_and_sixteen_hex(kit: MerchantKit) -> None:
    """The app id is wx followed by 16 hex digits."""
    assert re.fullmatch(r"wx[0-9a-f]{16}", kit.appid)


def test_apiv3_key_is_32_alphanumerics(kit: MerchantKit) -> None:
    """The APIv3 key is 32 ASCII letters and digits, as the merchant platform requires."""
    assert re.fullmatch(r"[A-Za-z0-9]{32}", kit.apiv3_key)


def test_jwt_secret_is_long_and_url_safe(kit: MerchantKit) -> None:
    """The JWT secret has at least 43 URL-safe characters (256 bits)."""
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", kit.jwt_secret)


def test_private_key_is_rsa_2048_matching_the_public_key(kit: MerchantKit) -> None:
    """The kit's key pair is RSA-2048 and the PEMs belong together."""
    public_key = VerifierKeys.load(kit.public_key_id, kit.public_key_pem).key_for(kit.public_key_id)
    assert kit.private_key.key_size == 2048
    assert public_key.public_numbers() == kit.private_key.public_key().public_numbers()


def test_every_kit_is_fresh(kit: MerchantKit) -> None:
    """Two kits share no key or secret."""
    other = create_kit()
    assert (other.public_key_pem, other.apiv3_key, other.jwt_secret) != (
        kit.public_key_pem,
        kit.apiv3_key,
        kit.jwt_secret,
    )


def test_repr_hides_secrets(kit: MerchantKit) -> None:
    """Printing a kit shows neither the private key, the APIv3 key nor the JWT secret."""
    shown = repr(kit)
    assert "PRIVATE KEY" not in shown
    assert kit.apiv3_key not in shown
    assert kit.jwt_secret not in shown


def test_written_kit_loads_back(kit: MerchantKit, tmp_path: Path) -> None:
    """load_kit returns exactly the kit write_kit wrote."""
    write_kit(kit, tmp_path / "kit")
    assert load_kit(tmp_path / "kit") == kit


def test_write_kit_returns_the_env_file(kit: MerchantKit, tmp_path: Path) -> None:
    """write_kit answers with the absolute path of orderbell.env."""
    assert write_kit(kit, tmp_path) == (tmp_path / "orderbell.env").resolve()


def test_write_kit_creates_missing_directories(kit: MerchantKit, tmp_path: Path) -> None:
    """The target directory is created if needed."""
    assert write_kit(kit, tmp_path / "a" / "b").is_file()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_private_key_file_is_owner_only(kit: MerchantKit, tmp_path: Path) -> None:
    """The private key file is readable by its owner only (0600)."""
    write_kit(kit, tmp_path)
    mode = stat.S_IMODE((tmp_path / "wechatpay_private_key.pem").stat().st_mode)
    assert mode == 0o600


def test_kit_json_holds_no_private_key(kit: MerchantKit, tmp_path: Path) -> None:
    """kit.json describes the kit without its private key, and warns against real money."""
    write_kit(kit, tmp_path)
    described = json.loads((tmp_path / "kit.json").read_text(encoding="utf-8"))
    assert "PRIVATE KEY" not in json.dumps(described)
    assert "never use it with real money" in described["warning"]


def test_existing_kit_is_not_overwritten(kit: MerchantKit, tmp_path: Path) -> None:
    """Writing into a directory that holds a kit fails and leaves the old kit alone."""
    write_kit(kit, tmp_path)
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        write_kit(create_kit(), tmp_path)
    assert load_kit(tmp_path) == kit


def test_env_file_configures_the_server(kit: MerchantKit, tmp_path: Path) -> None:
    """The env file sets every ORDERBELL_* variable the server needs for this kit."""
    env_file = write_kit(kit, tmp_path)
    assert dotenv_values(env_file) == {
        "ORDERBELL_WECHATPAY_MCHID": kit.mchid,
        "ORDERBELL_WECHATPAY_APPID": kit.appid,
        "ORDERBELL_WECHATPAY_APIV3_KEY": kit.apiv3_key,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID": kit.public_key_id,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE": str(
            (tmp_path / "wechatpay_public_key.pem").resolve()
        ),
        "ORDERBELL_USER_JWT_SECRET": kit.jwt_secret,
    }


def test_env_file_starts_with_a_real_money_warning(kit: MerchantKit, tmp_path: Path) -> None:
    """The env file's first line says it is a test kit never to use with real money."""
    first_line = write_kit(kit, tmp_path).read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("#")
    assert "TEST" in first_line
    assert "never use it with real money" in first_line


def test_env_file_points_at_the_public_key(kit: MerchantKit, tmp_path: Path) -> None:
    """The public key file named in the env file is absolute and holds the kit's public key."""
    path = Path(
        dotenv_values(write_kit(kit, tmp_path))["ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE"] or ""
    )
    assert path.is_absolute()
    assert path.read_bytes() == kit.public_key_pem


def test_env_file_quotes_awkward_paths(kit: MerchantKit, tmp_path: Path) -> None:
    """A directory name with spaces, quotes and a hash still reads back exactly."""
    directory = tmp_path / 'O\'Brien #1 "kit"'
    env_file = write_kit(kit, directory)
    assert dotenv_values(env_file)["ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE"] == str(
        (directory / "wechatpay_public_key.pem").resolve()
    )


def test_loading_from_an_empty_directory_says_how_to_make_a_kit(tmp_path: Path) -> None:
    """A directory without a kit gives an error naming the command that creates one."""
    with pytest.raises(ValueError, match="run `orderbell-server devkit"):
        load_kit(tmp_path)


def test_loading_a_damaged_kit_json_is_a_value_error(kit: MerchantKit, tmp_path: Path) -> None:
    """A kit.json that is not JSON gives a clear error."""
    write_kit(kit, tmp_path)
    (tmp_path / "kit.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_kit(tmp_path)


def test_loading_a_mismatched_private_key_is_a_value_error(
    kit: MerchantKit, tmp_path: Path
) -> None:
    """A private key that does not belong to the kit's public key is refused."""
    write_kit(kit, tmp_path)
    (tmp_path / "wechatpay_private_key.pem").write_bytes(create_kit().private_key_pem)
    with pytest.raises(ValueError, match="does not match"):
        load_kit(tmp_path)


def test_merchant_key_is_rsa_2048_certified_under_its_serial(kit: MerchantKit) -> None:
    """The merchant API key is RSA-2048; its certificate holds it and its serial is upper hex."""
    certificate = x509.load_pem_x509_certificate(kit.merchant_certificate_pem)
    assert kit.merchant_private_key.key_size == 2048
    assert (
        kit.merchant_public_key.public_numbers()
        == kit.merchant_private_key.public_key().public_numbers()
    )
    assert kit.merchant_serial == format(certificate.serial_number, "X")
    assert re.fullmatch(r"[0-9A-F]{16,40}", kit.merchant_serial)


def test_merchant_key_is_not_wechat_pays_key(kit: MerchantKit) -> None:
    """The merchant signs with its own key, never with the one standing in for WeChat Pay's."""
    assert (
        kit.merchant_private_key.public_key().public_numbers()
        != kit.private_key.public_key().public_numbers()
    )


def test_merchant_key_file_is_owner_only_and_certificate_public(
    kit: MerchantKit, tmp_path: Path
) -> None:
    """apiclient_key.pem is 0600 and not described in kit.json; apiclient_cert.pem is written."""
    write_kit(kit, tmp_path)
    if os.name != "nt":
        assert stat.S_IMODE((tmp_path / "apiclient_key.pem").stat().st_mode) == 0o600
    assert (tmp_path / "apiclient_cert.pem").read_bytes() == kit.merchant_certificate_pem
    assert "PRIVATE KEY" not in (tmp_path / "kit.json").read_text(encoding="utf-8")


def test_env_file_with_a_simulator_points_order_queries_at_it(
    kit: MerchantKit, tmp_path: Path
) -> None:
    """With the simulator's address the env file enables order queries against it."""
    values = dotenv_values(write_kit(kit, tmp_path, api_url="http://127.0.0.1:8090"))
    assert values["ORDERBELL_WECHATPAY_API_URL"] == "http://127.0.0.1:8090"
    assert values["ORDERBELL_WECHATPAY_MERCHANT_SERIAL"] == kit.merchant_serial
    key_file = Path(values["ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE"] or "")
    assert key_file.read_bytes() == kit.merchant_private_key_pem


def test_env_file_without_a_simulator_leaves_order_queries_off(
    kit: MerchantKit, tmp_path: Path
) -> None:
    """Without a simulator the query settings are there, commented out, with how to start one."""
    text = write_kit(kit, tmp_path).read_text(encoding="utf-8")
    assert "# ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE=" in text
    assert "wechat-sim --kit" in text


def test_loading_a_kit_without_a_merchant_key_says_what_to_do(
    kit: MerchantKit, tmp_path: Path
) -> None:
    """A kit written before merchant keys existed gives an error naming the fix."""
    write_kit(kit, tmp_path)
    (tmp_path / "apiclient_key.pem").unlink()
    with pytest.raises(ValueError, match="write a new kit"):
        load_kit(tmp_path)


def test_loading_a_mismatched_merchant_key_is_a_value_error(
    kit: MerchantKit, tmp_path: Path
) -> None:
    """A merchant key that does not belong to the kit's certificate is refused."""
    write_kit(kit, tmp_path)
    (tmp_path / "apiclient_key.pem").write_bytes(create_kit().merchant_private_key_pem)
    with pytest.raises(ValueError, match="does not match the certificate"):
        load_kit(tmp_path)


def test_partner_callback_uses_provider_and_sub_merchant_names(kit: MerchantKit) -> None:
    """With a sub_mchid the transaction reads as a service provider's: sp_ and sub_ fields."""
    _, body = payment(kit, sub_mchid="1900000200")
    transaction = decrypted(kit, body)
    assert (transaction["sp_mchid"], transaction["sp_appid"], transaction["sub_mchid"]) == (
        kit.mchid,
        kit.appid,
        "1900000200",
    )
    assert "mchid" not in transaction
    assert set(transaction["payer"]) == {"sp_openid"}  # type: ignore[arg-type]


def test_payment_headers_are_wechats(kit: MerchantKit) -> None:
    """A payment callback carries exactly the headers WeChat Pay sends."""
    headers, _ = payment(kit)
    assert sorted(headers) == [
        "Content-Type",
        "Request-ID",
        "Wechatpay-Nonce",
        "Wechatpay-Serial",
        "Wechatpay-Signature",
        "Wechatpay-Signature-Type",
        "Wechatpay-Timestamp",
    ]


def test_payment_headers_name_the_kit_key_and_the_time(kit: MerchantKit) -> None:
    """The serial is the kit's public key id and the timestamp is NOW in whole seconds."""
    headers, _ = payment(kit)
    assert (headers["Wechatpay-Serial"], headers["Wechatpay-Timestamp"]) == (
        kit.public_key_id,
        "1764140000",
    )


def test_payment_header_nonce_is_32_alphanumerics(kit: MerchantKit) -> None:
    """The header nonce is 32 random letters and digits."""
    assert re.fullmatch(r"[A-Za-z0-9]{32}", payment(kit)[0]["Wechatpay-Nonce"])


def test_payment_signature_verifies(kit: MerchantKit) -> None:
    """The callback's signature verifies over its raw body with the kit's public key."""
    headers, body = payment(kit)
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    verify_signature(keys, read_signed_headers(headers, NOW), body)


def test_payment_body_is_compact_utf8_json(kit: MerchantKit) -> None:
    """The body is compact JSON with Chinese text as raw UTF-8, as WeChat sends it."""
    _, body = payment(kit)
    assert '"summary":"支付成功"'.encode() in body


def test_payment_notification_envelope(kit: MerchantKit) -> None:
    """The notification names a TRANSACTION.SUCCESS encrypted transaction at Beijing time."""
    notification = json.loads(payment(kit, notification_id="EV-1")[1])
    resource = notification.pop("resource")
    assert notification == {
        "id": "EV-1",
        "create_time": BEIJING_NOW,
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
    }
    assert (resource["original_type"], resource["algorithm"], resource["associated_data"]) == (
        "transaction",
        "AEAD_AES_256_GCM",
        "transaction",
    )


def test_payment_resource_nonce_is_12_characters(kit: MerchantKit) -> None:
    """The resource nonce is the 12 characters AES-GCM takes."""
    assert len(json.loads(payment(kit)[1])["resource"]["nonce"]) == 12


def test_payment_transaction_has_every_wechat_field(kit: MerchantKit) -> None:
    """The decrypted transaction has the fields WeChat documents, in fen and Beijing time."""
    transaction = decrypted(
        kit, payment(kit, transaction_id="4200000000202511261234567890", openid="o-1")[1]
    )
    assert transaction == {
        "mchid": kit.mchid,
        "appid": kit.appid,
        "out_trade_no": "20251126140512345",
        "transaction_id": "4200000000202511261234567890",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": BEIJING_NOW,
        "payer": {"openid": "o-1"},
        "amount": {"total": 4800, "payer_total": 4800, "currency": "CNY", "payer_currency": "CNY"},
    }


def test_default_transaction_id_is_28_digits_from_4200(kit: MerchantKit) -> None:
    """Without a transaction id, a WeChat-like one is made up."""
    assert re.fullmatch(r"4200[0-9]{24}", str(decrypted(kit, payment(kit)[1])["transaction_id"]))


def test_default_openid_looks_like_wechats(kit: MerchantKit) -> None:
    """Without an openid, a 28-character one starting with o is made up."""
    payer = decrypted(kit, payment(kit)[1])["payer"]
    assert isinstance(payer, dict)
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", payer["openid"])


def test_payment_overrides_produce_mismatches(kit: MerchantKit) -> None:
    """mchid, appid and trade_state can be overridden to build refusals."""
    transaction = decrypted(kit, payment(kit, mchid="1", appid="wx1", trade_state="NOTPAY")[1])
    assert (transaction["mchid"], transaction["appid"], transaction["trade_state"]) == (
        "1",
        "wx1",
        "NOTPAY",
    )


def test_unpaid_transaction_has_no_success_time(kit: MerchantKit) -> None:
    """Only a successful transaction carries success_time."""
    assert "success_time" not in decrypted(kit, payment(kit, trade_state="NOTPAY")[1])


def test_callbacks_are_not_repeated(kit: MerchantKit) -> None:
    """Two callbacks for the same order differ in nonce and ciphertext."""
    assert payment(kit)[1] != payment(kit)[1]


def test_negative_amount_is_refused(kit: MerchantKit) -> None:
    """The builder takes whole, non-negative fen only."""
    with pytest.raises(ValueError, match="fen"):
        payment_callback(kit, out_trade_no="1", total_fen=-1, now=NOW)


@pytest.mark.parametrize(
    ("event_type", "status"),
    [("REFUND.SUCCESS", "SUCCESS"), ("REFUND.ABNORMAL", "ABNORMAL"), ("REFUND.CLOSED", "CLOSED")],
)
def test_refund_status_matches_the_event(kit: MerchantKit, event_type: str, status: str) -> None:
    """The decrypted refund_status matches the notification's event type."""
    _, body = refund_callback(
        kit,
        out_trade_no="1",
        transaction_id="42",
        total_fen=4800,
        refund_fen=4800,
        now=NOW,
        event_type=event_type,
    )
    assert (json.loads(body)["event_type"], decrypted(kit, body)["refund_status"]) == (
        event_type,
        status,
    )


def test_refund_resource_is_a_refund(kit: MerchantKit) -> None:
    """A refund's resource has original type and associated data 'refund'."""
    _, body = refund_callback(
        kit, out_trade_no="1", transaction_id="42", total_fen=4800, refund_fen=100, now=NOW
    )
    resource = json.loads(body)["resource"]
    assert (resource["original_type"], resource["associated_data"]) == ("refund", "refund")


def test_refund_amounts_are_in_fen(kit: MerchantKit) -> None:
    """The refund amounts are the order total and the refunded part, in fen."""
    _, body = refund_callback(
        kit, out_trade_no="1", transaction_id="42", total_fen=4800, refund_fen=100, now=NOW
    )
    assert decrypted(kit, body)["amount"] == {
        "total": 4800,
        "refund": 100,
        "payer_total": 4800,
        "payer_refund": 100,
    }


def test_unknown_refund_event_is_refused(kit: MerchantKit) -> None:
    """Only the three refund event types can be built."""
    with pytest.raises(ValueError, match=r"REFUND\.SUCCESS"):
        refund_callback(
            kit,
            out_trade_no="1",
            transaction_id="42",
            total_fen=1,
            refund_fen=1,
            now=NOW,
            event_type="REFUND.DONE",
        )


def test_sign_raw_signs_any_body(kit: MerchantKit) -> None:
    """sign_raw's headers verify over an arbitrary body, with the nonce given."""
    headers = sign_raw(kit, b"not json", now=NOW, nonce="n0nce")
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    signed = read_signed_headers(headers, NOW)
    verify_signature(keys, signed, b"not json")
    assert signed.nonce == "n0nce"


def test_customer_token_claims(kit: MerchantKit) -> None:
    """The token carries userId, iat and exp (two hours later by default)."""
    token = customer_token(kit, 7, now=NOW)
    claims = jwt.decode(
        token,
        kit.jwt_secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {"userId": 7, "iat": 1_764_140_000, "exp": 1_764_147_200}


def test_customer_token_is_hs256(kit: MerchantKit) -> None:
    """The token is signed with HS256, as Sky Take-out's are."""
    assert jwt.get_unverified_header(customer_token(kit, 7, now=NOW))["alg"] == "HS256"


def test_customer_token_lifetime_is_adjustable(kit: MerchantKit) -> None:
    """ttl_s sets how long after iat the token expires."""
    token = customer_token(kit, 7, now=NOW, ttl_s=60)
    claims = jwt.decode(
        token,
        kit.jwt_secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["exp"] - claims["iat"] == 60


def test_customer_token_is_not_valid_under_another_secret(kit: MerchantKit) -> None:
    """A token checked with another secret fails."""
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(customer_token(kit, 7, now=NOW), create_kit().jwt_secret, algorithms=["HS256"])
