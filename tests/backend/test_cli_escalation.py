"""``orderbell-server escalation`` and ``presence``, run as the operator would, in-process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backend.cli import main
from tests.channel_receivers import DINGTALK_SECRET, WECOM_KEY, Receivers
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, wait_for_live_counters

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + WECOM_KEY


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
    monkeypatch.setenv("ORDERBELL_DATABASE_URL", url)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_set_prints_the_rule_without_its_key_or_secret(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The URL's key and the secret never appear in what set and list print."""
    code, out, _ = run(
        capsys,
        *("escalation", "set", "--shop", "1", "--channel", "dingtalk", "--url", WECOM),
        *("--secret", DINGTALK_SECRET, "--hours", "10:00-22:00", "--mention", "13800138000"),
    )
    assert code == 0
    assert "escalation rule #1 added for shop 1" in out
    assert "during 10:00-22:00" in out
    code, listed, _ = run(capsys, "escalation", "list")
    assert code == 0
    for text in (out, listed):
        assert WECOM_KEY not in text
        assert DINGTALK_SECRET not in text
        assert "13800138000" not in text
    assert "#1\tshop 1\tdingtalk" in listed


def test_setting_the_same_url_again_changes_the_rule(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second set with the same shop, channel and URL changes rule #1."""
    base = ("escalation", "set", "--shop", "1", "--channel", "wecom", "--url", WECOM)
    run(capsys, *base)
    code, out, _ = run(capsys, *base, "--after", "300")
    assert (code, "escalation rule #1 changed" in out) == (0, True)
    _, listed, _ = run(capsys, "escalation", "list")
    assert listed.count("\n") == 1
    assert "after 300 s unanswered" in listed


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--channel", "telegram", "unknown channel 'telegram'"),
        ("--url", "qyapi.weixin.qq.com/send", "must start with https://"),
        ("--hours", "25:00-26:00", "25:00 is not a time of day"),
        ("--after", "0", "--after takes whole seconds from 1 to 86400"),
        ("--no-counter-after", str(2**80), "--no-counter-after takes whole seconds"),
        ("--mention", "call-me", "not a mobile number"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_stored(
    database: str, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    """Each mistake gets one clear line and exit 1; the rule list stays empty."""
    argv = {"--shop": "1", "--channel": "wecom", "--url": WECOM, option: value}
    flat = [part for pair in argv.items() for part in pair]
    code, _, err = run(capsys, "escalation", "set", *flat)
    assert code == 1
    assert err.strip().startswith("error:")
    assert message in err
    assert err.count("\n") == 1
    assert run(capsys, "escalation", "list")[1].startswith("no escalation rules")


def test_remove_says_whether_there_was_such_a_rule(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Removing #1 works once; again it exits 1."""
    run(capsys, "escalation", "set", "--shop", "1", "--channel", "wecom", "--url", WECOM)
    assert run(capsys, "escalation", "remove", "1")[0] == 0
    code, _, err = run(capsys, "escalation", "remove", "1")
    assert (code, err.strip()) == (1, "no escalation rule #1")


def test_the_env_file_may_follow_the_sub_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``escalation list --env-file F`` reads the database from the file."""
    monkeypatch.delenv("ORDERBELL_DATABASE_URL", raising=False)
    env = tmp_path / "orderbell.env"
    env.write_text(f"ORDERBELL_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'f.db'}\n")
    code, out, _ = run(capsys, "escalation", "list", "--env-file", str(env))
    assert (code, out.strip()) == (0, "no escalation rules")
    assert (tmp_path / "f.db").exists()


async def test_test_sends_through_every_rule_and_prints_the_answers(
    database: str, capsys: pytest.CaptureFixture[str], receivers: Receivers
) -> None:
    """Both robots get the test message; the answers are printed; exit 0."""
    await asyncio.to_thread(
        main,
        ["escalation", "set", "--shop", "1", "--channel", "wecom", "--url", receivers.wecom_url],
    )
    await asyncio.to_thread(
        main,
        [
            *("escalation", "set", "--shop", "1", "--channel", "dingtalk"),
            *("--url", receivers.dingtalk_url, "--secret", DINGTALK_SECRET),
        ],
    )
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["escalation", "test", "--shop", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "rule #1 wecom" in out
    assert "delivered (HTTP 200 errcode 0: ok)" in out
    assert "rule #2 dingtalk" in out
    assert [item.channel for item in receivers.accepted] == ["wecom", "dingtalk"]
    assert all("测试消息" in text for text in receivers.texts())


async def test_test_says_when_a_robot_refuses(
    database: str, capsys: pytest.CaptureFixture[str], receivers: Receivers
) -> None:
    """A wrong DingTalk secret: NOT delivered with DingTalk's own reason, and exit 1."""
    await asyncio.to_thread(
        main,
        [
            *("escalation", "set", "--shop", "1", "--channel", "dingtalk"),
            *("--url", receivers.dingtalk_url, "--secret", "SECwrong"),
        ],
    )
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["escalation", "test", "--shop", "1"])
    assert code == 1
    assert "NOT delivered (HTTP 200 errcode 310000: sign not match)" in capsys.readouterr().out


def test_test_without_rules_says_how_to_add_one(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """No rule for the shop: exit 1 and the command to add one."""
    code, _, err = run(capsys, "escalation", "test", "--shop", "4")
    assert code == 1
    assert "orderbell-server escalation set --shop 4" in err


async def test_presence_lists_a_counter_connected_to_the_server(
    live: LiveServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command reads what the running server recorded: the PC's name and shop."""
    monkeypatch.setenv("ORDERBELL_DATABASE_URL", live.settings.database_url)
    async with counter(live.ws_url, await live.device_token(name="front counter")):
        await wait_for_live_counters(live.hub, 1)
        await live.app.state.services.presence.refresh()
        code = await asyncio.to_thread(main, ["presence", "--shop", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("shop 1\t#1 front counter\tconnected since ")


def test_presence_says_when_nobody_is_connected(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """No counter: one line that says so."""
    code, out, _ = run(capsys, "presence", "--shop", "2")
    assert (code, out.strip()) == (0, "no counter of shop 2 is connected")
