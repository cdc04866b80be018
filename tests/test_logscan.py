"""The suite's log scan finds what a log must not hold, and only that."""

from __future__ import annotations

import logging

from tests.logscan import LogScan

TOKEN = "obt_IVMqNy07Qhm69PrG8sHe-FAev7cgJx3LQ6uUbOvRJb4"


def scanned(scan: LogScan, name: str, msg: str, *args: object) -> None:
    """Hand ``scan`` one record directly (a real logger would reach the session's scan too)."""
    scan.emit(logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None))


def test_a_device_token_in_a_server_record_is_a_leak() -> None:
    """A record that shows a device token is kept as a leak, naming its logger."""
    scan = LogScan()
    scanned(scan, "uvicorn.error", "< authorization: Bearer %s", TOKEN)
    assert {(leak.logger, leak.what) for leak in scan.leaks} >= {("uvicorn.error", "device token")}


def test_a_registered_value_is_a_leak() -> None:
    """A value registered for the scan (a kit's key) is found wherever it is in a record."""
    scan = LogScan()
    scan.register("the APIv3 key", "k" * 32)
    scanned(scan, "backend.app", "decrypting with %s", "k" * 32)
    assert [leak.what for leak in scan.leaks] == ["the APIv3 key"]


def test_a_phone_number_is_a_leak_and_a_long_id_is_not() -> None:
    """Eleven digits standing alone are a phone number; the same digits inside an id are not."""
    scan = LogScan()
    scanned(scan, "backend.app", "order 2026120313800138000 for %s", "13800138000")
    assert [leak.what for leak in scan.leaks] == ["phone number"]


def test_masked_records_and_client_loggers_are_not_leaks() -> None:
    """What the server masked passes; what a test's own client logs is not the server's."""
    scan = LogScan()
    scanned(scan, "uvicorn.error", "< authorization: ***")
    scanned(scan, "websockets.client", "> authorization: Bearer %s", TOKEN)
    assert scan.leaks == []
    assert scan.seen == 1
