"""The open-file limit: every connection holds a descriptor, and so does the server itself.

A server that runs out of descriptors stops accepting anyone (``/healthz``, WeChat Pay, counters)
until some are freed; so the connection cap is kept below the limit, with room for the server's
own files, database connections and listening sockets.
"""

from __future__ import annotations

import contextlib
import sys

# Descriptors the server needs besides its clients' connections: standard streams, the event
# loop, listening sockets, and above all the database (an SQLite connection holds three files;
# the pool keeps up to 15 connections, PostgreSQL 16), with room to spare.
RESERVED_FDS = 128


def open_file_limit() -> int | None:
    """This process's soft limit on open files; None where there is none to read (Windows)."""
    if sys.platform == "win32":
        return None
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def raise_open_file_limit(wanted: int) -> int | None:
    """Raise the soft limit towards ``wanted`` as far as the hard limit allows; the new limit.

    For the server process only (``serve``): an in-process server leaves its host's limits be.
    """
    if sys.platform == "win32":
        return None
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        # If refused, the limit stays and the connection cap follows it.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return open_file_limit()


def affordable_connections(wanted: int, limit: int | None) -> int:
    """The connection cap under an open-file limit: ``wanted``, or what the limit leaves."""
    if limit is None:
        return wanted
    # Under a tiny limit (below twice the reserve) half of it still goes to connections.
    return max(1, min(wanted, max(limit - RESERVED_FDS, limit // 2)))
