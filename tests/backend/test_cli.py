"""``orderbell-server``: test kit, device tokens, serve, simulate, shutdown (mostly as a real
subprocess; argument handling in this process)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend.cli import build_parser, main, serve_settings
from backend.devkit import load_kit
from backend.settings import ConfigError
from backend.simulator import Simulator
from backend.store import (
    Database,
    DeviceToken,
    authenticate_token,
    create_token,
    list_tokens,
    migrate_async,
)
from tests.conftest import SIMULATED_ADDRESS, registered
from tests.logscan import LogScan

REPO = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT_S = 60.0  # bounds, not expectations: a loaded CI machine starts Python slowly
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
RECEIVE_TIMEOUT_S = 5.0


def cli_environment(database_url: str | None = None, **settings: str) -> dict[str, str]:
    """This process's environment without ORDERBELL_* leaking in, plus the given settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ORDERBELL_")}
    environ["PYTHONUNBUFFERED"] = "1"
    if database_url is not None:
        environ["ORDERBELL_DATABASE_URL"] = database_url
    environ.update(settings)
    return environ


def command(*args: str) -> list[str]:
    """The argv running ``orderbell-server`` with ``args`` in this interpreter."""
    return [sys.executable, "-m", "backend.cli", *args]


def run_cli(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``orderbell-server`` to completion, bounded in time."""
    return subprocess.run(
        command(*args),
        env=environ,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


async def run_cli_async(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``run_cli`` without blocking the event loop, so a WebSocket client can listen meanwhile."""
    return await asyncio.to_thread(run_cli, *args, environ=environ)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@dataclass
class Served:
    """A running ``orderbell-server serve`` process and where it listens."""

    process: subprocess.Popen[bytes]
    url: str
    ws_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(
    kit_dir: Path,
    database_url: str,
    log: Path,
    scan: LogScan,
    *,
    open_files: int | None = None,
    **settings: str,
) -> Iterator[Served]:
    """Start ``serve`` on a free port, wait until /healthz answers 200, stop it afterwards.

    ``open_files`` runs it under that open-file limit (``ulimit -n``); ``settings`` are
    ORDERBELL_* variables to set. Its whole output goes through the suite's log ``scan``.
    """
    port = free_port()
    argv = command("serve", "--env-file", str(kit_dir / "orderbell.env"), "--port", str(port))
    if open_files is not None:
        argv = ["sh", "-c", f'ulimit -n {open_files} && exec "$@"', "serve", *argv]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv,
            env=cli_environment(database_url, **settings),
            cwd=REPO,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws/counter", log)
    try:
        _wait_until_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
        scan.check("serve", served.output())


def _wait_until_healthy(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"serve exited with {served.process.returncode}:\n{served.output()}")
        try:
            if httpx.get(served.url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"serve did not answer /healthz within {START_TIMEOUT_S} s:\n{served.output()}")


async def database_with_token(directory: Path) -> tuple[str, str]:
    """A migrated SQLite database in ``directory`` holding a shop-1 device token: (URL, token)."""
    url = sqlite_url(directory / "orderbell.db")
    await migrate_async(url)
    db = Database(url)
    try:
        _, token = await create_token(db, shop_id=1, name="till", now=datetime.now(UTC))
    finally:
        await db.dispose()
    return url, token


# --- module fixtures: one kit, one database with a shop-3 token, one server ---------------------


@dataclass
class Devkit:
    directory: Path
    result: subprocess.CompletedProcess[str]


@dataclass
class CreatedToken:
    database_url: str
    result: subprocess.CompletedProcess[str]

    @property
    def token(self) -> str:
        return self.result.stdout.splitlines()[-1]


@pytest.fixture(scope="module")
def devkit(tmp_path_factory: pytest.TempPathFactory) -> Devkit:
    """``orderbell-server devkit DIR``, run once for the module."""
    directory = tmp_path_factory.mktemp("cli") / "kit"
    return Devkit(directory, run_cli("devkit", str(directory), environ=cli_environment()))


@pytest.fixture(scope="module")
def created_token(tmp_path_factory: pytest.TempPathFactory) -> CreatedToken:
    """``token create --shop 3 --name till`` on a fresh database, run once for the module."""
    url = sqlite_url(tmp_path_factory.mktemp("cli-db") / "orderbell.db")
    result = run_cli(
        "token", "create", "--shop", "3", "--name", "till", environ=cli_environment(url)
    )
    return CreatedToken(url, result)


@pytest.fixture(scope="module")
def server(
    devkit: Devkit,
    created_token: CreatedToken,
    tmp_path_factory: pytest.TempPathFactory,
    log_scan: LogScan,
) -> Iterator[Served]:
    """``serve --env-file KIT/orderbell.env`` on the database holding the shop-3 token."""
    assert devkit.result.returncode == 0, devkit.result.stderr
    assert created_token.result.returncode == 0, created_token.result.stderr
    registered(log_scan, load_kit(devkit.directory))
    log = tmp_path_factory.mktemp("cli-log") / "serve.log"
    with serving(devkit.directory, created_token.database_url, log, log_scan) as served:
        yield served


# --- devkit -----------------------------------------------------------------------------------


def test_devkit_writes_a_kit_serve_accepts(devkit: Devkit) -> None:
    """``devkit DIR`` exits 0 and writes the keys, the kit description and the env file."""
    assert devkit.result.returncode == 0, devkit.result.stderr
    names = {path.name for path in devkit.directory.iterdir()}
    assert names == {
        "wechatpay_private_key.pem",
        "wechatpay_public_key.pem",
        "apiclient_key.pem",
        "apiclient_cert.pem",
        "kit.json",
        "orderbell.env",
    }
    kit = load_kit(devkit.directory)
    assert kit.public_key_id.startswith("PUB_KEY_ID_")
    assert len(kit.apiv3_key) == 32
    env_text = (devkit.directory / "orderbell.env").read_text()
    assert f"ORDERBELL_WECHATPAY_PUBLIC_KEY_ID={kit.public_key_id}" in env_text


def test_devkit_says_it_is_for_testing_only(devkit: Devkit) -> None:
    """``devkit`` output warns that the kit is never to be used with real money."""
    out = devkit.result.stdout.lower()
    assert "test" in out
    assert "never" in out
    assert "real money" in out


def test_devkit_output_shows_no_secret(devkit: Devkit) -> None:
    """``devkit`` output holds neither the APIv3 key nor the JWT secret."""
    kit = load_kit(devkit.directory)
    shown = devkit.result.stdout + devkit.result.stderr
    assert kit.apiv3_key not in shown
    assert kit.jwt_secret not in shown


# --- device tokens ----------------------------------------------------------------------------


async def test_token_create_prints_the_token_last(created_token: CreatedToken) -> None:
    """``token create --shop 3 --name till`` prints a working shop-3 token as its last line."""
    assert created_token.result.returncode == 0, created_token.result.stderr
    assert created_token.token.startswith("obt_")
    db = Database(created_token.database_url)
    try:
        device = await authenticate_token(db, created_token.token, datetime.now(UTC))
    finally:
        await db.dispose()
    assert device is not None
    assert (device.shop_id, device.name) == (3, "till")


def test_token_list_shows_the_token(created_token: CreatedToken) -> None:
    """``token list`` shows the created token's shop, name and state, never the secret."""
    result = run_cli("token", "list", environ=cli_environment(created_token.database_url))
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert ["#1", "shop 3", "till", "active"] in [line[:4] for line in lines]
    assert created_token.token not in result.stdout


async def test_token_revoke_locks_the_token_out(tmp_path: Path) -> None:
    """``token revoke ID`` revokes the token: it is listed as revoked and no longer works."""
    url = sqlite_url(tmp_path / "orderbell.db")
    await migrate_async(url)
    db = Database(url)
    try:
        record, token = await create_token(db, shop_id=1, name="lost", now=datetime.now(UTC))
        result = await run_cli_async(
            "token", "revoke", str(record.id), environ=cli_environment(url)
        )
        listed = await list_tokens(db)
        device = await authenticate_token(db, token, datetime.now(UTC))
    finally:
        await db.dispose()
    assert result.returncode == 0, result.stderr
    assert f"#{record.id} revoked" in result.stdout
    assert listed[0].revoked_at is not None
    assert device is None


def env_file_for(directory: Path, database_url: str) -> Path:
    """An env file pointing the commands at ``database_url`` (and nothing else)."""
    env_file = directory / "orderbell.env"
    env_file.write_text(f"ORDERBELL_DATABASE_URL={database_url}\n")
    return env_file


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``orderbell-server ARGS`` in this process (quicker than a subprocess for argument
    handling): exit code, stdout and stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def tokens_in(url: str) -> list[DeviceToken]:
    db = Database(url)
    try:
        return await list_tokens(db)
    finally:
        await db.dispose()


@pytest.fixture
def database_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A database URL and an env file naming it (the environment names none): (URL, file)."""
    monkeypatch.delenv("ORDERBELL_DATABASE_URL", raising=False)
    url = sqlite_url(tmp_path / "orderbell.db")
    return url, str(env_file_for(tmp_path, url))


def test_token_commands_take_the_env_file_after_the_subcommand(
    database_env: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``token create|list|revoke ... --env-file F`` (the README's form) act on F's database."""
    url, env_file = database_env
    code, _, err = run_main(
        capsys, "token", "create", "--shop", "2", "--name", "bar", "--env-file", env_file
    )
    assert code == 0, err
    code, out, err = run_main(capsys, "token", "list", "--env-file", env_file)
    assert code == 0, err
    assert out.split("\t")[:3] == ["#1", "shop 2", "bar"]
    code, _, err = run_main(capsys, "token", "revoke", "1", "--env-file", env_file)
    assert code == 0, err
    (token,) = asyncio.run(tokens_in(url))
    assert token.revoked_at is not None


def test_env_file_before_the_token_subcommand_still_works(
    database_env: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``token --env-file F create ...`` keeps working: the file given first is not forgotten."""
    url, env_file = database_env
    code, _, err = run_main(
        capsys, "token", "--env-file", env_file, "create", "--shop", "4", "--name", "till"
    )
    assert code == 0, err
    assert [token.shop_id for token in asyncio.run(tokens_in(url))] == [4]


def test_serve_takes_the_trusted_proxies_from_its_option(devkit: Devkit) -> None:
    """``serve --forwarded-allow-ips 10.0.0.5`` trusts that proxy, over the env file's value."""
    env_file = str(devkit.directory / "orderbell.env")
    args = build_parser().parse_args(
        ["serve", "--env-file", env_file, "--forwarded-allow-ips", "10.0.0.5, 10.1.0.0/16"]
    )
    assert serve_settings(args).forwarded_allow_ips == "10.0.0.5,10.1.0.0/16"


def test_serve_refuses_a_trusted_proxy_that_is_no_address(devkit: Devkit) -> None:
    """A proxy given by name (or mistyped) stops ``serve`` with the setting's name."""
    env_file = str(devkit.directory / "orderbell.env")
    args = build_parser().parse_args(
        ["serve", "--env-file", env_file, "--forwarded-allow-ips", "proxy.internal"]
    )
    with pytest.raises(ConfigError, match=r"ORDERBELL_FORWARDED_ALLOW_IPS.*proxy\.internal"):
        serve_settings(args)


def unreadable_env_file(tmp_path: Path, case: str) -> Path:
    """An env file that exists but cannot be read as settings."""
    if case == "not-utf8":
        path = tmp_path / "latin1.env"
        path.write_bytes("ORDERBELL_LOG_LEVEL=INFO # caf\u00e9\n".encode("latin-1"))
        return path
    # A regular file that no one can read, root included (chmod 000 does not stop root).
    proc_mem = Path("/proc/self/mem")
    if not proc_mem.is_file():
        pytest.skip("needs Linux's /proc")
    return proc_mem


@pytest.mark.parametrize("case", ["not-utf8", "unreadable"])
def test_an_unreadable_env_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    """An env file that cannot be read: one line naming the file, a non-zero exit."""
    env_file = unreadable_env_file(tmp_path, case)
    code, out, err = run_main(capsys, "migrate", "--env-file", str(env_file))
    assert code != 0
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert str(env_file) in lines[0]
    assert "cannot be read" in lines[0]


# --- serve and simulate -----------------------------------------------------------------------


def test_serve_answers_healthz(server: Served) -> None:
    """``serve --env-file KIT/orderbell.env`` migrates the database and reports it healthy."""
    answer = httpx.get(server.url + "/healthz", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["database"] == "ok"


async def test_simulate_pay_reaches_a_counter(
    server: Served, devkit: Devkit, created_token: CreatedToken
) -> None:
    """``simulate pay`` creates and pays an order; a connected shop-3 counter hears type 1."""
    environ = cli_environment()
    headers = {"Authorization": f"Bearer {created_token.token}"}
    async with connect(server.ws_url, additional_headers=headers) as ws:
        result = await run_cli_async(
            "simulate",
            "pay",
            "--kit",
            str(devkit.directory),
            "--url",
            server.url,
            "--shop",
            "3",
            environ=environ,
        )
        assert result.returncode == 0, result.stderr
        event = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))
    assert event["type"] == 1
    assert event["shopId"] == 3
    assert f"created order {event['orderNumber']} (id {event['orderId']}," in result.stdout
    assert f"paid order {event['orderNumber']}" in result.stdout


async def test_simulate_pay_of_an_existing_order_reads_its_amount(
    server: Served, devkit: Devkit, created_token: CreatedToken
) -> None:
    """``simulate pay --order-number N`` finds the order's total in the server's database."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        order = await Simulator(load_kit(devkit.directory), http).submit(shop_id=3, user_id=1)
    headers = {"Authorization": f"Bearer {created_token.token}"}
    async with connect(server.ws_url, additional_headers=headers) as ws:
        result = await run_cli_async(
            "simulate",
            "pay",
            "--kit",
            str(devkit.directory),
            "--url",
            server.url,
            "--order-number",
            order.number,
            environ=cli_environment(created_token.database_url),
        )
        assert result.returncode == 0, result.stderr
        event = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))
    assert (event["orderNumber"], event["amountFen"]) == (order.number, order.amount_fen)


async def test_simulate_pay_of_an_unknown_order_says_what_to_do(
    devkit: Devkit, tmp_path: Path
) -> None:
    """An order number the database does not know is a one-line error, not a traceback."""
    url = sqlite_url(tmp_path / "empty.db")
    await migrate_async(url)
    result = await run_cli_async(
        "simulate",
        "pay",
        "--kit",
        str(devkit.directory),
        "--url",
        "http://127.0.0.1:9",
        "--order-number",
        "20261126000000000001",
        environ=cli_environment(url),
    )
    assert result.returncode == 1
    assert "--amount-fen" in result.stderr
    assert "Traceback" not in result.stderr


async def test_token_create_for_shop_zero_is_refused_clearly(tmp_path: Path) -> None:
    """``token create --shop 0`` exits 1 with one line saying why."""
    url = sqlite_url(tmp_path / "orderbell.db")
    result = await run_cli_async(
        "token", "create", "--shop", "0", "--name", "x", environ=cli_environment(url)
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "error: a shop id is a positive number"
    assert "Traceback" not in result.stderr


async def test_simulate_remind_hurries_the_order(server: Served, devkit: Devkit) -> None:
    """``simulate remind --order-id ID`` sends the customer's reminder: reminderCount 1."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        simulator = Simulator(load_kit(devkit.directory), http)
        order = await simulator.pay(await simulator.submit(shop_id=1, user_id=1))
    assert order.id is not None
    result = await run_cli_async(
        "simulate",
        "remind",
        "--kit",
        str(devkit.directory),
        "--url",
        server.url,
        "--order-id",
        str(order.id),
        environ=cli_environment(),
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert (answer["orderId"], answer["reminderCount"]) == (order.id, 1)


async def test_sigterm_closes_counters_with_1001(
    devkit: Devkit, tmp_path: Path, log_scan: LogScan
) -> None:
    """SIGTERM stops ``serve``; a connected counter sees close code 1001 (going away)."""
    url, token = await database_with_token(tmp_path)
    with serving(devkit.directory, url, tmp_path / "serve.log", log_scan) as served:
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(served.ws_url, additional_headers=headers) as ws:
            served.process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), STOP_TIMEOUT_S)
        returncode = await asyncio.to_thread(served.process.wait, STOP_TIMEOUT_S)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001
    # uvicorn re-raises the captured SIGTERM once it has shut down gracefully.
    assert returncode in (0, -signal.SIGTERM), served.output()


