"""The ``orderbell`` command line: version, provisioning and the self-check, as real processes."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import LiveServer
from tests.sound import SoundCard


def command_env(home: Path) -> dict[str, str]:
    """A private home for config, state and logs, and an in-memory keyring (no OS keyring here)."""
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "PYTHON_KEYRING_BACKEND": "desktop.config.MemoryKeyring",
    }


async def orderbell(home: Path, *args: str) -> tuple[int, str]:
    """Run ``orderbell ARGS`` without blocking the event loop the live server runs on."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "desktop",
        *args,
        env=command_env(home),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_version_prints_the_version(tmp_path: Path) -> None:
    """``orderbell --version`` prints the product name and version and exits 0."""
    code, out = await orderbell(tmp_path, "--version")
    assert code == 0
    assert out.startswith("OrderBell ")


async def test_provisioned_pc_passes_the_self_check(
    live: LiveServer, tmp_path: Path, sound_card: SoundCard
) -> None:
    """--server and --token are saved, and the self-check then finds speech heard in both
    languages (the phrases arrive at the sound card), the server and the token."""
    token = await live.device_token()
    code, out = await orderbell(
        tmp_path, "--server", live.base_url, "--token", token, "--self-check"
    )
    assert code == 0, out
    assert "OK   speech zh: voice sit/cmn-latn-pinyin, its phonemes hold no language" in out
    assert "OK   speech en: voice gmw/en-us, its phonemes hold no language" in out
    assert out.count("played through aplay") == 2
    assert sound_card.peak() > 3000
    assert "OK   server:" in out
    assert "OK   token: accepted" in out
    saved = (tmp_path / "config" / "OrderBell" / "settings.json").read_text()
    assert live.base_url in saved
    assert token not in saved


async def test_self_check_fails_on_a_refused_token(live: LiveServer, tmp_path: Path) -> None:
    """A token the server refuses makes the self-check fail (exit 1) and say which check."""
    code, out = await orderbell(
        tmp_path, "--server", live.base_url, "--token", "obt_wrong", "--self-check"
    )
    assert code == 1
    assert "FAIL token:" in out


async def test_bad_server_address_is_refused(tmp_path: Path) -> None:
    """--server with something that is not an address exits 2 with a message, saving nothing."""
    code, out = await orderbell(tmp_path, "--server", "ftp://example", "--self-check")
    assert code == 2
    assert "error:" in out
    assert not (tmp_path / "config" / "OrderBell" / "settings.json").exists()


async def test_self_check_fails_when_the_sound_cannot_be_played(
    live: LiveServer, tmp_path: Path, no_sound_card: Path
) -> None:
    """No sound card: the speech lines FAIL saying it was not heard, and the exit is 1."""
    token = await live.device_token()
    code, out = await orderbell(
        tmp_path, "--server", live.base_url, "--token", token, "--self-check"
    )
    assert code == 1, out
    assert "FAIL speech en: voice gmw/en-us" in out
    assert "but it was not heard: aplay failed:" in out
    assert "OK   token: accepted" in out


async def test_no_display_gives_one_line_and_exit_code_2(tmp_path: Path) -> None:
    """Started where there is no display, the app says so in one line instead of aborting."""
    environ = command_env(tmp_path)
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        environ.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "desktop",
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 2
    assert out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("orderbell: no display")
