"""Start at login on each platform: the entries it writes, and the switch on a real XDG folder."""

from __future__ import annotations

import configparser
import plistlib
import sys
from pathlib import Path

import pytest

from desktop import autostart
from desktop.autostart import (
    LaunchAgent,
    WindowsRunKey,
    XdgAutostart,
    desktop_entry,
    desktop_exec,
    for_platform,
    launch_agent,
    launch_agent_path,
    launch_command,
    run_key_value,
    xdg_autostart_path,
)


class FakeRunRegistry:
    """The Run key as a dict."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def read(self, name: str) -> str | None:
        return self.values.get(name)

    def write(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@pytest.fixture
def xdg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    return tmp_path


def test_launch_command_from_source_runs_the_package() -> None:
    """From source the app starts as ``python -m desktop``."""
    assert launch_command() == [sys.executable, "-m", "desktop"]


def test_launch_command_when_frozen_is_the_executable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A frozen build starts its own executable with no arguments."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command() == [sys.executable]


def test_xdg_path_respects_xdg_config_home(tmp_path: Path) -> None:
    """$XDG_CONFIG_HOME/autostart/orderbell.desktop when the variable is set."""
    path = xdg_autostart_path({"XDG_CONFIG_HOME": str(tmp_path)})
    assert path == tmp_path / "autostart" / "orderbell.desktop"


def test_xdg_path_defaults_to_dot_config(tmp_path: Path) -> None:
    """~/.config/autostart when XDG_CONFIG_HOME is unset or relative."""
    expected = tmp_path / ".config" / "autostart" / "orderbell.desktop"
    assert xdg_autostart_path({}, home=tmp_path) == expected
    assert xdg_autostart_path({"XDG_CONFIG_HOME": "relative"}, home=tmp_path) == expected


def test_desktop_entry_is_a_valid_autostart_file() -> None:
    """The entry parses as a Desktop Entry of type Application that runs the command."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(desktop_entry(["/opt/OrderBell/OrderBell"]))
    entry = parser["Desktop Entry"]
    assert (entry["Type"], entry["Name"], entry["Exec"]) == (
        "Application",
        "OrderBell",
        "/opt/OrderBell/OrderBell",
    )


def test_desktop_exec_quotes_arguments_with_spaces() -> None:
    """An argument with a space is double-quoted; plain ones are left alone."""
    assert desktop_exec(["/home/li/My Apps/python", "-m", "desktop"]) == (
        '"/home/li/My Apps/python" -m desktop'
    )


def test_desktop_exec_escapes_reserved_characters() -> None:
    """$, quotes and backslashes are escaped twice (Exec quoting, then string escaping)."""
    assert desktop_exec(['a"b$c\\d']) == '"a\\\\"b\\\\$c\\\\\\\\d"'


def test_desktop_exec_doubles_percent_signs() -> None:
    """A literal % is written as %% so it is not taken for a field code."""
    assert desktop_exec(["/opt/100%/ob"]) == "/opt/100%%/ob"


def test_xdg_enable_writes_the_entry(xdg_home: Path) -> None:
    """enable() writes the .desktop file under XDG_CONFIG_HOME/autostart."""
    autostart.enable(["/opt/OrderBell/OrderBell"])
    path = xdg_home / "autostart" / "orderbell.desktop"
    assert path.read_text(encoding="utf-8") == desktop_entry(["/opt/OrderBell/OrderBell"])


def test_xdg_is_enabled_after_enable(xdg_home: Path) -> None:
    """is_enabled() is False before and True after enable()."""
    assert not autostart.is_enabled()
    autostart.enable(["/opt/OrderBell/OrderBell"])
    assert autostart.is_enabled()


def test_xdg_disable_removes_the_entry(xdg_home: Path) -> None:
    """disable() removes the file; is_enabled() is then False."""
    autostart.enable(["/opt/OrderBell/OrderBell"])
    autostart.disable()
    assert not (xdg_home / "autostart" / "orderbell.desktop").exists()
    assert not autostart.is_enabled()


def test_xdg_disable_when_not_enabled_is_harmless(xdg_home: Path) -> None:
    """disable() without an entry does nothing."""
    autostart.disable()
    assert not autostart.is_enabled()


def test_launch_agent_runs_the_command_at_load() -> None:
    """The plist runs the command at login under the cn.orderbell.desktop label."""
    agent = launch_agent(["/Applications/OrderBell.app/Contents/MacOS/OrderBell"])
    assert agent["Label"] == "cn.orderbell.desktop"
    assert agent["ProgramArguments"] == ["/Applications/OrderBell.app/Contents/MacOS/OrderBell"]
    assert agent["RunAtLoad"] is True


def test_launch_agent_path_is_in_the_user_library(tmp_path: Path) -> None:
    """~/Library/LaunchAgents/cn.orderbell.desktop.plist."""
    assert launch_agent_path(tmp_path) == (
        tmp_path / "Library" / "LaunchAgents" / "cn.orderbell.desktop.plist"
    )


def test_launch_agent_file_round_trips(tmp_path: Path) -> None:
    """enable() writes a plist that plistlib reads back; disable() removes it."""
    agent = LaunchAgent(launch_agent_path(tmp_path))
    agent.enable(["/usr/local/bin/orderbell"])
    assert plistlib.loads(agent.path.read_bytes()) == launch_agent(["/usr/local/bin/orderbell"])
    agent.disable()
    assert not agent.is_enabled()


def test_run_key_value_quotes_paths_with_spaces() -> None:
    """The Run value is one command line, the program path quoted."""
    assert run_key_value([r"C:\Program Files\OrderBell\OrderBell.exe"]) == (
        r'"C:\Program Files\OrderBell\OrderBell.exe"'
    )


def test_windows_enable_writes_the_run_value() -> None:
    """enable() sets the "OrderBell" value of the Run key."""
    registry = FakeRunRegistry()
    WindowsRunKey(registry).enable([r"C:\OrderBell\OrderBell.exe"])
    assert registry.values == {"OrderBell": r"C:\OrderBell\OrderBell.exe"}


def test_windows_disable_deletes_the_run_value() -> None:
    """disable() deletes the value; is_enabled() follows."""
    registry = FakeRunRegistry()
    run_key = WindowsRunKey(registry)
    run_key.enable([r"C:\OrderBell\OrderBell.exe"])
    run_key.disable()
    assert (registry.values, run_key.is_enabled()) == ({}, False)


@pytest.mark.parametrize(
    ("platform", "kind"),
    [("win32", WindowsRunKey), ("darwin", LaunchAgent), ("linux", XdgAutostart)],
)
def test_each_platform_gets_its_mechanism(platform: str, kind: type, tmp_path: Path) -> None:
    """win32 uses the Run key, darwin a LaunchAgent, anything else XDG autostart."""
    chosen = for_platform(platform, environ={}, home=tmp_path, registry=FakeRunRegistry())
    assert isinstance(chosen, kind)
