"""What an idle counter costs the server in memory: Python objects traced per connection."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from benchmarks.clients import ClientProcess
from tests.conftest import LiveServer
from tests.e2e.helpers import wait_for_live_counters
from tests.logscan import SERVER_LOGGERS

WARM = 20  # connected first, so caches and code paths warmed by the first counters don't count
COUNTERS = 300
# Measured 6,300-7,300 bytes per idle counter over several runs (dicts shared by all counters
# grow in steps, and a step inside the window counts whole); the bound is the worst seen plus
# a margin, so it catches a regression of a few hundred bytes per counter, not the noise.
BYTES_PER_COUNTER = 7_800


@pytest.fixture
def live_overrides() -> dict[str, str]:
    # All counters come from 127.0.0.1; a short interval, so pings and pongs happen meanwhile.
    return {"ORDERBELL_MAX_CONNECTIONS_PER_CLIENT": "1000", "ORDERBELL_WS_PING_INTERVAL_S": "0.5"}


@pytest.fixture
async def load_client(live: LiveServer) -> AsyncIterator[ClientProcess]:
    """Counters in a process of their own (answering pings), so only the server is traced."""
    port = live.base_url.rsplit(":", 1)[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.loadclient",
        "127.0.0.1",
        port,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        yield ClientProcess(process)
    finally:
        await asyncio.wait_for(ClientProcess(process).call({"cmd": "exit"}), 10)
        await process.wait()


async def open_counters(client: ClientProcess, tokens: list[str]) -> None:
    answer = await client.call(
        {
            "cmd": "open",
            "conns": [{"path": "/ws/counter", "token": token} for token in tokens],
            "concurrency": 32,
        }
    )
    assert answer.get("failed", 0) == 0, answer


async def test_an_idle_counter_costs_the_server_under_the_bound(
    live: LiveServer, load_client: ClientProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """300 idle authenticated counters, each its own token: the server's Python objects grow
    by at most BYTES_PER_COUNTER each (tracemalloc)."""
    # pytest keeps every record for its report (a frame's debug line, a connection's access
    # line): the server logs warnings only here, as its memory is what is measured.
    for name in SERVER_LOGGERS:
        caplog.set_level(logging.WARNING, logger=name)
    tokens = [await live.device_token(name=f"counter {n}") for n in range(WARM + COUNTERS)]
    await open_counters(load_client, tokens[:WARM])
    await wait_for_live_counters(live.hub, WARM)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        await open_counters(load_client, tokens[WARM:])
        await wait_for_live_counters(live.hub, WARM + COUNTERS)
        gc.collect()
        per_counter = (tracemalloc.get_traced_memory()[0] - before) / COUNTERS
    finally:
        tracemalloc.stop()
    assert per_counter <= BYTES_PER_COUNTER, f"{per_counter:.0f} bytes per idle counter"
