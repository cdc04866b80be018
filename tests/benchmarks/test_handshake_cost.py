"""The work a warm handshake costs the server stays counted and bounded."""

from __future__ import annotations

import asyncio

import uvloop

from benchmarks.handshake_cost import Measured, measure, report

HANDSHAKES = 40


def on_uvloop(*, profile: bool) -> Measured:
    """Measure on the server's production event loop (asyncio's own adds a task per accept)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(measure(HANDSHAKES, profile=profile))


def test_a_warm_handshake_starts_no_task_and_reads_nothing() -> None:
    """40 handshakes with cached tokens: answered without the app's task, reading nothing."""
    measured = on_uvloop(profile=False)
    assert measured.counts.handshake_reads == 0
    assert measured.counts.tasks <= HANDSHAKES // 10


def test_the_report_names_each_layer_of_the_handshake() -> None:
    """The profiled pass finds the parse and the direct answer, each called per handshake."""
    measured = on_uvloop(profile=True)
    lines: list[str] = []
    report(measured, lines.append)
    for layer in ("websockets parses the request again", "answered without the app"):
        (line,) = [line for line in lines if layer in line]
        assert f" {HANDSHAKES} " in line
