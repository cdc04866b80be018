"""The display check before Qt starts: one clear line instead of an abort."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.screen_check import display_problem


def nothing_exists(path: Path) -> bool:
    return False


def only(*paths: str) -> object:
    return lambda path: str(path) in paths


def test_no_display_at_all_is_a_problem() -> None:
    """Neither X11 nor Wayland: the line names both variables."""
    problem = display_problem({}, "linux", nothing_exists)
    assert problem is not None
    assert "DISPLAY and WAYLAND_DISPLAY are not set" in problem
    assert "\n" not in problem


def test_a_local_x_display_with_its_socket_is_fine() -> None:
    """DISPLAY=:0 with /tmp/.X11-unix/X0 present."""
    x_socket = "/tmp/.X11-unix/X0"  # noqa: S108 - where X servers put their socket
    assert display_problem({"DISPLAY": ":0"}, "linux", only(x_socket)) is None


def test_a_local_x_display_without_its_server_is_a_problem() -> None:
    """DISPLAY=:5 but no X server listening there."""
    problem = display_problem({"DISPLAY": ":5.0"}, "linux", nothing_exists)
    assert problem is not None
    assert "DISPLAY=:5.0" in problem


def test_a_remote_x_display_is_taken_on_trust() -> None:
    """SSH forwarding (localhost:10.0) cannot be checked by a socket file."""
    assert display_problem({"DISPLAY": "localhost:10.0"}, "linux", nothing_exists) is None


def test_a_wayland_display_with_its_socket_is_fine() -> None:
    """WAYLAND_DISPLAY names a socket in XDG_RUNTIME_DIR."""
    environ = {"WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": "/run/user/1000"}
    assert display_problem(environ, "linux", only("/run/user/1000/wayland-0")) is None


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "vnc:size=800x600"])
def test_platforms_without_a_display_need_none(platform: str) -> None:
    """QT_QPA_PLATFORM=offscreen (tests, smoke test) needs no display."""
    assert display_problem({"QT_QPA_PLATFORM": platform}, "linux", nothing_exists) is None


def test_forcing_xcb_still_needs_an_x_server() -> None:
    """QT_QPA_PLATFORM=xcb without DISPLAY is still no display."""
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux", nothing_exists) is not None


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_windows_and_macos_always_have_a_display(platform: str) -> None:
    """Those systems bring their own; no variable is needed."""
    assert display_problem({}, platform, nothing_exists) is None
