"""Is there a display to show windows on? Asked before Qt, which aborts the process without one."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# The platforms Qt reaches a display through; any other (offscreen, minimal, vnc, eglfs…) needs
# none, or finds its own.
_DISPLAY_PLATFORMS = ("xcb", "wayland")
_LOCAL_X_DISPLAY = re.compile(r"^(?:unix)?:(\d+)(?:\.\d+)?$")


def display_problem(
    environ: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    exists: Callable[[Path], bool] = Path.exists,
) -> str | None:
    """Why Qt would find no display here (one line), or None when it can show windows.

    Only X11 and Wayland desktops can lack one: Windows and macOS always have their own. A
    local X display (``:0``) is checked by its socket, a Wayland one by its socket in
    ``XDG_RUNTIME_DIR``; a remote X display (``host:10``, SSH forwarding) is taken on trust.
    """
    if platform in ("win32", "darwin", "cygwin"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0]
    if qpa and qpa not in _DISPLAY_PLATFORMS:
        return None
    wayland = environ.get("WAYLAND_DISPLAY", "")
    if wayland and exists(Path(environ.get("XDG_RUNTIME_DIR", "/run/user")) / wayland):
        return None
    x_display = environ.get("DISPLAY", "")
    if x_display:
        local = _LOCAL_X_DISPLAY.match(x_display)
        if local is None or exists(Path("/tmp/.X11-unix") / f"X{local.group(1)}"):  # noqa: S108
            return None
        return (
            f"no X server is running for DISPLAY={x_display}: start OrderBell in the desktop "
            "session (or set QT_QPA_PLATFORM=offscreen for a check without a screen)"
        )
    return (
        "no display to show OrderBell on (DISPLAY and WAYLAND_DISPLAY are not set): start it in "
        "the desktop session (or set QT_QPA_PLATFORM=offscreen for a check without a screen)"
    )
