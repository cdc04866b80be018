"""One instance per user: a second launch knocks, the first one is asked to show itself."""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from desktop.single_instance import SingleInstance, server_name


@pytest.fixture
def name() -> str:
    return f"orderbell-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def first(qtbot: QtBot) -> Iterator[SingleInstance]:
    instance = SingleInstance()
    yield instance
    instance.release()


@pytest.fixture
def second(qtbot: QtBot) -> Iterator[SingleInstance]:
    instance = SingleInstance()
    yield instance
    instance.release()


def test_first_launch_gets_the_lock(first: SingleInstance, name: str) -> None:
    """With nobody else running, try_lock returns True."""
    assert first.try_lock(name)


def test_second_launch_is_refused(first: SingleInstance, second: SingleInstance, name: str) -> None:
    """While the first instance holds the lock, a second try_lock returns False."""
    first.try_lock(name)
    assert not second.try_lock(name)


def test_second_launch_activates_the_first(
    qtbot: QtBot, first: SingleInstance, second: SingleInstance, name: str
) -> None:
    """The first instance emits activated when a second launch knocks."""
    first.try_lock(name)
    with qtbot.waitSignal(first.activated, timeout=5000):
        second.try_lock(name)


def test_different_names_do_not_collide(
    first: SingleInstance, second: SingleInstance, name: str
) -> None:
    """Locks with different names are independent."""
    assert first.try_lock(name)
    assert second.try_lock(f"{name}-other")


def test_released_lock_can_be_taken_again(
    first: SingleInstance, second: SingleInstance, name: str
) -> None:
    """After release() the next launch becomes the first instance."""
    first.try_lock(name)
    first.release()
    assert second.try_lock(name)


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no stale files")
def test_stale_socket_file_is_replaced(first: SingleInstance, name: str) -> None:
    """A socket file left by a crashed instance does not block the next launch."""
    path = os.path.join(QDir.tempPath(), server_name(name))
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: what a crash leaves behind
    assert first.try_lock(name)


def test_unknown_message_is_ignored(
    qtbot: QtBot, first: SingleInstance, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Anything other than "show" on the socket is logged and does not activate."""
    first.try_lock(name)
    intruder = QLocalSocket()
    intruder.connectToServer(server_name(name))
    assert intruder.waitForConnected(1000)
    activations: list[bool] = []
    first.activated.connect(lambda: activations.append(True))
    with caplog.at_level(logging.WARNING, logger="desktop.single_instance"):
        intruder.write(b"rm -rf /\n")
        intruder.flush()
        qtbot.waitUntil(lambda: "ignoring an unknown" in caplog.text, timeout=5000)
    intruder.abort()
    assert activations == []


def test_server_name_is_per_user(name: str) -> None:
    """The name carries a hash of the user and home folder, not just the app's name."""
    full = server_name(name)
    assert full.startswith(f"{name}-")
    assert len(full) == len(name) + 17
