"""Payment callbacks signed and encrypted ahead of time, as raw HTTP requests ready to send."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from backend.devkit import load_kit, payment_callback
from benchmarks.seeding import PendingOrder

PATH = "/notify/paySuccess"


def sign_all(kit_dir: Path, orders: Sequence[PendingOrder], host: str, port: int) -> list[bytes]:
    """One request per order (RSA signing is the slow part: spread it over every core)."""
    workers = max(1, min(len(os.sched_getaffinity(0)), len(orders) // 200 or 1))
    chunks = [list(orders[index::workers]) for index in range(workers)]
    if workers == 1:
        signed = [_sign_chunk(kit_dir, chunks[0], host, port)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            signed = list(
                pool.map(
                    _sign_chunk, [kit_dir] * workers, chunks, [host] * workers, [port] * workers
                )
            )
    requests: list[bytes] = [b""] * len(orders)
    for index, chunk in enumerate(signed):
        requests[index::workers] = chunk
    return requests


def _sign_chunk(kit_dir: Path, orders: list[PendingOrder], host: str, port: int) -> list[bytes]:
    kit = load_kit(kit_dir)
    now = time.time()
    requests = []
    for order in orders:
        headers, body = payment_callback(
            kit,
            out_trade_no=order.number,
            total_fen=order.amount_fen,
            transaction_id="4200" + order.number[-24:].rjust(24, "0"),
            openid="oBENCH" + order.number[-22:].rjust(22, "0"),
            now=now,
        )
        requests.append(http_request(host, port, PATH, headers, body))
    return requests


def http_request(host: str, port: int, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """A complete HTTP/1.1 POST on a keep-alive connection."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
