"""Starting OrderBell at login: Windows Run key, XDG autostart entry or macOS LaunchAgent."""

from __future__ import annotations

import logging
import os
import plistlib
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

APP_NAME = "OrderBell"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
LAUNCH_AGENT_LABEL = "cn.orderbell.desktop"
XDG_FILE_NAME = "orderbell.desktop"


def is_installed() -> bool:
    """True in the installed (frozen) app, False when running from a source checkout."""
    return bool(getattr(sys, "frozen", False))


def launch_command() -> list[str]:
    """The command that starts this program: the executable itself when frozen."""
    if is_installed():
        return [sys.executable]
    return [sys.executable, "-m", "desktop"]


class Autostart(Protocol):
    """One platform's way to start a program at login."""

    def enable(self, command: list[str]) -> None: ...
    def disable(self) -> None: ...
    def is_enabled(self) -> bool: ...


# -- Linux and other XDG desktops ------------------------------------------------------------


def xdg_autostart_path(environ: Mapping[str, str] = os.environ, home: Path | None = None) -> Path:
    """``$XDG_CONFIG_HOME/autostart/orderbell.desktop`` (``~/.config`` when it is unset)."""
    config_home = environ.get("XDG_CONFIG_HOME", "")
    # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    if not config_home or not os.path.isabs(config_home):
        config_home = str((home or Path.home()) / ".config")
    return Path(config_home) / "autostart" / XDG_FILE_NAME


def desktop_entry(command: list[str]) -> str:
    """The text of an XDG autostart ``.desktop`` file that runs ``command``."""
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            f"Name={APP_NAME}",
            "Comment=Announces paid orders and customer reminders",
            f"Exec={desktop_exec(command)}",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
    )


def desktop_exec(command: list[str]) -> str:
    """``command`` as an Exec value, quoted and escaped as the Desktop Entry spec requires."""
    return " ".join(_exec_argument(argument) for argument in command)


_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _exec_argument(argument: str) -> str:
    argument = argument.replace("%", "%%")  # a lone % would be a field code
    if argument and not _EXEC_RESERVED.intersection(argument):
        return argument
    quoted = "".join("\\" + char if char in '"`$\\' else char for char in argument)
    # The .desktop string type escapes backslashes once more on top of the Exec quoting.
    return '"' + quoted.replace("\\", "\\\\") + '"'


class XdgAutostart:
    """The autostart entry in ``~/.config/autostart`` (freedesktop.org desktops)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def enable(self, command: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(desktop_entry(command), encoding="utf-8")
        logger.info("start at login enabled: %s", self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)
        logger.info("start at login disabled: removed %s", self.path)

    def is_enabled(self) -> bool:
        return self.path.is_file()


# -- macOS ---------------------------------------------------------------------------------


def launch_agent_path(home: Path | None = None) -> Path:
    """``~/Library/LaunchAgents/cn.orderbell.desktop.plist``."""
    return (home or Path.home()) / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"


def launch_agent(command: list[str]) -> dict[str, Any]:
    """The LaunchAgent property list that runs ``command`` once at login."""
    return {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


class LaunchAgent:
    """A per-user LaunchAgent; launchd reads it at the next login."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def enable(self, command: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(plistlib.dumps(launch_agent(command)))
        logger.info("start at login enabled: %s", self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)
        logger.info("start at login disabled: removed %s", self.path)

    def is_enabled(self) -> bool:
        return self.path.is_file()


# -- Windows -------------------------------------------------------------------------------


class RunRegistry(Protocol):
    """String values of ``HKCU\\...\\CurrentVersion\\Run``; a seam so tests need no registry."""

    def read(self, name: str) -> str | None: ...
    def write(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class WinregRunRegistry:
    """The real Run key of the current user, through ``winreg`` (Windows only)."""

    def read(self, name: str) -> str | None:
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _ = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return value if isinstance(value, str) else None

    def write(self, name: str, value: str) -> None:
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


def run_key_value(command: list[str]) -> str:
    """``command`` as one Windows command line, each argument quoted as needed."""
    return subprocess.list2cmdline(command)


class WindowsRunKey:
    """The ``OrderBell`` value under the current user's Run key."""

    def __init__(self, registry: RunRegistry) -> None:
        self.registry = registry

    def enable(self, command: list[str]) -> None:
        self.registry.write(APP_NAME, run_key_value(command))
        logger.info("start at login enabled: HKCU\\%s\\%s", RUN_KEY, APP_NAME)

    def disable(self) -> None:
        self.registry.delete(APP_NAME)
        logger.info("start at login disabled: HKCU\\%s\\%s removed", RUN_KEY, APP_NAME)

    def is_enabled(self) -> bool:
        return self.registry.read(APP_NAME) is not None


# -- choosing one --------------------------------------------------------------------------


def for_platform(
    platform: str | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    home: Path | None = None,
    registry: RunRegistry | None = None,
) -> Autostart:
    """The start-at-login mechanism of ``platform`` (a ``sys.platform`` value; default this one)."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return WindowsRunKey(registry if registry is not None else WinregRunRegistry())
    if platform == "darwin":
        return LaunchAgent(launch_agent_path(home))
    return XdgAutostart(xdg_autostart_path(environ, home))


def enable(executable_command: list[str]) -> None:
    """Start ``executable_command`` (usually ``launch_command()``) when this user logs in."""
    for_platform().enable(executable_command)


def disable() -> None:
    """Stop starting OrderBell at login (nothing happens if it was not enabled)."""
    for_platform().disable()


def is_enabled() -> bool:
    """Whether OrderBell is set to start when this user logs in."""
    return for_platform().is_enabled()
