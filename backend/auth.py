"""Who is calling: customers by their Sky Take-out JWT, counter PCs by their device token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jwt

# Sky Take-out user ids are SQL BIGINTs; anything larger cannot name a customer.
MAX_USER_ID = 2**63 - 1


class Unauthorized(Exception):
    """The caller did not prove who it is; the message says what was wrong."""


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@dataclass(frozen=True, slots=True)
class CustomerAuth:
    """Checks customer tokens: HS256 with the shared secret, claim ``userId``, not expired."""

    secret: str

    def user_id(self, headers: Mapping[str, str], now: float) -> int:
        """The customer's id, from ``authentication: <jwt>`` or ``Authorization: Bearer <jwt>``."""
        token = headers.get("authentication", "").strip() or bearer_token(headers)
        if not token:
            raise Unauthorized("missing customer token (header 'authentication')")
        try:
            # Expiry is checked below against the injected clock, not the wall clock.
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError:
            raise Unauthorized("invalid customer token") from None
        exp = claims.get("exp")
        if exp is not None:
            if not isinstance(exp, int | float) or isinstance(exp, bool):
                raise Unauthorized("invalid customer token")
            if exp <= now:
                raise Unauthorized("customer token expired")
        user_id = claims.get("userId")
        if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
            user_id = int(user_id)
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise Unauthorized("customer token has no userId")
        if not 0 < user_id <= MAX_USER_ID:
            raise Unauthorized("customer token has an invalid userId")
        return user_id
