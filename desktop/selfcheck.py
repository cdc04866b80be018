"""Running the self-checks (speech, server, token, tray) and reporting one line per check."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

CHECK_TIMEOUT_S = 15.0

Check = tuple[str, bool, Callable[[], Awaitable[str]]]
"""``(name, vital, run)``: ``run`` returns what it found, or raises saying what is wrong."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check; ``detail`` is what it found or what went wrong."""

    name: str
    ok: bool
    vital: bool
    detail: str


async def run_checks(
    checks: Sequence[Check], *, timeout_s: float = CHECK_TIMEOUT_S
) -> list[CheckResult]:
    """Run every check at once, each within ``timeout_s``; results come in the checks' order.

    A check that raises or times out fails; it never stops the others.
    """
    return list(
        await asyncio.gather(
            *(_run_one(name, vital, run, timeout_s) for name, vital, run in checks)
        )
    )


async def _run_one(
    name: str, vital: bool, run: Callable[[], Awaitable[str]], timeout_s: float
) -> CheckResult:
    try:
        async with asyncio.timeout(timeout_s):
            detail = await run()
    except TimeoutError:
        return CheckResult(name, False, vital, f"no result within {timeout_s:g} s")
    except Exception as exc:
        return CheckResult(name, False, vital, _one_line(str(exc)) or type(exc).__name__)
    return CheckResult(name, True, vital, _one_line(detail))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def format_results(results: Sequence[CheckResult]) -> str:
    """One line per check: ``OK``, ``FAIL`` (a vital check failed) or ``WARN`` (a non-vital one)."""
    lines = []
    for result in results:
        status = "OK" if result.ok else ("FAIL" if result.vital else "WARN")
        lines.append(f"{status:<5}{result.name}: {result.detail}")
    return "\n".join(lines)


def exit_code(results: Sequence[CheckResult]) -> int:
    """1 if a vital check failed, else 0."""
    return int(any(result.vital and not result.ok for result in results))
