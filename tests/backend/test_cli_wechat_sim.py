"""``orderbell-server wechat-sim`` (a real subprocess) and ``devkit --wechat-sim``."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from backend.cli import main
from backend.devkit import load_kit
from backend.wechatpay import VerifierKeys, WeChatPayApi
from tests.backend.test_cli import REPO, STOP_TIMEOUT_S, cli_environment, command
from tests.conftest import TLS
from tests.pg import free_port

START_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def kit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kit written by ``devkit DIR --wechat-sim URL``."""
    directory = tmp_path_factory.mktemp("sim") / "kit"
    assert main(["devkit", str(directory), "--wechat-sim", "http://127.0.0.1:8091"]) == 0
    return directory


@pytest.fixture
def simulator(kit_dir: Path, tmp_path: Path) -> Iterator[str]:
    """``wechat-sim --kit DIR`` on a free port, until the test ends; yields its URL."""
    port = free_port()
    log = tmp_path / "sim.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command("wechat-sim", "--kit", str(kit_dir), "--port", str(port)),
            env=cli_environment(),
            cwd=REPO,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"wechat-sim exited with {process.returncode}:\n{log.read_text()}")
            try:
                httpx.get(url + "/sim/pay", timeout=1, verify=TLS)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"wechat-sim did not start:\n{log.read_text()}")
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(STOP_TIMEOUT_S)


def test_devkit_points_the_server_at_the_simulator(kit_dir: Path) -> None:
    """``devkit --wechat-sim URL`` writes the merchant key, its serial and the API URL."""
    values = dotenv_values(kit_dir / "orderbell.env")
    kit = load_kit(kit_dir)
    assert values["ORDERBELL_WECHATPAY_API_URL"] == "http://127.0.0.1:8091"
    assert values["ORDERBELL_WECHATPAY_MERCHANT_SERIAL"] == kit.merchant_serial
    assert values["ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE"] == str(kit_dir / "apiclient_key.pem")


async def test_simulator_process_answers_signed_queries(kit_dir: Path, simulator: str) -> None:
    """A payment made at the running simulator is found by a signed, verified query."""
    kit = load_kit(kit_dir)
    async with httpx.AsyncClient(base_url=simulator, verify=TLS) as http:
        paid = await http.post("/sim/pay", json={"outTradeNo": "20251126000001", "totalFen": 880})
        assert paid.json()["callback"].startswith("not sent")
        api = WeChatPayApi(
            http,
            kit.merchant_credentials(),
            VerifierKeys.load(kit.public_key_id, kit.public_key_pem),
            clock=time.time,
        )
        trade = await api.query("20251126000001")
    assert trade is not None
    assert trade.payment is not None
    assert (trade.trade_state, trade.payment.amount_total) == ("SUCCESS", 880)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lose-callbacks", "1.5"], "--lose-callbacks must be a fraction"),
        (["--lose-callbacks", "nan"], "--lose-callbacks must be a fraction"),
        (["--notify-url", "notify"], "--notify-url must be an http(s) URL"),
    ],
    ids=["over-one", "nan", "bad-notify-url"],
)
def test_bad_simulator_options_are_refused(
    kit_dir: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Impossible options stop wechat-sim with one clear line and exit 1."""
    assert main(["wechat-sim", "--kit", str(kit_dir), *args]) == 1
    assert message in capsys.readouterr().err


def test_devkit_refuses_a_simulator_address_that_is_no_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``devkit --wechat-sim`` with something other than an http(s) URL writes nothing."""
    assert main(["devkit", str(tmp_path / "kit"), "--wechat-sim", "localhost:8090"]) == 1
    assert "--wechat-sim must be an http(s) URL" in capsys.readouterr().err
    assert not (tmp_path / "kit").exists()
