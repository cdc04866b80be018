"""Secrets are masked in every log record, whatever logger makes it and whatever form it takes."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from backend.logredact import Redactor, install_redaction

TOKEN = "obt_IVMqNy07Qhm69PrG8sHe-FAev7cgJx3LQ6uUbOvRJb4"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOjF9.c2lnbmF0dXJl"
APIV3_KEY = "SECRETapiv3KEYthatIS32charsLong!"


def record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    made = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, msg, args, None)
    if exc_info is not None:
        made.exc_info = exc_info  # type: ignore[assignment]
    return made


def redacted(msg: str, *args: object) -> str:
    item = record(msg, *args)
    Redactor().filter(item)
    return item.getMessage()


def test_a_query_token_is_masked_and_the_rest_of_the_line_kept() -> None:
    """uvicorn's line for a WebSocket path keeps everything but the token's value."""
    line = redacted('%s - "WebSocket %s"', "1.2.3.4", f"/ws/a?token={TOKEN}&since=5")
    assert line == '1.2.3.4 - "WebSocket /ws/a?token=***&since=5"'


def test_an_access_line_keeps_its_arguments_for_the_access_formatter() -> None:
    """uvicorn's access formatter reads ``record.args``: they stay, masked one by one."""
    item = record('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", f"/ws/a?token={TOKEN}", "1.1", 101)
    Redactor().filter(item)
    assert item.args == ("1.2.3.4", "GET", "/ws/a?token=***", "1.1", 101)


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("< %s: %s", ("Authorization", f"Bearer {TOKEN}")),
        ("< %s: %s", ("authentication", "opaque-session-value")),
        ("headers %r", ([(b"authorization", b"Bearer opaque-value")],)),
        ("headers %s", ({"Authorization": "Bearer opaque-value"},)),
    ],
    ids=["websockets-debug", "customer-header", "asgi-headers", "dict"],
)
def test_a_credential_header_is_masked_in_every_form(msg: str, args: tuple[object, ...]) -> None:
    """The value after an Authorization/Authentication header name never shows, whatever it is."""
    line = redacted(msg, *args)
    assert TOKEN not in line
    assert "opaque" not in line
    assert "***" in line


def test_tokens_and_jwts_are_masked_anywhere() -> None:
    """A device token or a JWT is masked even outside any header."""
    line = redacted("refused %s and %s", TOKEN, JWT)
    assert line == "refused *** and ***"


def test_a_configured_secret_is_masked_verbatim() -> None:
    """A secret the server was configured with (the APIv3 key) never shows."""
    redactor = Redactor()
    redactor.add_secrets([APIV3_KEY])
    item = record("key is %s", APIV3_KEY)
    redactor.filter(item)
    assert item.getMessage() == "key is ***"


def test_a_database_password_is_masked() -> None:
    """postgresql://user:password@host: the password is masked, the rest kept."""
    line = redacted("connecting to %s", "postgresql+asyncpg://orderbell:pa55word@db:5432/ob")
    assert line == "connecting to postgresql+asyncpg://orderbell:***@db:5432/ob"


def test_a_secret_in_a_traceback_is_masked() -> None:
    """An exception whose message holds a token is logged with the token masked."""
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        import sys

        item = record("failed", exc_info=sys.exc_info())
    Redactor().filter(item)
    assert item.exc_text is not None
    assert "bad token ***" in item.exc_text
    assert TOKEN not in logging.Formatter().format(item)


def test_a_record_whose_arguments_do_not_fit_is_kept_masked() -> None:
    """A logging call with the wrong arguments does not raise, and still shows no token."""
    item = record("refused %s for %d", TOKEN, "not a number")
    Redactor().filter(item)
    assert TOKEN not in item.getMessage()
    assert "not a number" in item.getMessage()


def test_an_ordinary_record_is_left_as_it_is() -> None:
    """A record with nothing secret keeps its message and arguments untouched."""
    item = record("shop %s: %s events", 3, "12")
    Redactor().filter(item)
    assert (item.msg, item.args) == ("shop %s: %s events", (3, "12"))


@pytest.fixture
def restored_factory() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


@pytest.mark.usefixtures("restored_factory")
def test_once_installed_every_logger_and_handler_sees_masked_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Installed in the record factory: a child logger's record reaches a later handler masked."""
    logging.setLogRecordFactory(logging.LogRecord)
    install_redaction([APIV3_KEY])
    install_redaction()  # again: still one filter, still masking the key
    caplog.set_level(logging.INFO, logger="some.library.deep.inside")
    logging.getLogger("some.library.deep.inside").info("sent %s with %s", TOKEN, APIV3_KEY)
    assert [r.getMessage() for r in caplog.records] == ["sent *** with ***"]