async def test_serve_at_debug_logs_no_secret(
    devkit: Devkit, tmp_path: Path, log_scan: LogScan
) -> None:
    """``serve`` at ORDERBELL_LOG_LEVEL=DEBUG, with counters, a customer and WeChat Pay at
    work: its whole output holds no token, JWT, key, phone number or address."""
    url, token = await database_with_token(tmp_path)
    kit = load_kit(devkit.directory)
    log = tmp_path / "serve.log"
    with serving(devkit.directory, url, log, log_scan, ORDERBELL_LOG_LEVEL="DEBUG") as served:
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(served.ws_url, additional_headers=headers) as ws:
            async with httpx.AsyncClient(base_url=served.url, timeout=10) as http:
                simulator = Simulator(kit, http)
                await simulator.pay(await simulator.submit(shop_id=1, user_id=1))
            await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S)
        async with connect(f"{served.ws_url}?token={token}&since=0"):
            pass
    output = served.output()
    scan = LogScan()
    scan.register("the APIv3 key", kit.apiv3_key)
    scan.register("the customer JWT secret", kit.jwt_secret)
    scan.register("a customer's address", SIMULATED_ADDRESS)
    assert scan.check("serve", output) == []
    assert " DEBUG " in output  # it did log at DEBUG: the handshakes, masked
    assert "authorization: ***" in output.lower()


