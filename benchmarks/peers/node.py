"""The Node.js ``ws`` peer: where it lives, installing it with ``npm ci``, and its command."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "node-ws"


def node_binary() -> str | None:
    """The ``node`` executable, if installed."""
    return shutil.which("node")


def ensure_installed() -> str | None:
    """Install ``ws`` from the lock file when missing; a reason when the peer cannot run."""
    if node_binary() is None:
        return "node is not installed"
    if installed_ws_version() is not None:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=DIRECTORY,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return f"npm ci failed: {done.stderr.strip()[-300:]}"
    return None


def installed_ws_version() -> str | None:
    """The installed ``ws`` version, or None."""
    manifest = DIRECTORY / "node_modules" / "ws" / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def command(port: int) -> list[str]:
    """How to start the peer on ``port``."""
    node = node_binary()
    if node is None:
        raise RuntimeError("node is not installed")
    return [node, str(DIRECTORY / "server.js"), str(port)]
