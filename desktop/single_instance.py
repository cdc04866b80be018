"""One OrderBell per user: a second launch asks the first to show itself, then exits."""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

logger = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"
CONNECT_TIMEOUT_MS = 500
WRITE_TIMEOUT_MS = 1000
_MAX_MESSAGE = 64


def server_name(name: str) -> str:
    """A local server name unique to this user (user name and home folder), safe as a file name."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no user name in the environment or passwd
        user = ""
    digest = hashlib.sha256(f"{user}\0{Path.home()}".encode()).hexdigest()[:16]
    return f"{name}-{digest}"


class SingleInstance(QObject):
    """The per-user lock, held by listening on a local socket (named pipe on Windows).

    Signals:
        activated: a second launch knocked; the running app should bring its window forward.
    """

    activated = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server: QLocalServer | None = None

    def try_lock(self, name: str) -> bool:
        """True if this is the first instance (it now listens); False after knocking on the first.

        Blocks for at most a second, and only when another instance answers: call it before the
        event loop starts.
        """
        full_name = server_name(name)
        knock = QLocalSocket()
        knock.connectToServer(full_name)
        if knock.waitForConnected(CONNECT_TIMEOUT_MS):
            knock.write(SHOW_MESSAGE)
            knock.waitForBytesWritten(WRITE_TIMEOUT_MS)
            knock.disconnectFromServer()
            logger.info("OrderBell is already running for this user; asked it to show itself")
            return False
        if knock.error() != QLocalSocket.LocalSocketError.ServerNotFoundError:
            # A socket file with nobody listening: left behind by a crashed instance.
            QLocalServer.removeServer(full_name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_new_connection)
        if not server.listen(full_name):
            # Better two instances than none: a missed order costs more than a double alert.
            logger.warning(
                "cannot hold the single-instance lock %s (%s); running anyway",
                full_name,
                server.errorString(),
            )
            server.deleteLater()
            return True
        self._server = server
        return True

    def release(self) -> None:
        """Stop listening, so a later launch becomes the first instance."""
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    def _on_new_connection(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            connection = server.nextPendingConnection()
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(connection.deleteLater)
            self._read(connection)

    def _read(self, connection: QLocalSocket) -> None:
        if not connection.canReadLine():
            if connection.bytesAvailable() > _MAX_MESSAGE:
                logger.warning("ignoring an oversized single-instance message")
                connection.abort()
            return
        message = bytes(connection.readLine(_MAX_MESSAGE).data())
        if message == SHOW_MESSAGE:
            logger.info("a second launch asked this instance to show itself")
            self.activated.emit()
        else:
            logger.warning("ignoring an unknown single-instance message %r", message[:_MAX_MESSAGE])
        connection.disconnectFromServer()
