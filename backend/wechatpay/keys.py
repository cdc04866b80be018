"""The WeChat Pay keys that sign notifications, picked by ``Wechatpay-Serial``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from backend.wechatpay.errors import NotAuthentic

_HEX = re.compile(r"[0-9A-F]+")


class VerifierKeys:
    """Keys configured in advance: public keys by id, platform certificates by serial.

    While a merchant migrates from platform certificates to the WeChat Pay public key,
    notifications signed with either arrive for about a week, so both kinds may be configured.
    """

    def __init__(
        self,
        public_keys: Mapping[str, RSAPublicKey],
        platform_certificates: Sequence[x509.Certificate] = (),
    ) -> None:
        keys: dict[str, RSAPublicKey] = {}
        for key_id, key in public_keys.items():
            if not key_id:
                raise ValueError("a WeChat Pay public key id must not be empty")
            keys[_normalise(key_id)] = key
        for certificate in platform_certificates:
            serial = certificate_serial(certificate)
            certificate_key = certificate.public_key()
            if not isinstance(certificate_key, RSAPublicKey):
                raise ValueError(f"platform certificate {serial} does not hold an RSA public key")
            keys[_normalise(serial)] = certificate_key
        if not keys:
            raise ValueError(
                "no WeChat Pay verification key configured: "
                "set the public key id and file, or platform certificates"
            )
        self._keys = keys

    @classmethod
    def load(
        cls,
        public_key_id: str | None,
        public_key_pem: bytes | None,
        platform_cert_pems: Sequence[bytes] = (),
    ) -> VerifierKeys:
        """Parse the configured PEMs; a PEM may hold several certificates."""
        if (public_key_id is None) != (public_key_pem is None):
            raise ValueError(
                "the WeChat Pay public key id and public key file go together: set both or neither"
            )
        public_keys: dict[str, RSAPublicKey] = {}
        if public_key_id is not None and public_key_pem is not None:
            public_keys[public_key_id] = _load_public_key(public_key_id, public_key_pem)
        certificates = [
            certificate
            for number, pem in enumerate(platform_cert_pems, start=1)
            for certificate in _load_certificates(number, pem)
        ]
        return cls(public_keys, certificates)

    @property
    def serials(self) -> tuple[str, ...]:
        """The configured key ids and certificate serials (normalised), for the startup log."""
        return tuple(sorted(self._keys))

    def key_for(self, serial: str) -> RSAPublicKey:
        """The key a notification names in ``Wechatpay-Serial``."""
        try:
            return self._keys[_normalise(serial)]
        except KeyError:
            raise NotAuthentic(
                f"unknown Wechatpay-Serial {serial[:64]!r}: "
                "not a configured WeChat Pay public key id or platform certificate"
            ) from None


def certificate_serial(certificate: x509.Certificate) -> str:
    """A certificate's serial as WeChat Pay writes it: upper-case hex."""
    return format(certificate.serial_number, "X")


def _normalise(serial: str) -> str:
    # Certificate serials are hex: match them whatever the letter case or zero padding.
    upper = serial.upper()
    if _HEX.fullmatch(upper):
        return upper.lstrip("0") or "0"
    return upper


def _load_public_key(key_id: str, pem: bytes) -> RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(
            f"the WeChat Pay public key {key_id} is not a readable PEM public key "
            "(expected a file starting with -----BEGIN PUBLIC KEY-----)"
        ) from exc
    if not isinstance(key, RSAPublicKey):
        raise ValueError(f"the WeChat Pay public key {key_id} is not an RSA key")
    return key


def _load_certificates(number: int, pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(
            f"platform certificate file #{number} is not a readable PEM certificate "
            "(expected -----BEGIN CERTIFICATE-----)"
        ) from exc
