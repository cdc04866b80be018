"""The self-check runner: a line per check, a timeout each, non-zero exit on a vital failure."""

from __future__ import annotations

import asyncio

from desktop.selfcheck import CheckResult, exit_code, format_results, run_checks


async def speech_ok() -> str:
    return "espeak (sit/cmn) synthesised 2.7 s"


async def server_down() -> str:
    raise ConnectionRefusedError("cannot connect to http://127.0.0.1:9 (connection refused)")


async def never_answers() -> str:
    await asyncio.Event().wait()
    return "unreachable"


async def test_passing_check_keeps_its_detail() -> None:
    """A check that returns gives OK with what it reported."""
    (result,) = await run_checks([("speech", True, speech_ok)])
    assert result == CheckResult("speech", True, True, "espeak (sit/cmn) synthesised 2.7 s")


async def test_raising_check_fails_with_its_message() -> None:
    """A check that raises fails with the exception's message."""
    (result,) = await run_checks([("server", True, server_down)])
    assert (result.ok, result.detail) == (
        False,
        "cannot connect to http://127.0.0.1:9 (connection refused)",
    )


async def test_message_less_exception_names_its_type() -> None:
    """An exception without a message is reported by its type name."""

    async def broken() -> str:
        raise KeyError

    (result,) = await run_checks([("tray", False, broken)])
    assert result.detail == "KeyError"


async def test_hanging_check_times_out() -> None:
    """A check that never answers fails after the timeout, and the others still report."""
    results = await run_checks(
        [("token", True, never_answers), ("speech", True, speech_ok)], timeout_s=0.01
    )
    assert [(r.name, r.ok, r.detail) for r in results] == [
        ("token", False, "no result within 0.01 s"),
        ("speech", True, "espeak (sit/cmn) synthesised 2.7 s"),
    ]


async def test_multi_line_detail_becomes_one_line() -> None:
    """Line breaks in a detail are folded so each check stays on one line."""

    async def chatty() -> str:
        return "first line\n  second line"

    (result,) = await run_checks([("speech", True, chatty)])
    assert result.detail == "first line second line"


def test_format_results_one_line_each() -> None:
    """OK, FAIL (vital) and WARN (non-vital) lines, names aligned after the status."""
    results = [
        CheckResult("speech", True, True, "espeak (sit/cmn) synthesised 2.7 s"),
        CheckResult("server", False, True, "connection refused"),
        CheckResult("tray", False, False, "no system tray"),
    ]
    assert format_results(results).splitlines() == [
        "OK   speech: espeak (sit/cmn) synthesised 2.7 s",
        "FAIL server: connection refused",
        "WARN tray: no system tray",
    ]


def test_exit_code_is_one_when_a_vital_check_fails() -> None:
    """A failed vital check makes the exit code 1."""
    assert exit_code([CheckResult("server", False, True, "down")]) == 1


def test_exit_code_is_zero_when_only_optional_checks_fail() -> None:
    """Failed non-vital checks alone leave the exit code 0."""
    results = [CheckResult("speech", True, True, "ok"), CheckResult("tray", False, False, "none")]
    assert exit_code(results) == 0
