"""Fan-out runs shared by B3 and B4: the three servers, their subscribers, one open-loop step."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import procfs
from benchmarks.clients import ClientPool
from benchmarks.context import Context
from benchmarks.httpload import OpenLoopSender
from benchmarks.marker import fanout_frame
from benchmarks.peers import node
from benchmarks.quiet import frozen_heap
from benchmarks.seeding import add_tokens, prepare
from benchmarks.servers import (
    HOST,
    Server,
    fanout_command,
    free_port,
    launch,
    naive_command,
    node_command,
    raw_command,
)
from benchmarks.stats import Latency, summarize_ns

ORDERBELL = "OrderBell"
NODE = "Node ws"
NAIVE = "naive Starlette"
RAW = "raw uvloop"
SERVERS = (ORDERBELL, NODE, NAIVE, RAW)
TIMED_EVERY = 10  # one subscriber in ten records every latency; all record the last arrival
DRAIN_S = 5.0
CLIENT_PROCESSES = 2


@dataclass
class Step:
    """One fixed window of open-loop events at one rate, and what the subscribers saw."""

    rate: int
    events: int
    expected: int
    delivered: int
    elapsed_s: float
    server_cpu_s: float
    load_cpu_s: float  # the load clients and the harness, which share the load cores
    publish_errors: int
    last: Latency
    each: Latency
    per_subscriber_min: int
    per_subscriber_max: int
    last_by_seq: dict[int, float] = field(default_factory=dict, repr=False)
    first_seq: int = 0
    each_ns: list[int] = field(default_factory=list, repr=False)

    @property
    def complete(self) -> bool:
        """Every subscriber got every event."""
        return self.delivered == self.expected and self.publish_errors == 0

    @property
    def throughput(self) -> float:
        """Delivered messages per second of wall time."""
        return self.delivered / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def per_core(self) -> float:
        """Delivered messages per second of server CPU (one core fully busy = this rate)."""
        return self.delivered / self.server_cpu_s if self.server_cpu_s else float("nan")


@dataclass
class Fleet:
    """A server under test with its subscribers connected."""

    name: str
    server: Server
    pool: ClientPool
    sender: OpenLoopSender
    subscribers: int
    seq: int = 0
    step_id: int = 0

    async def close(self) -> None:
        """Disconnect everyone and stop the server."""
        await self.pool.close()
        await self.sender.close()
        await self.server.stop()


def available(name: str) -> str | None:
    """Why a server cannot run here, or None."""
    if name == NODE:
        return node.ensure_installed()
    return None


async def start_fleet(
    ctx: Context,
    name: str,
    subscribers: int,
    log_dir: Path,
    *,
    mss: int | None = None,
    orderbell_prefix: Sequence[str] = (),
) -> Fleet:
    """Start ``name`` on the server core and connect ``subscribers`` to it.

    ``orderbell_prefix`` goes before OrderBell's command (the smoke's deliberately slowed
    server, :mod:`benchmarks.handicap`)."""
    port = free_port()
    tokens: list[str | None] = [None] * subscribers
    if name == ORDERBELL:
        deployment = await prepare(ctx.scratch("fanout"))
        tokens = list(await add_tokens(deployment, [1] * subscribers))
        server = await launch(
            name,
            [*orderbell_prefix, *fanout_command(deployment.env_file, port)],
            port=port,
            cores=ctx.cores,
            log_path=log_dir / "orderbell-fanout.log",
            env=deployment.env(),
        )
    elif name == NODE:
        server = await launch(
            name, node_command(port), port=port, cores=ctx.cores, log_path=log_dir / "node-ws.log"
        )
    elif name == RAW:
        server = await launch(
            name, raw_command(port), port=port, cores=ctx.cores, log_path=log_dir / "raw.log"
        )
    else:
        server = await launch(
            name, naive_command(port), port=port, cores=ctx.cores, log_path=log_dir / "naive.log"
        )
    pool = await ClientPool.start(HOST, port, CLIENT_PROCESSES, ctx.cores)
    conns = [
        {"path": f"/ws/c{index}", "token": token, "timed": index % TIMED_EVERY == 0}
        for index, token in enumerate(tokens)
    ]
    answers = await pool.open(conns, concurrency=100, mode="marker", mss=mss)
    failed = sum(answer["failed"] for answer in answers)
    if failed:
        await pool.close()
        await server.stop()
        raise RuntimeError(
            f"{name}: {failed} subscribers could not connect: {answers[0]['failures']}"
        )
    return Fleet(name, server, pool, OpenLoopSender(port, max_connections=64), subscribers)


async def run_step(
    fleet: Fleet, rate: int, duration_s: float, *, exclude: frozenset[int] = frozenset()
) -> Step:
    """Publish ``rate`` events/s for ``duration_s`` open loop; wait for delivery; summarize."""
    fleet.step_id += 1
    step = fleet.step_id
    count = max(1, int(rate * duration_s))
    offsets = [int(index * 1e9 / rate) for index in range(count)]
    requests = []
    for offset in offsets:
        fleet.seq += 1
        body = fanout_frame(fleet.seq, step, offset // 1000).encode()
        head = f"POST /publish HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(body)}\r\n\r\n"
        requests.append(head.encode() + body)
    expected = count * (fleet.subscribers - len(exclude))
    base = time.monotonic_ns() + 300_000_000
    await fleet.pool.broadcast({"cmd": "base", "step": step, "base_ns": base})
    await fleet.pool.broadcast({"cmd": "snapshot"})
    server_before = fleet.server.usage().cpu_s
    load_before = _load_cpu_seconds(fleet)
    with frozen_heap():
        replies = await fleet.sender.run(requests, base, offsets, patience_s=DRAIN_S)
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline:
            counts = await fleet.pool.broadcast({"cmd": "count"})
            if sum(answer["frames"] for answer in counts) >= expected:
                break
            await asyncio.sleep(0.05)
    finished = time.monotonic_ns()
    server_cpu = fleet.server.usage().cpu_s - server_before
    load_cpu = _load_cpu_seconds(fleet) - load_before
    snapshots = await fleet.pool.broadcast({"cmd": "snapshot"})
    last: dict[str, list[int]] = {}
    each: list[int] = []
    for snap in snapshots:
        each.extend(snap["latency_ns"])
        for seq, (received, latest) in snap["last"].items():
            entry = last.setdefault(seq, [0, 0])
            entry[0] += received
            entry[1] = max(entry[1], latest)
    delivered = sum(entry[0] for entry in last.values())
    # An event some healthy subscriber never got has no last arrival: its latency is infinite.
    receivers = fleet.subscribers - len(exclude)
    first = fleet.seq - count + 1
    last_by_seq: dict[int, float] = {}
    for seq in range(first, fleet.seq + 1):
        got = last.get(str(seq))
        last_by_seq[seq] = got[1] if got is not None and got[0] >= receivers else math.inf
    processes = len(snapshots)
    counted = [
        snapshots[index % processes]["per_conn"][index // processes]
        for index in range(fleet.subscribers)
        if index not in exclude
    ] or [0]
    return Step(
        rate=rate,
        events=count,
        expected=expected,
        delivered=delivered,
        elapsed_s=(finished - base) / 1e9,
        server_cpu_s=server_cpu,
        load_cpu_s=load_cpu,
        publish_errors=sum(1 for reply in replies if reply.status != 204),
        last=summarize_ns(list(last_by_seq.values())),
        each=summarize_ns(each),
        per_subscriber_min=min(counted),
        per_subscriber_max=max(counted),
        last_by_seq=last_by_seq,
        first_seq=first,
        each_ns=each,
    )


def _load_cpu_seconds(fleet: Fleet) -> float:
    """CPU used so far on the load side: the client processes and this harness (the sender)."""
    clients = sum(procfs.cpu_seconds(client.pid) for client in fleet.pool.clients)
    return clients + procfs.cpu_seconds(os.getpid())


def pooled(steps: Sequence[Step]) -> Step:
    """Several windows at one rate as one: their events and latencies together.

    Windows of separate servers number their events from 1 each: a window whose numbers
    overlap those before it is numbered on from them, so no event is lost in the pool.
    """
    if not steps:
        raise ValueError("nothing to pool")
    last_by_seq: dict[int, float] = {}
    for step in steps:
        shift = 0
        if last_by_seq and step.last_by_seq:
            highest = max(last_by_seq)
            if min(step.last_by_seq) <= highest:
                shift = highest + 1 - min(step.last_by_seq)
        last_by_seq.update((seq + shift, value) for seq, value in step.last_by_seq.items())
    each = [value for step in steps for value in step.each_ns]
    return Step(
        rate=steps[0].rate,
        events=sum(step.events for step in steps),
        expected=sum(step.expected for step in steps),
        delivered=sum(step.delivered for step in steps),
        elapsed_s=sum(step.elapsed_s for step in steps),
        server_cpu_s=sum(step.server_cpu_s for step in steps),
        load_cpu_s=sum(step.load_cpu_s for step in steps),
        publish_errors=sum(step.publish_errors for step in steps),
        last=summarize_ns(list(last_by_seq.values())),
        each=summarize_ns(each),
        per_subscriber_min=min(step.per_subscriber_min for step in steps),
        per_subscriber_max=max(step.per_subscriber_max for step in steps),
        last_by_seq=last_by_seq,
        first_seq=min(step.first_seq for step in steps),
        each_ns=each,
    )
