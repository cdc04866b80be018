"""A throw-away PostgreSQL server for the tests: initdb and pg_ctl in a temporary directory.

The suite starts one cluster per session (see ``postgres_cluster`` in tests/conftest.py) and
gives each test its own database, copied from a migrated template in about 0.1 s. As
root, the server runs as an unprivileged user (``postgres`` if it exists, else ``nobody``),
because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from backend.store import migrate_async

START_TIMEOUT_S = 30
START_ATTEMPTS = 3
# Durability is not under test, and a cluster that skips fsync creates databases much faster.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "log_min_messages": "warning",
}
SUPERUSER = "postgres"
STATEMENTS = "pg_stat_statements"
ENABLE_HINT = (
    "PostgreSQL tests need initdb and pg_ctl: install the postgresql package "
    "(apt-get install postgresql) or put its bin directory on PATH"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def in_ci() -> bool:
    """True when the CI variable says so; then missing PostgreSQL is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_binaries() -> Path:
    """The directory holding initdb and pg_ctl: PATH first, then Debian's versioned dirs."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    for pg_ctl in reversed(debian):
        if (pg_ctl.parent / "initdb").exists():
            return pg_ctl.parent
    raise PostgresUnavailable(ENABLE_HINT)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_user() -> str | None:
    """The unprivileged account to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    if shutil.which("runuser") is None:
        raise RuntimeError("running as root, PostgreSQL tests need runuser (util-linux)")
    for name in (SUPERUSER, "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresUnavailable("running as root, but there is no 'postgres' or 'nobody' user")


@dataclass
class PostgresCluster:
    """One running test server on 127.0.0.1 and the databases made on it."""

    bin_dir: Path
    directory: Path
    port: int
    user: str | None
    template: str = "orderbell_template"
    _template_ready: bool = False
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls) -> PostgresCluster:
        """initdb a fresh cluster in a temporary directory and start it."""
        bin_dir = find_binaries()
        user = _server_user()
        directory = Path(tempfile.mkdtemp(prefix="orderbell-pg-"))
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(directory, account.pw_uid, account.pw_gid)
        cluster = cls(bin_dir, directory, free_port(), user)
        cluster._run(
            "initdb",
            "--pgdata",
            str(cluster.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        settings = dict(SERVER_SETTINGS, unix_socket_directories=f"'{directory}'")
        if (bin_dir.parent / "lib" / f"{STATEMENTS}.so").exists():
            # Statement counts for the benchmarks' PostgreSQL breakdown (B2), when installed.
            settings["shared_preload_libraries"] = f"'{STATEMENTS}'"
        cluster._configure(settings)
        attempts_left = START_ATTEMPTS
        while True:
            # The port was free when probed; another process may take it before we bind it.
            cluster._configure({"port": str(cluster.port)})
            try:
                cluster._pg_ctl("start")
                return cluster
            except RuntimeError:
                attempts_left -= 1
                if not attempts_left:
                    shutil.rmtree(directory, ignore_errors=True)
                    raise
                cluster.port = free_port()

    def _configure(self, settings: dict[str, str]) -> None:
        # Later lines win in postgresql.conf, so appending is enough to change a setting.
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    async def create_database(self, *, migrated: bool = True) -> str:
        """A new database, migrated (copied from the template) or empty; returns its URL."""
        if migrated and not self._template_ready:
            await self.admin(f'CREATE DATABASE "{self.template}"')
            await migrate_async(self.url(self.template))
            self._template_ready = True
        name = f"test_{next(self._names)}"
        source = self.template if migrated else "template0"
        await self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self.url(name)

    @contextlib.asynccontextmanager
    async def database(self, *, migrated: bool = True) -> AsyncIterator[str]:
        """A database for one test, dropped afterwards; yields its URL."""
        url = await self.create_database(migrated=migrated)
        try:
            yield url
        finally:
            await self.drop_database(url)

    async def drop_database(self, url: str) -> None:
        """Drop a database made by create_database, cutting any connection still open."""
        name = url.rsplit("/", 1)[1]
        await self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self) -> None:
        """Restart the server the way an operator would: fast shutdown, then start."""
        self._pg_ctl("restart", "--mode", "fast")

    def stop(self) -> None:
        """Stop the server at once and delete its directory."""
        try:
            self._pg_ctl("stop", "--mode", "immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    async def admin(self, statement: str) -> None:
        """Run one statement on the maintenance database, as the superuser."""
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run(
            "pg_ctl",
            action,
            "--pgdata",
            str(self.data),
            "--log",
            str(self.directory / "server.log"),
            "--wait",
            "--timeout",
            str(START_TIMEOUT_S),
            *options,
        )

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bin_dir / program), *args]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S + 10,
            check=False,
            # pg_ctl's server inherits our stdout otherwise; pytest's capture must not hold it.
            stdin=subprocess.DEVNULL,
            cwd=self.directory,
        )
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{program} {args[0]} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{tail}"
            )
