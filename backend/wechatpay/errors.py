"""Why a WeChat Pay notification is refused (and with which status), or an API call failed."""

from __future__ import annotations


class NotificationRejected(Exception):
    """A notification OrderBell refuses.

    ``status`` is the HTTP status to answer WeChat with. ``message`` is safe to send back in
    ``{"code": "FAIL", "message": ...}`` and to log: it never holds a key, a signature or a
    whole openid.
    """

    status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthentic(NotificationRejected):
    """The request cannot be shown to come from WeChat Pay (headers, timestamp, signature)."""

    status = 401


class MalformedNotification(NotificationRejected):
    """Signed by WeChat Pay, but not a notification OrderBell understands."""

    status = 400


class DecryptionFailed(NotificationRejected):
    """A genuine notification whose resource does not decrypt: the APIv3 key is misconfigured.

    Answered with 500 so WeChat retries once the operator has fixed the key.
    """

    status = 500


class MerchantMismatch(NotificationRejected):
    """Genuine and readable, but not a successful payment for this merchant and app."""

    status = 400


class ApiError(Exception):
    """A WeChat Pay API call that settled nothing: nothing may change, try again later.

    ``message`` is safe to log: it never holds a key, a signature or a whole openid.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiUnavailable(ApiError):
    """No answer: network failure, timeout, or WeChat Pay busy (5xx, 429)."""


class AnswerRejected(ApiError):
    """An answer that cannot be believed: an anomaly to log, never a reason to change an order.

    Unsigned, wrongly signed, stale, altered, malformed, or about another order or merchant.
    """


class ApiRefused(ApiError):
    """A genuine refusal OrderBell has no answer for (``code`` as WeChat Pay sent it)."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
