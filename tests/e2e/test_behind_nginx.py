"""The README's nginx configuration, run by a real nginx in front of a live server."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.backend.test_cli import free_port
from tests.conftest import LiveServer
from tests.nginx import nginx_binary

README = Path(__file__).resolve().parents[2] / "README.md"
START_LIMIT_S = 10.0


def readme_nginx_blocks() -> dict[str, list[str]]:
    """The README's nginx snippets by where they go: ``# in http { }`` or ``# in server { }``."""
    blocks: dict[str, list[str]] = {"http": [], "server": []}
    for block in re.findall(r"```nginx\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        text = "\n".join(line.removeprefix("  ") for line in block.splitlines())
        placed = re.match(r"# in (http|server) \{ \}", text)
        assert placed, f"a README nginx snippet does not say where it goes:\n{text}"
        blocks[placed.group(1)].append(text)
    return blocks


@dataclass
class Nginx:
    port: int
    access_log: Path


def nginx_config(directory: Path, listen: int, backend: int) -> tuple[Path, Path]:
    """A whole nginx.conf around the README's snippets, proxying to ``backend``."""
    access_log = directory / "orderbell.access.log"
    blocks = readme_nginx_blocks()
    http = "\n".join(blocks["http"]).replace("/var/log/nginx/orderbell.access.log", str(access_log))
    server = "\n".join(blocks["server"]).replace("127.0.0.1:8080", f"127.0.0.1:{backend}")
    temp = "\n".join(
        f"{kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = directory / "nginx.conf"
    config.write_text(
        f"pid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{\n{temp}\n{http}\nserver {{\nlisten 127.0.0.1:{listen};\n{server}\n}}\n}}\n"
    )
    return config, access_log


def start_nginx(binary: str, directory: Path, config: Path) -> subprocess.Popen[bytes]:
    """``nginx -t`` on the configuration (it must pass), then nginx in the foreground."""
    checked = subprocess.run(
        [binary, "-t", "-p", str(directory), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    return subprocess.Popen(
        [binary, "-p", str(directory), "-c", str(config), "-g", "daemon off; master_process off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
async def nginx(live: LiveServer, tmp_path: Path) -> AsyncIterator[Nginx]:
    """nginx with the README's configuration in front of the live server."""
    binary = nginx_binary()
    backend = int(live.base_url.rsplit(":", 1)[1])
    port = free_port()
    config, access_log = nginx_config(tmp_path, port, backend)
    process = await asyncio.to_thread(start_nginx, binary, tmp_path, config)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_LIMIT_S
        while True:
            assert process.poll() is None, (tmp_path / "error.log").read_text()
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                assert loop.time() < deadline, "nginx did not start listening"
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break
        yield Nginx(port, access_log)
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            await asyncio.to_thread(process.wait, 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_a_query_token_is_masked_in_nginx_access_log(live: LiveServer, nginx: Nginx) -> None:
    """A counter authenticating with ?token= through nginx: its log line shows token=***."""
    token = await live.device_token()
    async with connect(f"ws://127.0.0.1:{nginx.port}/ws/page?token={token}&since=0"):
        pass
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"http://127.0.0.1:{nginx.port}/healthz")).status_code == 200
    logged = nginx.access_log.read_text()
    assert "/ws/page?token=***&since=0" in logged
    assert token not in logged
    assert "GET /healthz" in logged