# --- invalid configuration --------------------------------------------------------------------


@dataclass
class Refusal:
    """How ``serve`` ended on a bad configuration."""

    returncode: int
    stdout: str
    stderr: str


BAD_CONFIGURATIONS: dict[str, tuple[str, str]] = {
    # case: (the variable, its bad value); the one-line message must name the variable
    "apiv3-key-31": ("ORDERBELL_WECHATPAY_APIV3_KEY", "SECRETapiv3KEYthatIS31charsLong"),
    "pem-unreadable": (
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE",
        "/nonexistent/orderbell/wechatpay_public_key.pem",
    ),
    "jwt-secret-missing": ("ORDERBELL_USER_JWT_SECRET", ""),
    "merchant-serial-not-hex": ("ORDERBELL_WECHATPAY_MERCHANT_SERIAL", "serial-of-the-cert"),
    # As large as the default total cap: counters would have no place at all.
    "http-reserve-not-below-the-cap": ("ORDERBELL_HTTP_RESERVED_CONNECTIONS", "10000"),
}


@pytest.fixture(scope="module")
def refusals(devkit: Devkit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Refusal]:
    """``serve`` started once per bad configuration, all at once to keep the module fast."""
    directory = tmp_path_factory.mktemp("cli-bad")
    env_file = str(devkit.directory / "orderbell.env")
    processes = {}
    for case, (variable, value) in BAD_CONFIGURATIONS.items():
        environ = cli_environment(sqlite_url(directory / f"{case}.db"), **{variable: value})
        processes[case] = subprocess.Popen(
            command("serve", "--env-file", env_file, "--port", str(free_port())),
            env=environ,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    try:
        for case, process in processes.items():
            stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_S)
            results[case] = Refusal(process.returncode, stdout, stderr)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
    return results


@pytest.mark.parametrize("case", BAD_CONFIGURATIONS)
def test_bad_configuration_stops_serve_with_one_line(
    refusals: dict[str, Refusal], case: str
) -> None:
    """Invalid configuration: ``serve`` exits non-zero with one line naming the variable."""
    refusal = refusals[case]
    assert refusal.returncode != 0
    assert refusal.stdout == ""
    lines = refusal.stderr.splitlines()
    assert len(lines) == 1, refusal.stderr
    assert BAD_CONFIGURATIONS[case][0] in lines[0]
    assert "Traceback" not in refusal.stderr


def test_refusals_never_print_a_secret(refusals: dict[str, Refusal], devkit: Devkit) -> None:
    """Neither the refused APIv3 key nor the kit's key and JWT secret appear in any output."""
    kit = load_kit(devkit.directory)
    refused_key = BAD_CONFIGURATIONS["apiv3-key-31"][1]
    for case, refusal in refusals.items():
        shown = refusal.stdout + refusal.stderr
        for secret in (refused_key, kit.apiv3_key, kit.jwt_secret):
            assert secret not in shown, case
