"""Verification keys: WeChat Pay public keys by id, platform certificates by serial."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID

from backend.devkit import MerchantKit
from backend.wechatpay import NotAuthentic, VerifierKeys

SERIAL = 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1


def certificate_pem(private_key: RSAPrivateKey | ec.EllipticCurvePrivateKey, serial: int) -> bytes:
    """A self-signed certificate with the given serial, as a platform certificate."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test)")])
    issued = datetime(2025, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(serial)
        .not_valid_before(issued)
        .not_valid_after(issued + timedelta(days=1825))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_public_key_is_found_by_its_id(kit: MerchantKit) -> None:
    """The configured public key is returned for its PUB_KEY_ID_ serial."""
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    assert keys.key_for(kit.public_key_id).public_numbers() == (
        kit.private_key.public_key().public_numbers()
    )


def test_unknown_serial_is_not_authentic(kit: MerchantKit) -> None:
    """A serial that names no configured key is refused."""
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    with pytest.raises(NotAuthentic, match="unknown Wechatpay-Serial"):
        keys.key_for("PUB_KEY_ID_0000000000000000000000000000")


def test_platform_certificate_is_found_by_its_serial(kit: MerchantKit) -> None:
    """A platform certificate is picked by its serial in upper-case hex."""
    keys = VerifierKeys.load(None, None, [certificate_pem(kit.private_key, SERIAL)])
    assert keys.key_for("5157F09EFDC096DE15EBE81A47057A7232F1B8E1").public_numbers() == (
        kit.private_key.public_key().public_numbers()
    )


def test_certificate_serial_matches_in_any_letter_case(kit: MerchantKit) -> None:
    """A lower-case serial finds the same certificate."""
    keys = VerifierKeys.load(None, None, [certificate_pem(kit.private_key, SERIAL)])
    assert keys.key_for("5157f09efdc096de15ebe81a47057a7232f1b8e1") is keys.key_for(
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    )


def test_certificate_serial_matches_with_or_without_leading_zeros(kit: MerchantKit) -> None:
    """A serial whose hex starts with zero matches whether or not the header pads it."""
    keys = VerifierKeys.load(None, None, [certificate_pem(kit.private_key, 0x0ABC)])
    assert keys.key_for("00ABC") is keys.key_for("ABC")


def test_certificate_serial_picks_the_right_certificate(
    kit: MerchantKit, other_kit: MerchantKit
) -> None:
    """With two certificates configured, each serial selects its own key."""
    pems = [certificate_pem(kit.private_key, SERIAL), certificate_pem(other_kit.private_key, 7)]
    keys = VerifierKeys.load(None, None, pems)
    assert keys.key_for("7").public_numbers() == (
        other_kit.private_key.public_key().public_numbers()
    )


def test_one_pem_may_hold_several_certificates(kit: MerchantKit, other_kit: MerchantKit) -> None:
    """A bundle of certificates in one PEM configures all of them."""
    bundle = certificate_pem(kit.private_key, SERIAL) + certificate_pem(other_kit.private_key, 7)
    keys = VerifierKeys.load(None, None, [bundle])
    assert keys.serials == ("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "7")


def test_public_key_and_certificates_work_side_by_side(kit: MerchantKit) -> None:
    """During a migration, both the public key id and a certificate serial are accepted."""
    keys = VerifierKeys.load(
        kit.public_key_id, kit.public_key_pem, [certificate_pem(kit.private_key, SERIAL)]
    )
    assert set(keys.serials) == {kit.public_key_id, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"}


def test_unreadable_public_key_pem_is_a_value_error() -> None:
    """A public key file that is not PEM fails at load with a clear message."""
    with pytest.raises(ValueError, match="not a readable PEM public key"):
        VerifierKeys.load("PUB_KEY_ID_01", b"not a key")


def test_certificate_given_as_public_key_is_a_value_error(kit: MerchantKit) -> None:
    """A certificate configured where the public key belongs is refused at load."""
    with pytest.raises(ValueError, match="BEGIN PUBLIC KEY"):
        VerifierKeys.load("PUB_KEY_ID_01", certificate_pem(kit.private_key, SERIAL))


def test_non_rsa_public_key_is_a_value_error() -> None:
    """An EC public key cannot verify WeChat Pay's RSA signatures and is refused at load."""
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        VerifierKeys.load("PUB_KEY_ID_01", pem)


def test_unreadable_certificate_pem_is_a_value_error() -> None:
    """A platform certificate file that is not PEM fails at load, naming which one."""
    with pytest.raises(ValueError, match="#1 is not a readable PEM certificate"):
        VerifierKeys.load(None, None, [b"not a certificate"])


def test_non_rsa_certificate_is_a_value_error() -> None:
    """A platform certificate holding an EC key is refused at load."""
    pem = certificate_pem(ec.generate_private_key(ec.SECP256R1()), SERIAL)
    with pytest.raises(ValueError, match="RSA"):
        VerifierKeys.load(None, None, [pem])


def test_public_key_id_without_pem_is_a_value_error() -> None:
    """A public key id without its key file is a configuration error."""
    with pytest.raises(ValueError, match="set both or neither"):
        VerifierKeys.load("PUB_KEY_ID_01", None)


def test_no_key_at_all_is_a_value_error() -> None:
    """Without any key nothing could ever verify, so loading fails."""
    with pytest.raises(ValueError, match="no WeChat Pay verification key"):
        VerifierKeys.load(None, None)
