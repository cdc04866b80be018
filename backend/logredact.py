"""Log records never hold secrets: device tokens, customer JWTs, credentials, configured keys.

One filter, :class:`Redactor`, installed for the whole process by the server
(:func:`install_redaction`, called by ``backend.server.make_server``, so by ``serve`` and the
demo alike). It is installed in the log-record factory, so every record is masked once, as it is
made, whichever logger makes it (uvicorn's access and error lines, websockets' DEBUG lines of a
handshake, asyncio's, ours) and whichever handlers see it afterwards (the server's, an
operator's own, a test's). A filter on loggers would miss records propagated from their
children, and one on handlers would miss handlers added later.

What is masked: anything shaped like a device token (``obt_…``) or a JWT, the value of an
``Authorization``/``Authentication``/``Cookie`` header in any of the forms it is logged in
(``Authorization: Bearer …``, ``(b'authorization', b'Bearer …')``, ``'authorization': '…'``), a
``token=`` query value, a password in a database URL, and every configured secret verbatim
(the APIv3 key, the JWT secret). Customer data (phone numbers, addresses) is kept out of logs
by construction instead: nothing of ours logs it, and the database libraries' own DEBUG logs
(which show statements' parameters) are kept at WARNING.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
# Secrets shorter than this are not masked verbatim: they would mask ordinary words.
MIN_SECRET_LENGTH = 8

_DEVICE_TOKEN = r"obt_[A-Za-z0-9_\-]{6,}"  # noqa: S105 - a pattern, not a password
_JWT = r"eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"
_HEADER = (
    r"(?i:\b(?:proxy-)?(?:authori[sz]ation|authentication|cookie)\b)"
    # "name: value", "name=value", "'name': 'value'", "(b'name', b'value')"
    r"(?P<sep>['\"]?\s*[:=,]\s*b?['\"]?)"
    r"(?P<value>[^'\"\r\n]+)"
)
_QUERY_TOKEN = r"(?i:(?P<query>[?&;](?:access_)?token=))(?P<qvalue>[^&\s'\"#]+)"  # noqa: S105
_URL_PASSWORD = r"(?P<userinfo>://[^:/@\s'\"]+:)(?P<password>[^@/\s'\"]+)(?=@)"  # noqa: S105
_SHAPES = re.compile("|".join((_HEADER, _QUERY_TOKEN, _URL_PASSWORD, _DEVICE_TOKEN, _JWT)))
# Cheap first look: most records hold none of these and are left untouched.
_CLUES = re.compile(r"obt_|eyJ|(?i:uthori|uthenti|cookie|token=)|://[^/\s]*@")


def _masked(match: re.Match[str]) -> str:
    if match.group("value") is not None:
        return match.group(0)[: match.start("value") - match.start()] + MASK
    if match.group("qvalue") is not None:
        return match.group("query") + MASK
    if match.group("password") is not None:
        return match.group("userinfo") + MASK
    return MASK


class Redactor(logging.Filter):
    """Masks secrets in a record's message, arguments and traceback; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Mask these values verbatim from now on (short or empty ones are ignored)."""
        self._secrets.update(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        """``text`` with every secret in it masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        if _CLUES.search(text) is None:
            return text
        return _SHAPES.sub(_masked, text)

    def _holds_secret(self, text: str) -> bool:
        return _CLUES.search(text) is not None or any(s in text for s in self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        self._redact_message(record)
        if record.exc_info and not record.exc_text:
            # Formatted now, once, so that the traceback's text can be masked too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self._holds_secret(record.exc_text):
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info and self._holds_secret(record.stack_info):
            record.stack_info = self.redact(record.stack_info)
        return True

    def _redact_message(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad logging call must not raise where it is made
            # Arguments that do not fit the format: kept, as text, after it (masked like any).
            record.msg = self.redact(f"{record.msg!s} {record.args!r}")
            record.args = None
            return
        if not self._holds_secret(message):
            return
        redacted = self.redact(message)
        args = record.args
        if isinstance(args, tuple) and args and all(_plain(arg) for arg in args):
            # Argument by argument when that masks as much, so that formatters reading
            # ``record.args`` (uvicorn's access formatter) still find them.
            masked_args = tuple(self.redact(arg) if isinstance(arg, str) else arg for arg in args)
            try:
                same = str(record.msg) % masked_args == redacted
            except (TypeError, ValueError):
                same = False
            if same:
                record.args = masked_args
                return
        record.msg = redacted
        record.args = None


def _plain(arg: object) -> bool:
    return arg is None or isinstance(arg, str | int | float)


# Libraries that log what they send to the database at DEBUG: customers' phone numbers and
# addresses among the statements' parameters. Kept at WARNING whatever the server's log level.
DATABASE_LOGGERS = ("aiosqlite", "sqlalchemy")


def install_redaction(secrets: Iterable[str] = ()) -> Redactor:
    """Mask secrets in every log record this process makes from now on; returns the filter.

    Installing again adds ``secrets`` to the filter already installed. The database libraries'
    own logs are kept at WARNING.
    """
    for name in DATABASE_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    current = logging.getLogRecordFactory()
    redactor = getattr(current, "redactor", None)
    if isinstance(redactor, Redactor):
        redactor.add_secrets(secrets)
        return redactor
    redactor = Redactor()
    redactor.add_secrets(secrets)

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redactor.filter(record)
        return record

    make_record.redactor = redactor  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
    return redactor
